from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "hello from flask"


def api(event, context):
    with app.test_client() as client:
        response = client.get(event.get("path", "/"))
        return {"statusCode": response.status_code, "body": response.get_data(as_text=True)}
