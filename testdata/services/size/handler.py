import pyreqs_ballast


def hello(event, context):
    return {"ballast": pyreqs_ballast.BYTES}
