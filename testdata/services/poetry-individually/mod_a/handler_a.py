import pyreqs_pure


def hello(event, context):
    return {"pure": pyreqs_pure.greet("mod_a")}
