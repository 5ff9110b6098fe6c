"""PyInstaller's entry script: a frozen app needs a file to start from, not a `-m` module."""

import multiprocessing
import sys

if __name__ == "__main__":
    # The retrain dialog can train in a "spawn" child process; in a frozen app that child is this
    # executable again, and freeze_support() turns it into the worker (and exits) before the
    # command line or a second window is reached.
    multiprocessing.freeze_support()

    from lenet_gui.cli import main

    sys.exit(main())
