import pyreqs_pure
import pyreqs_sdistonly


def hello(event, context):
    # pyreqs_native is provided by the runtime (a layer), hence noDeploy.
    return [pyreqs_pure.greet("noDeploy"), pyreqs_sdistonly.BUILT_FROM]
