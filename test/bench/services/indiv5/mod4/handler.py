def handler(event, context):
    return 4
