"""Why the network chose a class (`attribution`), how one unit's value was computed (`trace`), and
the `explain` command's JSON (`report`). The Qt side is `lenet_gui.ui.explain`."""
