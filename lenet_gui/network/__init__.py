"""LeNet-5 itself: its layout as data (`architecture`), the torch module (`model`), the output
prototypes (`prototypes`), each layer's parameter arithmetic (`layer_arithmetic`) and the fused
C1..F6 trunk used in training (`fused_trunk`; on the CPU with the batch last, `batch_last`).
Imports nothing else of lenet_gui."""
