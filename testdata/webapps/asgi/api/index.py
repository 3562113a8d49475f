"""A hand-written ASGI application with lifespan, as `app: api/index.py` serves it."""
import json
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

STARTUPS = []


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                STARTUPS.append(1)
                scope["state"]["started"] = len(STARTUPS)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    assert scope["type"] == "http"
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = {}
    for name, value in scope["headers"]:
        name = name.decode("latin-1")
        value = value.decode("utf-8")
        headers[name] = headers[name] + "," + value if name in headers else value
    # The path after root_path (the API Gateway stage, if any), as Starlette routes.
    path, root = scope["path"], scope.get("root_path", "")
    if root and (path == root or path.startswith(root + "/")):
        path = path[len(root):] or "/"
    if path == "/echo" and scope["method"] in ("GET", "POST"):
        cookies = SimpleCookie()
        cookies.load(headers.get("cookie", ""))
        context = scope.get("aws.context")
        data = {
            "method": scope["method"],
            "path": path,
            "script_name": scope.get("root_path", ""),
            "query": parse_qs(scope["query_string"].decode("latin-1"), keep_blank_values=True),
            "cookies": {k: m.value for k, m in cookies.items()},
            "trace": headers.get("x-trace"),
            "content_type": headers.get("content-type"),
            "body": body.decode("utf-8"),
            "context": getattr(context, "function_name", None),
            "started": scope.get("state", {}).get("started"),
        }
        out = json.dumps(data, sort_keys=True).encode("utf-8")
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(out)).encode()),
            (b"set-cookie", b"session=new; Path=/; HttpOnly"),
            (b"set-cookie", b"theme=light; Path=/"),
            (b"x-app", b"asgi"),
        ]})
        # Two chunks: the adapter must join streamed bodies.
        await send({"type": "http.response.body", "body": out[:10], "more_body": True})
        await send({"type": "http.response.body", "body": out[10:]})
        return
    if path == "/upload" and scope["method"] == "POST":
        await send({"type": "http.response.start", "status": 201, "headers": [
            (b"content-type", b"image/png"),
            (b"x-length", str(len(body)).encode()),
        ]})
        await send({"type": "http.response.body", "body": body})
        return
    out = ("not found: " + path).encode("utf-8")
    await send({"type": "http.response.start", "status": 404,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": out})
