"""pyreqs_sdistonly: pure-python test module that is only ever installed from an sdist."""
__version__ = "1.0.0"

BUILT_FROM = "sdist"
