"""A vendored module: copied next to the requirements by the plugin's vendor option."""
VENDORED = True


def shout(text):
    return text.upper() + "!"
