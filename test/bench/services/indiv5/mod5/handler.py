def handler(event, context):
    return 5
