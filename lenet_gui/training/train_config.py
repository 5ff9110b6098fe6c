"""`TrainConfig`, the settings of a training run, without torch: the command line shows its
defaults in `train --help` and the retrain dialog builds one, before torch is loaded.
`lenet_gui.training.train` takes it (and re-exports it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

# The share of each training epoch's draws that are pen digits (`train --train-pen`,
# `rejection.mix_pen_digits`).
PEN_SHARE = 0.25


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 40
    batch_size: int = 128
    learning_rate: float = 2e-3  # peak, after a warm-up; cosine decay to 1% of it
    optimizer: str = "adam"  # "adam" or "sgd" (momentum 0.9, Nesterov)
    weight_decay: float = 0.0
    seed: int = 0
    augment: bool = True  # rotation, scaling, shear, shifts, elastic warp, stroke thickness
    # With augment on, this fraction of each batch is distorted and the rest left as it is: a
    # short run from scratch reaches a higher MNIST test accuracy at 0.5 (+0.1-0.2 points in 5
    # epochs, measured), the bundled model was trained at 1.
    augment_share: float = 1.0
    label_smoothing: float = 0.05
    ema_decay: float = 0.999  # the result is an exponential moving average of the weights; 0: off
    # The constant j of the paper's loss (eq. 9), for a model with the RBF output; such a model
    # is trained with that loss, and label_smoothing does not apply to it.
    rbf_j: float = 10.0
    # Outlier exposure (Hendrycks et al. 2019): with negatives given, each batch also holds
    # half a batch of non-digits whose output is pushed towards uniform, with this weight.
    outlier_weight: float = 0.5

    def to_dict(self) -> dict:
        return asdict(self)
