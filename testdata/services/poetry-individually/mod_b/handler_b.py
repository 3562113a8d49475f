import pyreqs_native


def hello(event, context):
    return {"native": pyreqs_native.double(21)}
