"""A Flask application, as `app: api/index.py` serves it."""
import json

from flask import Flask, Response, request

app = Flask(__name__)


def _context_name():
    context = request.environ.get("serverless.context")
    return getattr(context, "function_name", None)


@app.route("/echo", methods=["GET", "POST"])
def echo():
    data = {
        "method": request.method,
        "path": request.path,
        "script_name": request.script_root,
        "query": request.args.to_dict(flat=False),
        "cookies": dict(request.cookies),
        "trace": request.headers.get("X-Trace"),
        "content_type": request.headers.get("Content-Type"),
        "body": request.get_data().decode("utf-8"),
        "context": _context_name(),
    }
    resp = Response(json.dumps(data, sort_keys=True), status=200, mimetype="application/json")
    resp.set_cookie("session", "new", path="/", httponly=True)
    resp.set_cookie("theme", "light", path="/")
    resp.headers["X-App"] = "flask"
    return resp


@app.route("/upload", methods=["POST"])
def upload():
    body = request.get_data()
    resp = Response(body, status=201, mimetype="image/png")
    resp.headers["X-Length"] = str(len(body))
    return resp


@app.errorhandler(404)
def missing(_error):
    return Response("not found: " + request.path, status=404, mimetype="text/plain")
