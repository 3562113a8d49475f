from flask import Flask
app = Flask(__name__)

def handler(event, context):
    return {"ok": True}
