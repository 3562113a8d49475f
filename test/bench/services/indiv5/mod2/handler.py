def handler(event, context):
    return 2
