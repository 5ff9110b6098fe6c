"""Core speed: batch-1 latency with every activation, and training throughput.

Training throughput is measured in one run for lenet-gui's `train` and for a plain PyTorch
LeNet-5 the way most tutorials write it (pytorch/examples style: nn.Conv2d/AvgPool2d layers, a
DataLoader over a TensorDataset, batch 64), on the same images, so the ratio is like for like.
The trainings are run in turn `--repeat` times and each ratio is taken within a round (runs a
minute apart at most), so that a shared machine's changing load shifts both sides; the median
round is printed with the range, and the load average.

Each training runs in a fresh process, as it does for real: the plain loop as a script would,
with glibc's malloc as it comes; lenet-gui's as the app's training processes run it, with freed
memory kept for reuse (`allocator.keep_freed_memory`; without it the page faults of every step
depend on what the process allocated before). The plain loop is also run with that setting,
and lenet-gui's ratios are given against both.

    python benchmarks/bench_core.py [--images 12000] [--threads N] [--repeat 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lenet_gui.network.model import LeNet5
from lenet_gui.preprocessing.preprocess import Drawing, prepare_drawing
from lenet_gui.reading.inference import inspect
from lenet_gui.system.allocator import keep_freed_memory
from lenet_gui.training.train import TrainConfig, to_network_input, train


class PlainLeNet5(nn.Module):
    """The usual re-implementation: full C3, average pooling, tanh."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5),
            nn.Tanh(),
            nn.AvgPool2d(2),
            nn.Tanh(),
            nn.Conv2d(6, 16, 5),
            nn.Tanh(),
            nn.AvgPool2d(2),
            nn.Tanh(),
            nn.Conv2d(16, 120, 5),
            nn.Tanh(),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10)
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def plain_training(images: np.ndarray, labels: np.ndarray, epochs: int) -> float:
    """Images per second of a pytorch/examples-style loop."""
    torch.manual_seed(0)
    model = PlainLeNet5()
    x = to_network_input(torch.from_numpy(images).float().div(255).unsqueeze(1))
    x = F.pad(x, (2, 2, 2, 2), value=-0.1)
    loader = DataLoader(
        TensorDataset(x, torch.from_numpy(labels).long()), batch_size=64, shuffle=True
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    for _ in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            optimizer.step()
    return epochs * len(images) / (time.perf_counter() - start)


def ours_training(images, labels, epochs: int, augment: bool) -> float:
    torch.manual_seed(0)
    config = TrainConfig(epochs=epochs, augment=augment)
    result = train(LeNet5(), images, labels, config)
    return epochs * len(images) / result.seconds


def latency() -> tuple[float, float, float, float]:
    """Median and p95 (ms) of one forward with all activations, and of strokes -> input."""
    model = LeNet5().eval()
    strokes = (((100.0, 60.0), (180.0, 60.0), (130.0, 220.0)), ((110.0, 140.0), (170.0, 140.0)))
    drawing = Drawing(280, 280, strokes)
    prepared = prepare_drawing(drawing)
    for _ in range(50):
        inspect(model, prepared)
    forward, prepare = [], []
    for _ in range(500):
        t0 = time.perf_counter()
        inspect(model, prepared)
        t1 = time.perf_counter()
        prepare_drawing(drawing)
        t2 = time.perf_counter()
        forward.append((t1 - t0) * 1e3)
        prepare.append((t2 - t1) * 1e3)

    def p95(values):
        return sorted(values)[int(0.95 * len(values))]

    return statistics.median(forward), p95(forward), statistics.median(prepare), p95(prepare)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=12000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    fwd_med, fwd_p95, prep_med, prep_p95 = latency()
    print(
        f"batch-1 forward with all activations (1 thread): median {fwd_med:.3f} ms, "
        f"p95 {fwd_p95:.3f} ms"
    )
    print(
        f"drawing -> network input (render + prepare):     median {prep_med:.3f} ms, "
        f"p95 {prep_p95:.3f} ms"
    )

    columns = (("plain", False), ("plain", True), ("ours", True), ("augmented", True))
    rounds = []
    for _ in range(args.repeat):
        rounds.append(
            [
                in_fresh_process(kind, args.images, args.epochs, args.threads, keep)
                for kind, keep in columns
            ]
        )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"training throughput ({args.threads} threads, {args.images} images x {args.epochs} "
        f"epochs, {args.repeat} rounds, a fresh process each; load average {load}):"
    )

    def figure(column: int) -> str:
        values = sorted(r[column] for r in rounds)
        median = statistics.median(values)
        low, high = values[0], values[-1]
        return f"{median:6.0f} images/s ({low:.0f}-{high:.0f}), {60000 / median:4.1f} s/epoch"

    def ratio(column: int, base: int) -> str:
        values = sorted(r[column] / r[base] for r in rounds)
        return f"{statistics.median(values):.2f}x ({values[0]:.2f}-{values[-1]:.2f})"

    print(f"  plain PyTorch LeNet-5, DataLoader, batch 64:   {figure(0)}")
    print(f"  the same, freed memory kept:                   {figure(1)}")
    for column, name in ((2, "no augmentation:  "), (3, "with augmentation:")):
        print(
            f"  lenet-gui train, {name}             {figure(column)}  "
            f"{ratio(column, 0)} plain, {ratio(column, 1)} plain with memory kept"
        )


def measured(kind: str, count: int, epochs: int, threads: int, keep: bool) -> float:
    """Images per second of one training ("plain", "ours" or "augmented") in this process."""
    torch.set_num_threads(threads)
    if keep and not keep_freed_memory():
        print("(glibc's malloc thresholds could not be set here)")
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
    images[:, :4] = 0  # the exact pixels do not matter for speed
    labels = rng.integers(0, 10, count).astype(np.int64)
    if kind == "plain":
        return plain_training(images, labels, epochs)
    return ours_training(images, labels, epochs, augment=kind == "augmented")


def in_fresh_process(*args) -> float:
    """`measured(*args)` in a process started for it ("spawn": nothing inherited)."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(measured, args)


if __name__ == "__main__":
    main()
