import pyreqs_withdeps


def hello(event, context):
    return pyreqs_withdeps.greet_twice("mod_a")
