import pyreqs_native
import pyreqs_pure
import pyreqs_sdistonly
import pyreqs_withdeps


def hello(event, context):
    return {
        "pure": pyreqs_pure.greet("basic"),
        "native": pyreqs_native.double(21),
        "withdeps": pyreqs_withdeps.greet_twice("basic"),
        "sdistonly": pyreqs_sdistonly.BUILT_FROM,
    }
