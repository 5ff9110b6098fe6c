"""Where the tests find the real data sets; tests that need them skip with a clear reason."""

import os
from pathlib import Path

import pytest

from lenet_gui.data.mnist import has_mnist

REPO = Path(__file__).resolve().parent.parent


def mnist_dir() -> Path:
    folder = os.environ.get("LENET_MNIST_DIR")
    if not folder or not has_mnist(folder):
        pytest.skip("MNIST not found: set LENET_MNIST_DIR to a folder with the four IDX .gz files")
    return Path(folder)


def pen_digits_file() -> Path:
    default = REPO.parent / "shared" / "data" / "pen-digits" / "unipen_dev.json.gz"
    path = Path(os.environ.get("LENET_PEN_DIGITS", default))
    if not path.is_file():
        pytest.skip(f"pen digits not found at {path}: set LENET_PEN_DIGITS")
    return path
