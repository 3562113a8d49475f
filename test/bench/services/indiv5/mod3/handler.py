def handler(event, context):
    return 3
