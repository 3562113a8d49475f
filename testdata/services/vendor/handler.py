import pyreqs_pure
import vendored_helper
import vendored_single


def hello(event, context):
    return [vendored_helper.shout(pyreqs_pure.greet("vendor")), vendored_single.SINGLE]
