"""lenet-gui: draw a digit and watch LeNet-5 read it."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lenet-gui")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"
