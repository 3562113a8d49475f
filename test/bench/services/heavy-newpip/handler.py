def handler(event, context):
    import numpy, pandas, boto3
    return {"numpy": numpy.__version__}
