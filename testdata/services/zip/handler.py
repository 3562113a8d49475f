try:
    import unzip_requirements  # noqa: F401  (extracts .requirements.zip and adds it to sys.path)
except ImportError:
    pass

import pyreqs_native
import pyreqs_pure
import pyreqs_withdeps
import zip_vendored


def hello(event, context):
    return {
        "pure": pyreqs_pure.greet("zip"),
        "native": pyreqs_native.double(21),
        "withdeps": pyreqs_withdeps.greet_twice("zip"),
        "vendored": zip_vendored.VENDORED,
    }
