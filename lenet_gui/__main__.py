"""`python -m lenet_gui`: the GUI, or a command of the command line."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
