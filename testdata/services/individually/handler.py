import pyreqs_pure


def root(event, context):
    return pyreqs_pure.greet("root")
