"""A BaseHTTPRequestHandler subclass named `handler`, as Vercel's Python runtime serves it."""
import json
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit


class handler(BaseHTTPRequestHandler):
    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _echo(self, body):
        url = urlsplit(self.path)
        cookies = SimpleCookie()
        cookies.load(self.headers.get("Cookie", ""))
        context = getattr(self.server, "aws_context", None)
        data = {
            "method": self.command,
            "path": unquote(url.path),
            "script_name": "",
            "query": parse_qs(url.query, keep_blank_values=True),
            "cookies": {k: m.value for k, m in cookies.items()},
            "trace": ",".join(self.headers.get_all("X-Trace") or []) or None,
            "content_type": self.headers.get("Content-Type"),
            "body": body.decode("utf-8"),
            "context": getattr(context, "function_name", None),
        }
        out = json.dumps(data, sort_keys=True).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.send_header("Set-Cookie", "session=new; Path=/; HttpOnly")
        self.send_header("Set-Cookie", "theme=light; Path=/")
        self.send_header("X-App", "handler")
        self.end_headers()
        self.wfile.write(out)

    def _not_found(self):
        out = ("not found: " + unquote(urlsplit(self.path).path)).encode("utf-8")
        self.send_response(404)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def do_GET(self):
        if urlsplit(self.path).path == "/echo":
            self._echo(b"")
        else:
            self._not_found()

    def do_POST(self):
        body = self._body()
        path = urlsplit(self.path).path
        if path == "/echo":
            self._echo(body)
        elif path == "/upload":
            self.send_response(201)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self._not_found()

    def log_message(self, format, *args):
        pass
