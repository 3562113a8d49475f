import pyreqs_withdeps


def hello(event, context):
    return {"withdeps": pyreqs_withdeps.greet_twice("poetry")}
