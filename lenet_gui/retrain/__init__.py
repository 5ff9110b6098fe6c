"""The retrain job as plain Python (`retraining`), what it writes (`checkpoint`, `replay_file`),
its training replay (`replay`), and the fitting behind "not a digit" (`rejection`,
`reject_statistics`, `negatives_cache`). The Qt side is `lenet_gui.ui.retrain`."""
