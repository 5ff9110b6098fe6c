"""The training replay saved with a model (lenet_gui.retrain.replay_file): written into the
checkpoint, read back checked, and left out with a one-line reason when it is damaged or hostile."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from memory_cap import run_capped
from test_replay import trained
from test_retraining import tiny_job
from test_sweep import THREE

from lenet_gui.network.model import LeNet5
from lenet_gui.preprocessing.preprocess import Drawing, prepare_drawing
from lenet_gui.reading.inference import inspect
from lenet_gui.retrain.checkpoint import (
    MAX_FILE_BYTES,
    _check_container,
    _check_contents,
    describe,
    load_checkpoint,
    save_checkpoint,
)
from lenet_gui.retrain.replay import model_at, replay
from lenet_gui.retrain.replay_file import (
    MAX_SNAPSHOTS,
    added_bytes,
    describe_replay,
    kept_snapshots,
    replay_entry,
)
from lenet_gui.retrain.retraining import Snapshot, save_trained
from lenet_gui.system.paths import bundled_checkpoint


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A tiny run (3 epochs of 2 steps) saved twice: with its replay and without."""
    from conftest import bar

    from lenet_gui.data.samples import SampleStore

    folder = tmp_path_factory.mktemp("replay")
    store = SampleStore(folder / "samples")
    for digit in range(10):
        for i in range(4):
            store.add(bar(digit, 3 * i), digit, sample_id=f"d{digit}-{i}")
    samples = store.samples()
    outcome = trained(samples)
    job = tiny_job(samples)
    with_replay = save_trained(job, outcome, folder / "with.pt", with_replay=True)
    without = save_trained(job, outcome, folder / "without.pt")
    return outcome, with_replay, without


def test_a_saved_replay_loads_back_and_ends_at_the_saved_model(run):
    outcome, loaded, _ = run
    saved = loaded.replay
    assert saved is not None and loaded.replay_problem is None and loaded.warnings == ()
    assert [s.step for s in saved.snapshots] == [s.step for s in outcome.snapshots]
    assert [s.epochs for s in saved.snapshots] == [s.epochs for s in outcome.snapshots]
    assert saved.total_steps == outcome.snapshots[-1].step == 6
    for kept, original in zip(saved.snapshots, outcome.snapshots, strict=True):
        for name, value in original.state.items():
            np.testing.assert_array_equal(kept.state[name], value)
    # The last snapshot is the model saved: the same weights, the same reading.
    for name, value in loaded.model.state_dict().items():
        np.testing.assert_array_equal(saved.snapshots[-1].state[name], value.numpy())
    prepared = prepare_drawing(Drawing.from_dict(THREE))
    frames = replay(saved.snapshots, loaded.model.model_args(), prepared)
    expected = inspect(loaded.model, prepared)
    np.testing.assert_array_equal(
        frames[-1].inspection.prediction.probabilities, expected.prediction.probabilities
    )
    for name, activation in expected.activations.items():
        np.testing.assert_array_equal(frames[-1].inspection.activations[name], activation)
    assert not np.allclose(frames[0].inspection.activations["C1"], expected.activations["C1"])
    # The curves the dialog drew: loss after steps, held-out accuracy from step 0.
    for key in ("loss", "user"):
        xs, ys = saved.curves[key]
        np.testing.assert_allclose(xs, outcome.curves[key][0])
        np.testing.assert_allclose(ys, outcome.curves[key][1])
    assert saved.curves["user"][0][0] == 0 and "val" not in saved.curves  # no MNIST in this run
    assert describe_replay(saved) == "5 snapshots, steps 0-6 (3 epochs)"


def test_without_the_option_nothing_is_added_and_the_size_shown_is_what_it_adds(run):
    outcome, loaded, without = run
    assert without.replay is None and without.replay_problem is None
    assert describe_replay(without.replay) == "none"
    added = loaded.path.stat().st_size - without.path.stat().st_size
    estimate = added_bytes(outcome.snapshots, outcome.curves)
    assert estimate == pytest.approx(added, rel=0.05)  # 5 x 243 KB
    assert "replay" not in loaded.metadata  # the metadata stays small tables
    assert set(loaded.metadata) == set(without.metadata)
    assert [label for label, _ in describe(loaded.metadata)] == [
        label for label, _ in describe(without.metadata)
    ]


def test_older_readers_load_a_checkpoint_with_a_replay(run):
    """Code that predates the replay checks the archive and the known entries, then builds the
    model from "model": the replay entry passes those checks and is ignored."""
    _, loaded, _ = run
    _check_container(loaded.path)
    data = torch.load(loaded.path, map_location="cpu", weights_only=True)
    assert _check_contents(data, loaded.name) == []
    model = LeNet5()
    model.load_state_dict(data["model"], strict=True)
    assert torch.equal(model.c1.weight, loaded.model.c1.weight)


