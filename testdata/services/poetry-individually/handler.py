import pyreqs_sdistonly


def root(event, context):
    return {"sdistonly": pyreqs_sdistonly.BUILT_FROM}
