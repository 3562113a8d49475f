# pyreqs_sdistonly comes from the service's requirements.txt (in the function zip); the others
# come from the named layers (/opt/python on Lambda), imported only by the functions that
# attach them.
import pyreqs_sdistonly


def both(event, context):
    import pyreqs_native
    import pyreqs_withdeps

    return {"native": pyreqs_native.double(21), "withdeps": pyreqs_withdeps.greet_twice("layer")}


def one(event, context):
    import pyreqs_withdeps

    return {"withdeps": pyreqs_withdeps.greet_twice("web")}


def none(event, context):
    return {"sdistonly": pyreqs_sdistonly.__name__}