def test_the_bundled_model_has_no_replay_and_loads_as_before():
    bundled = load_checkpoint(bundled_checkpoint())
    assert bundled.replay is None and bundled.replay_problem is None
    assert "replay" not in torch.load(bundled_checkpoint(), weights_only=True)


def long_run_snapshots(epochs: int, steps_per_epoch: int = 100) -> list[Snapshot]:
    """A run of `epochs` epochs, snapshots as a retrain run keeps them, the last = the model."""
    from lenet_gui.retrain.retraining import snapshot_steps

    torch.manual_seed(0)
    model = LeNet5()
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    steps = sorted({0, *snapshot_steps(epochs, steps_per_epoch), epochs * steps_per_epoch})
    snaps = [Snapshot(s, s / steps_per_epoch, {k: v + s for k, v in state.items()})
             for s in steps[:-1]]  # fmt: skip
    return [*snaps, Snapshot(steps[-1], float(epochs), state)], model


def test_a_long_run_is_thinned_keeping_the_first_epoch_and_the_end(tmp_path):
    snapshots, model = long_run_snapshots(100)
    assert len(snapshots) == 105
    kept = kept_snapshots(snapshots)
    assert len(kept) == MAX_SNAPSHOTS
    steps = [s.step for s in kept]
    assert steps[:7] == [0, 2, 10, 25, 50, 100, 200] and steps[-1] == 100 * 100
    assert steps == sorted(set(steps))
    path = save_checkpoint(tmp_path / "long.pt", model, replay=replay_entry(snapshots, {}, 10_000))
    assert path.stat().st_size < MAX_FILE_BYTES
    loaded = load_checkpoint(path)
    assert [s.step for s in loaded.replay.snapshots] == steps
    assert kept_snapshots(snapshots[:5]) == tuple(snapshots[:5])


def _with_changed_replay(path, tmp_path, change):
    data = torch.load(path, weights_only=True)
    change(data["replay"])
    out = tmp_path / "changed.pt"
    torch.save(data, out)
    return out


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda r: r["weights"]["c1.weight"].__setitem__((1, 0, 0, 0, 0), float("nan")),
         "c1.weight has non-finite values"),
        (lambda r: r["weights"].update({"f6.weight": torch.zeros(5, 84, 100)}),
         "f6.weight has shape (5, 84, 100), not (5, 84, 120)"),
        (lambda r: r["weights"].pop("c5.bias"), "its weights are not those of this network"),
        (lambda r: r["weights"]["c5.bias"].__setitem__(0, 1e30), "c5.bias has weights up to 1e+30"),
        (lambda r: r["weights"].update({"c1.bias": torch.zeros(5, 6, dtype=torch.int64)}),
         "c1.bias holds int64 values"),
        (lambda r: r["weights"]["output.bias"][-1].add_(1.0),
         "its last snapshot is not this model's weights"),
        (lambda r: r.update(steps=torch.arange(10**5)), "100,000 snapshots; at most 32 are read"),
        (lambda r: r.update(steps=torch.tensor([0, 4, 2, 5, 6])), "steps are not in order"),
        (lambda r: r.update(steps=torch.tensor([0.0, 1, 2, 5, 6])), "steps are float32 numbers"),
        (lambda r: r.update(epochs=torch.ones(4)), "4 epoch counts for 5 snapshots"),
        (lambda r: r.update(total_steps=-3), "bad number of training steps '-3'"),
        (lambda r: r.update(format="lenet-gui-replay/9"), "unknown format 'lenet-gui-replay/9'"),
        (lambda r: r["curves"].update(user=torch.full((3, 2), float("nan"))),
         "its user curve has values outside the run"),
        (lambda r: r["curves"].update(user=torch.ones(3, 2) * 5), "accuracies outside 0-1"),
        (lambda r: r["curves"].update(loss=torch.zeros(10**5, 2)), "loss curve has 100,000 points"),
        (lambda r: r["curves"].update(weird=torch.zeros(1, 2)), "not loss and accuracy curves"),
        (lambda r: r.clear() or r.update(format="lenet-gui-replay/1", total_steps=6),
         "its steps are not a list of numbers"),
    ],
)  # fmt: skip
def test_a_damaged_replay_is_left_out_with_one_line_and_the_model_loads(
    run, tmp_path, change, reason
):
    _, good, _ = run
    loaded = load_checkpoint(_with_changed_replay(good.path, tmp_path, change))
    assert loaded.replay is None
    assert reason in loaded.replay_problem and "\n" not in loaded.replay_problem
    assert loaded.warnings == (f"its training replay was left out: {loaded.replay_problem}",)
    for name, value in good.model.state_dict().items():
        assert torch.equal(loaded.model.state_dict()[name], value)
    assert describe_replay(None, loaded.replay_problem).startswith("left out (")


