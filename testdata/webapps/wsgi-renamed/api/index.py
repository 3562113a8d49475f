"""A plain WSGI callable named `application` (as Vercel's WSGI builder and mod_wsgi expect).

`app` here is the application's settings, not a web application: the default lookup (app,
application, handler) stops at it, so the function needs `wsgiApplicationName: application`.
"""
import json
from http.cookies import SimpleCookie
from urllib.parse import parse_qs


class Settings(object):
    debug = False


app = Settings()


def application(environ, start_response):
    path = environ.get("PATH_INFO") or "/"
    method = environ["REQUEST_METHOD"]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    if path == "/echo" and method in ("GET", "POST"):
        cookies = SimpleCookie()
        cookies.load(environ.get("HTTP_COOKIE", ""))
        context = environ.get("serverless.context")
        data = {
            "method": method,
            "path": path.encode("latin-1").decode("utf-8"),
            "script_name": environ.get("SCRIPT_NAME", ""),
            "query": parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            "cookies": {k: m.value for k, m in cookies.items()},
            "trace": environ.get("HTTP_X_TRACE"),
            "content_type": environ.get("CONTENT_TYPE") or None,
            "body": body.decode("utf-8"),
            "context": getattr(context, "function_name", None),
        }
        out = json.dumps(data, sort_keys=True).encode("utf-8")
        start_response("200 OK", [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(out))),
            ("Set-Cookie", "session=new; Path=/; HttpOnly"),
            ("Set-Cookie", "theme=light; Path=/"),
            ("X-App", "wsgi"),
        ])
        return [out]
    if path == "/upload" and method == "POST":
        start_response("201 Created", [
            ("Content-Type", "image/png"),
            ("Content-Length", str(len(body))),
            ("X-Length", str(len(body))),
        ])
        return [body]
    out = ("not found: " + path).encode("latin-1")
    start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
    return [out]
