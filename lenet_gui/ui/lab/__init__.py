"""Experiments on the current drawing: invariance sweeps, fooling the network, and the like."""