def test_a_replay_that_is_not_a_table_is_left_out(run, tmp_path):
    _, good, _ = run
    data = torch.load(good.path, weights_only=True)
    data["replay"] = [1, 2, 3]
    torch.save(data, tmp_path / "list.pt")
    loaded = load_checkpoint(tmp_path / "list.pt")
    assert loaded.replay is None and loaded.replay_problem == "it is a list, not a table"


HUGE_COUNT_SCRIPT = """
import torch
from lenet_gui.retrain.checkpoint import load_checkpoint, save_checkpoint
from lenet_gui.network.model import LeNet5
from lenet_gui.retrain.replay_file import replay_entry
from lenet_gui.retrain.retraining import Snapshot
folder = FOLDER
model = LeNet5()
state = {k: v.numpy() for k, v in model.state_dict().items()}
entry = replay_entry([Snapshot(0, 0.0, state), Snapshot(5, 1.0, state)], {}, 5)
# A million snapshots declared in a small file: every stacked tensor repeats one row (stride 0),
# 243 GB once expanded.
n = 10**6
entry["steps"] = torch.zeros(1, dtype=torch.int64).expand(n)
entry["epochs"] = torch.zeros(1, dtype=torch.float64).expand(n)
entry["weights"] = {k: v[-1:].expand(n, *v.shape[1:]) for k, v in entry["weights"].items()}
path = save_checkpoint(folder + "/huge.pt", model, replay=entry)
cap()
loaded = load_checkpoint(path)
print(loaded.replay, loaded.replay_problem)
"""


def test_a_replay_declaring_a_million_snapshots_is_refused_in_bounded_memory(tmp_path):
    done = run_capped(HUGE_COUNT_SCRIPT.replace("FOLDER", repr(str(tmp_path))), extra_mb=100)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "None 1,000,000 snapshots; at most 32 are read"


def test_model_at_a_loaded_snapshot_is_in_eval_mode(run):
    _, loaded, _ = run
    first = loaded.replay.snapshots[0]
    assert model_at(first, loaded.model.model_args()).training is False


def test_info_says_whether_a_checkpoint_has_a_replay(run, tmp_path, capsys):
    from test_cli import run_cli

    _, with_replay, without = run
    rows = {}
    for name, path in [("with", with_replay.path), ("without", without.path)]:
        code, lines = run_cli(capsys, "info", "--checkpoint", str(path))
        assert code == 0
        rows[name] = [line.strip() for line in lines if "training replay" in line]
    assert rows == {
        "with": ["training replay: 5 snapshots, steps 0-6 (3 epochs)"],
        "without": ["training replay: none"],
    }
    damaged = _with_changed_replay(
        with_replay.path, tmp_path, lambda r: r["weights"]["c1.bias"].fill_(float("nan"))
    )
    code, lines = run_cli(capsys, "info", "--checkpoint", str(damaged))
    assert code == 0
    assert "training replay: left out (c1.bias has non-finite values)" in [
        line.strip() for line in lines
    ]


def test_calibrate_keeps_the_replay_of_the_model_it_calibrates(run, tmp_path, monkeypatch, capsys):
    """`calibrate` re-saves the model with a rejector: its replay goes with it. (The fitting
    itself is rejection's and tested there; here it is a stand-in.)"""
    from test_cli import run_cli

    from lenet_gui.data import drawn_digits
    from lenet_gui.retrain import rejection

    monkeypatch.setattr(drawn_digits, "load_pen_digits", lambda path: [])
    monkeypatch.setattr(rejection, "load_pen_characters", lambda path: [])
    monkeypatch.setattr(rejection, "fit_rejector", lambda model, d, c: {"reject_below": 0.5})
    _, with_replay, _ = run
    out = tmp_path / "calibrated.pt"
    code, _ = run_cli(capsys, "calibrate", "--checkpoint", str(with_replay.path), "--pen", "p",
                      "--negatives", "n", "--out", str(out))  # fmt: skip
    assert code == 0
    calibrated = load_checkpoint(out)
    assert calibrated.model.rejector == {"reject_below": 0.5}
    assert calibrated.replay is not None and calibrated.replay_problem is None
    assert [s.step for s in calibrated.replay.snapshots] == [
        s.step for s in with_replay.replay.snapshots
    ]
    for key, (xs, ys) in with_replay.replay.curves.items():
        np.testing.assert_array_equal(calibrated.replay.curves[key][0], xs)
        np.testing.assert_array_equal(calibrated.replay.curves[key][1], ys)
