"""Experiments on one drawing: invariance sweeps (`sweep`), fooling the network (`adversarial`),
two models compared (`compare`) and the ONNX export (`onnx_export`). The Qt side is
`lenet_gui.ui.lab`."""
