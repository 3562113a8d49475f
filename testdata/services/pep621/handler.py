import pyreqs_sdistonly
import pyreqs_withdeps


def hello(event, context):
    return {"withdeps": pyreqs_withdeps.greet_twice("pep621"), "sdistonly": pyreqs_sdistonly.BUILT_FROM}
