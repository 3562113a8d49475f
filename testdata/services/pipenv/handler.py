import pyreqs_native
import pyreqs_withdeps


def hello(event, context):
    return {"native": pyreqs_native.double(21), "withdeps": pyreqs_withdeps.greet_twice("pipenv")}
