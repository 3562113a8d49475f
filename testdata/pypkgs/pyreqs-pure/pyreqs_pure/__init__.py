"""pyreqs_pure: pure-python test module of serverless-pyreqs."""
from pyreqs_pure._version import __version__

NAME = "pyreqs-pure"


def greet(name):
    return "hello %s from %s %s" % (name, NAME, __version__)
