"""pyreqs_withdeps: test module that needs pyreqs_pure at import time."""
import pyreqs_pure

__version__ = "1.0.0"


def greet_twice(name):
    return [pyreqs_pure.greet(name), pyreqs_pure.greet(name)]
