import pyreqs_pure


def hello(event, context):
    return pyreqs_pure.greet("mixed")
