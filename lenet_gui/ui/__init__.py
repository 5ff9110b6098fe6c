"""The Qt layer: widgets that show what the plain-Python core computes.

Nothing here may import torch at module level: the window must appear before torch is loaded.
"""
