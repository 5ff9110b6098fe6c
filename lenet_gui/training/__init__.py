"""The training loop (`train`) and its settings (`train_config`), optimizers (`optimizers`) and the
metrics a checkpoint records (`metrics`). Knows nothing of its caller; imports network and
preprocessing only."""
