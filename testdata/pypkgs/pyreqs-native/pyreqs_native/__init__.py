"""pyreqs_native: test module backed by the compiled extension _speed."""
from pyreqs_native._speed import add

__version__ = "1.0.0"


def double(x):
    return add(x, x)
