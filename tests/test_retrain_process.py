"""The retrain process never outlives the GUI that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import ROOT

PARENT = textwrap.dedent(
    """
    import multiprocessing, sys, time
    import numpy as np
    sys.path.insert(0, sys.argv[1])
    from lenet_gui.retrain.retraining import TrainingJob, TrainingStart, process_main
    from lenet_gui.training.train_config import TrainConfig

    if __name__ == "__main__":
        rng = np.random.default_rng(0)
        job = TrainingJob(
            config=TrainConfig(epochs=100_000, batch_size=8, augment=False),
            model_args={}, base_state=None, mnist_folder=None,
            user_fields=rng.integers(0, 255, (40, 32, 32), dtype=np.uint8),
            user_labels=np.arange(40) % 10,
        )
        context = multiprocessing.get_context("spawn")
        queue, stop = context.Queue(), context.Event()
        child = context.Process(target=process_main, args=(job, queue, stop), daemon=True)
        child.start()
        while not isinstance(queue.get(timeout=120), TrainingStart):
            pass
        print(child.pid, flush=True)  # training now; the queue is no longer read
        time.sleep(600)
    """
)


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a parent that never reaps it is not running)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_training_process_exits_when_the_gui_is_killed(tmp_path):
    """kill -9 of the GUI left the worker training, then blocked forever on a full pipe."""
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    parent = subprocess.Popen(
        [sys.executable, str(script), str(ROOT)], stdout=subprocess.PIPE, text=True
    )
    try:
        child = int(parent.stdout.readline())
        assert _alive(child)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 60  # a bound for a hang, not a speed target
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        gone = not _alive(child)
        if not gone:
            os.kill(child, signal.SIGKILL)
        assert gone, "the training process outlived the GUI"
    finally:
        parent.kill()
        parent.wait(10)


def test_a_cancel_while_the_process_starts_ends_it_without_waiting_for_the_loop(qtbot):
    """Cancel in the first second waited for torch to import and the data to load (1.5 s)."""
    import numpy as np

    from lenet_gui.retrain.retraining import TrainingJob
    from lenet_gui.training.train_config import TrainConfig
    from lenet_gui.ui.retrain.training_worker import TrainingWorker

    rng = np.random.default_rng(0)
    job = TrainingJob(
        config=TrainConfig(epochs=1000, batch_size=8, augment=False),
        model_args={},
        base_state=None,
        mnist_folder=None,
        user_fields=rng.integers(0, 255, (40, 32, 32), dtype=np.uint8),
        user_labels=np.arange(40) % 10,
    )
    worker = TrainingWorker(job, mode="process")
    events = []
    worker.started.connect(lambda _m: events.append("started"))
    worker.cancelled.connect(lambda: events.append("cancelled"))
    worker.start()
    worker.cancel()
    qtbot.waitUntil(lambda: "cancelled" in events, timeout=10_000)
    assert events == ["cancelled"]  # ended while starting: it never reached its loop
    assert not worker._runner.is_alive()
