import pyreqs_native


def hello(event, context):
    return pyreqs_native.double(4)
