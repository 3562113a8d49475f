"""The package's own test suite, shipped inside it as many packages do (pandas/tests): the
bytecode step leaves such folders as source."""
import pyreqs_withdeps


def test_depends():
    assert pyreqs_withdeps.__name__ == "pyreqs_withdeps"
