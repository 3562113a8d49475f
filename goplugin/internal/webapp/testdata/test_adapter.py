"""Tests of the web adapter (_pyreqs_webapp.py), run by webapp_python_test.go.

The Go test lays out one "task root" per sample app as the artifact would hold it (the app's files,
the adapter and the generated handler module) and runs this file in a fresh interpreter per app:

  PYREQS_TEST_APP      flask | asgi | handler | wsgi | bad | unit
  PYREQS_TEST_ROOT     the task root (first on sys.path, as LAMBDA_TASK_ROOT is on Lambda)
  PYREQS_TEST_HANDLER  module.attribute of the generated handler, e.g. _pyreqs_app_web.handler
  PYREQS_TEST_EVENTS   testdata/events
  PYREQS_TEST_EXTRA    extra sys.path entries (os.pathsep-separated), e.g. Flask's install target

Every event fixture goes through the Lambda handler; the answer is checked against what the request
holds and against a direct call of the same app (WSGI environ built here with wsgiref, an ASGI
scope built here, a real http.server for a request handler).
"""

import asyncio
import base64
import http.client
import http.server
import importlib
import io
import json
import os
import sys
import threading
import unittest
import wsgiref.util

APP = os.environ.get("PYREQS_TEST_APP", "unit")
ROOT = os.environ.get("PYREQS_TEST_ROOT", "")
HANDLER = os.environ.get("PYREQS_TEST_HANDLER", "")
EVENTS = os.environ["PYREQS_TEST_EVENTS"]
if ROOT:
    sys.path.insert(0, ROOT)
for extra in filter(None, os.environ.get("PYREQS_TEST_EXTRA", "").split(os.pathsep)):
    sys.path.append(extra)

import _pyreqs_webapp as adapter  # noqa: E402  (from ROOT)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
TEXT = "h\u00e9llo w\u00f6rld \u03bb\nsecond line"
KINDS = ["apigw-rest", "http-api", "function-url", "alb", "alb-multi-value"]
QUERY = "tag=a&tag=b&q=hello%20world&sym=a%2Bb"
SET_COOKIES = {"session": "new", "theme": "light"}


class Context(object):
    function_name = "fn-test"
    aws_request_id = "11111111-2222-3333-4444-555555555555"


def event(name):
    with open(os.path.join(EVENTS, name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def request_of(name):
    """The HTTP request a fixture stands for, written out here (not taken from the adapter)."""
    kind, _, what = name.rpartition("-post-") if "-post-" in name else name.rpartition("-get")
    single_alb = name.startswith("alb-") and not name.startswith("alb-multi-value")
    script = {"apigw-rest-get": "/dev", "apigw-rest-post-binary": "/dev",
              "http-api-post-text": "/prod"}.get(name, "")
    if name.endswith("-get"):
        headers = [("cookie", "session=abc; theme=dark")]
        headers += [("x-trace", "two")] if single_alb else [("x-trace", "one"), ("x-trace", "two")]
        query = "tag=b&q=hello%20world&sym=a%2Bb" if single_alb else QUERY
        return dict(method="GET", path="/echo", script=script, query=query, headers=headers,
                    body=b"", single_alb=single_alb)
    if name.endswith("-post-text"):
        return dict(method="POST", path="/echo", script=script, query="",
                    headers=[("content-type", "text/plain; charset=utf-8")],
                    body=TEXT.encode("utf-8"), single_alb=single_alb)
    return dict(method="POST", path="/upload", script=script, query="",
                headers=[("content-type", "image/png")], body=PNG, single_alb=single_alb)


def normalise(name, result):
    """(status, headers {lower name: [values]}, set-cookie list, body bytes) of a Lambda result."""
    headers = {}
    cookies = []
    if name.startswith(("http-api", "function-url")):
        assert "multiValueHeaders" not in result, result
        for k, v in result.get("headers", {}).items():
            assert k.lower() != "set-cookie", "2.0 responses carry cookies in `cookies`"
            headers.setdefault(k.lower(), []).append(v)
        cookies = list(result.get("cookies", []))
    elif name.startswith("alb-multi-value"):
        assert "headers" not in result, result
        for k, vs in result["multiValueHeaders"].items():
            headers.setdefault(k.lower(), []).extend(vs)
    else:
        for k, v in result.get("headers", {}).items():
            headers.setdefault(k.lower(), []).append(v)
        for k, vs in result.get("multiValueHeaders", {}).items():
            headers.setdefault(k.lower(), []).extend(vs)
    if not cookies:
        cookies = headers.pop("set-cookie", [])
    if name.startswith("alb"):
        assert result["statusDescription"].startswith(str(result["statusCode"]) + " "), result
    body = result["body"]
    body = base64.b64decode(body) if result["isBase64Encoded"] else body.encode("utf-8")
    return result["statusCode"], headers, cookies, body


def cookie_values(set_cookies):
    out = {}
    for c in set_cookies:
        k, _, rest = c.partition("=")
        out[k.strip()] = rest.split(";")[0]
    return out


# --- direct calls of the same app, without the adapter ----------------------------------------


def direct_wsgi(app, req):
    environ = {
        "REQUEST_METHOD": req["method"], "SCRIPT_NAME": req["script"], "PATH_INFO": req["path"],
        "QUERY_STRING": req["query"], "CONTENT_LENGTH": str(len(req["body"])),
        "wsgi.input": io.BytesIO(req["body"]),
    }
    for k, v in req["headers"]:
        key = "CONTENT_TYPE" if k == "content-type" else "HTTP_" + k.upper().replace("-", "_")
        environ[key] = environ[key] + "," + v if key in environ else v
    wsgiref.util.setup_testing_defaults(environ)
    out = {}

    def start_response(status, headers, exc_info=None):
        out["status"], out["headers"] = int(status.split()[0]), headers

    body = b"".join(app(environ, start_response))
    return out["status"], out["headers"], body


def direct_asgi(app, req):
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": req["method"], "scheme": "https", "path": req["script"] + req["path"],
        "raw_path": (req["script"] + req["path"]).encode(), "root_path": req["script"],
        "query_string": req["query"].encode(), "client": ("127.0.0.1", 1),
        "server": ("localhost", 443),
        "headers": [(k.encode(), v.encode()) for k, v in req["headers"]],
        "state": {"started": 1},
    }
    sent = []
    messages = [{"type": "http.request", "body": req["body"], "more_body": False}]

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = sent[0]
    headers = [(k.decode(), v.decode()) for k, v in start["headers"]]
    return start["status"], headers, b"".join(m.get("body", b"") for m in sent[1:])


def direct_handler(cls, req):
    server = http.server.HTTPServer(("127.0.0.1", 0), cls)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
        target = req["path"] + ("?" + req["query"] if req["query"] else "")
        conn.putrequest(req["method"], target)
        for k, v in req["headers"]:
            conn.putheader(k, v)
        if req["method"] == "POST":
            conn.putheader("content-length", str(len(req["body"])))
        conn.endheaders(req["body"] or None)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        return resp.status, resp.getheaders(), body
    finally:
        thread.join(10)
        server.server_close()


# --- the tests --------------------------------------------------------------------------------


def resolve_handler():
    module, _, attr = HANDLER.rpartition(".")
    return getattr(importlib.import_module(module), attr)


@unittest.skipUnless(APP in ("flask", "asgi", "handler", "wsgi"), "needs a sample app")
class SampleAppTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.handler = resolve_handler()
        cls.app = importlib.import_module("api.index")

    def direct(self, req):
        if APP == "asgi":
            return direct_asgi(self.app.app, req)
        if APP == "handler":
            return direct_handler(self.app.handler, req)
        if APP == "wsgi":
            return direct_wsgi(self.app.application, req)
        return direct_wsgi(self.app.app, req)

    def check(self, name):
        result = self.handler(event(name), Context())
        json.dumps(result)  # what Lambda's runtime does with it
        status, headers, cookies, body = normalise(name, result)
        req = request_of(name)
        d_status, d_headers, d_body = self.direct(req)
        d_cookies = [v for k, v in d_headers if k.lower() == "set-cookie"]
        d_type = [v for k, v in d_headers if k.lower() == "content-type"]
        self.assertEqual(status, d_status)
        self.assertEqual(headers.get("content-type"), d_type)
        if req["path"] == "/upload":
            self.assertEqual(status, 201)
            self.assertTrue(result["isBase64Encoded"], "image/png must come back base64-encoded")
            self.assertEqual(body, PNG)
            self.assertEqual(body, d_body)
            self.assertEqual(headers.get("x-length"), [str(len(PNG))])
            return
        self.assertFalse(result["isBase64Encoded"], "JSON must come back as text")
        self.assertEqual(status, 200)
        self.assertEqual(cookies, d_cookies, "every Set-Cookie, in order")
        self.assertEqual(cookie_values(cookies), SET_COOKIES)
        self.assertEqual(headers.get("x-app"), [{"wsgi": "wsgi"}.get(APP, APP)])
        got = json.loads(body)
        want = json.loads(d_body)
        self.assertEqual(got.pop("context"), "fn-test")
        self.assertIsNone(want.pop("context"))
        if APP == "handler":
            req_script = ""  # a request handler has no script name; it sees the path after it
        else:
            req_script = req["script"]
        self.assertEqual(got["script_name"], req_script)
        self.assertEqual(got, want)
        self.assertEqual(got["method"], req["method"])
        self.assertEqual(got["path"], "/echo")
        if req["method"] == "GET":
            tags = ["b"] if req["single_alb"] else ["a", "b"]
            self.assertEqual(got["query"], {"tag": tags, "q": ["hello world"], "sym": ["a+b"]})
            self.assertEqual(got["cookies"], {"session": "abc", "theme": "dark"})
            self.assertEqual(got["trace"], "two" if req["single_alb"] else "one,two")
        else:
            self.assertEqual(got["body"], TEXT)
            self.assertEqual(got["content_type"], "text/plain; charset=utf-8")
        if APP == "asgi":
            self.assertEqual(got["started"], 1)

    def test_events(self):
        for kind in KINDS:
            for what in ("get", "post-text", "post-binary"):
                name = kind + "-" + what
                with self.subTest(event=name):
                    self.check(name)

    def test_not_found(self):
        ev = event("function-url-get")
        ev["rawPath"] = "/nothing/h%C3%A9"
        ev["requestContext"]["http"]["path"] = ev["rawPath"]
        result = self.handler(ev, Context())
        self.assertEqual(result["statusCode"], 404)
        self.assertFalse(result["isBase64Encoded"])
        self.assertEqual(result["body"], "not found: /nothing/h\u00e9")

    def test_imported_once(self):
        before = self.app
        for _ in range(3):
            self.handler(event("http-api-get"), Context())
        self.assertIs(importlib.import_module("api.index"), before)
        if APP == "asgi":
            self.assertEqual(self.app.STARTUPS, [1], "lifespan startup runs once per container")

    def test_alb_single_value_cookies_survive(self):
        result = self.handler(event("alb-get"), Context())
        keys = [k for k in result["headers"] if k.lower() == "set-cookie"]
        self.assertEqual(len(keys), 2, "two Set-Cookie headers under differently-cased names")
        self.assertEqual(len(set(keys)), 2)


@unittest.skipUnless(APP == "bad", "needs the bad sample")
class BadAppTest(unittest.TestCase):
    def load_error(self, module):
        sys.modules.pop(module, None)
        with self.assertRaises(adapter.AppLoadError) as cm:
            importlib.import_module(module)
        return str(cm.exception)

    def test_no_app(self):
        msg = self.load_error("_pyreqs_app_noapp")
        self.assertIn("functions.noapp.app", msg)
        self.assertIn("api/noapp.py defines none of app, application, handler", msg)
        self.assertIn("app = Flask(__name__)", msg)

    def test_missing_attribute(self):
        msg = self.load_error("_pyreqs_app_missingattr")
        self.assertIn("functions.missingattr.app: api/noapp.py has no attribute 'web'", msg)

    def test_not_an_app(self):
        msg = self.load_error("_pyreqs_app_notapp")
        self.assertIn("functions.notapp.app: `app` in api/notapp.py is an int", msg)
        self.assertIn("neither a WSGI application", msg)

    def test_missing_module(self):
        with self.assertRaises(adapter.AppLoadError) as cm:
            adapter.load(module="api.gone", source="api/gone.py", function="web")
        self.assertIn("functions.web.app: cannot import api/gone.py", str(cm.exception))

    def test_renamed_default_not_found(self):
        with self.assertRaises(adapter.AppLoadError) as cm:
            adapter.load(module="api.noapp", source="api/noapp.py", function="web",
                         names=("wsgi_app",))
        self.assertIn("defines none of wsgi_app", str(cm.exception))

    def test_error_inside_the_app_propagates(self):
        # A missing dependency of the app is the user's ImportError, not "module not found".
        sys.modules.pop("api.broken", None)
        path = os.path.join(ROOT, "api", "broken.py")
        with open(path, "w") as f:
            f.write("import not_installed_dependency_xyz\napp = None\n")
        with self.assertRaises(ModuleNotFoundError) as cm:
            adapter.load(module="api.broken", source="api/broken.py", function="web")
        self.assertEqual(cm.exception.name, "not_installed_dependency_xyz")


@unittest.skipUnless(APP == "unit", "adapter unit tests")
class AdapterUnitTest(unittest.TestCase):
    def test_kind(self):
        class H(http.server.BaseHTTPRequestHandler):
            pass

        async def asgi(scope, receive, send):
            pass

        class ASGIApp(object):
            async def __call__(self, scope, receive, send):
                pass

        def wsgi(environ, start_response):
            return []

        def three(a, b, c):
            pass

        self.assertEqual(adapter._kind(H), "handler")
        self.assertEqual(adapter._kind(asgi), "asgi")
        self.assertEqual(adapter._kind(ASGIApp()), "asgi")
        self.assertIsNone(adapter._kind(ASGIApp))
        self.assertEqual(adapter._kind(wsgi), "wsgi")
        self.assertIsNone(adapter._kind(three))
        self.assertIsNone(adapter._kind("app"))
        self.assertIsNone(adapter._kind(int))

    def test_binary_by_content_type(self):
        cases = [
            ("text/html; charset=utf-8", None, b"<p>", False),
            ("application/json", None, b"{}", False),
            ("application/problem+json", None, b"{}", False),
            ("application/javascript", None, b"x", False),
            ("image/svg+xml", None, b"<svg/>", False),
            ("application/octet-stream", None, b"abc", True),
            ("image/png", None, PNG, True),
            ("application/json", "gzip", b"\x1f\x8b", True),
            ("text/plain", None, b"\xff\xfe", True),  # not UTF-8: cannot travel as text
            ("application/pdf", None, b"", False),  # empty stays empty
        ]
        for ctype, encoding, body, want in cases:
            headers = [("Content-Type", ctype)]
            if encoding:
                headers.append(("Content-Encoding", encoding))
            with self.subTest(ctype=ctype, encoding=encoding):
                self.assertEqual(adapter._is_binary(headers, body), want)

    def test_base_path_env(self):
        ev = event("apigw-rest-post-text")
        ev["path"] = "/api/echo"
        os.environ["API_GATEWAY_BASE_PATH"] = "api"
        try:
            req = adapter._parse_request(ev)
        finally:
            del os.environ["API_GATEWAY_BASE_PATH"]
        self.assertEqual((req.script_name, req.raw_path), ("/api", "/echo"))

    def test_stage_prefix_only_at_segment(self):
        ev = event("http-api-post-text")
        ev["rawPath"] = "/production/echo"  # stage "prod" is not a prefix of this path
        req = adapter._parse_request(ev)
        self.assertEqual((req.script_name, req.raw_path), ("", "/production/echo"))

    def test_http_api_payload_1(self):
        ev = event("apigw-rest-get")
        ev["version"] = "1.0"
        ev["path"] = "/dev/echo"
        req = adapter._parse_request(ev)
        self.assertEqual((req.script_name, req.raw_path), ("/dev", "/echo"))

    def test_rest_stage_from_request_context_path(self):
        ev = event("apigw-rest-get")
        ev["headers"]["Host"] = "localhost:3000"  # e.g. an emulator: no execute-api host
        ev["multiValueHeaders"]["Host"] = ["localhost:3000"]
        req = adapter._parse_request(ev)
        self.assertEqual((req.script_name, req.raw_path), ("/dev", "/echo"))
        self.assertEqual(adapter._host_port(req), ("localhost", "443", "https"))

    def test_minimal_events(self):
        req = adapter._parse_request({"httpMethod": "post", "path": "/x", "body": "a"})
        self.assertEqual((req.method, req.raw_path, req.body, req.query_string), ("POST", "/x", b"a", ""))
        req = adapter._parse_request({"version": "2.0", "rawPath": "/y", "headers": None,
                                      "requestContext": {"http": {"method": "DELETE"},
                                                         "domainName": "d.example"}})
        self.assertEqual((req.method, req.raw_path, req.headers), ("DELETE", "/y", []))
        self.assertEqual(adapter._host_port(req)[0], "d.example")

    def test_warmup_events(self):
        def app(environ, start_response):
            raise AssertionError("a warm-up ping must not reach the app")

        handler = adapter._WSGIHandler(app)
        self.assertEqual(handler({"source": "serverless-plugin-warmup"}, Context()), {})
        self.assertEqual(handler({"source": "aws.events", "detail-type": "Scheduled Event"}, Context()), {})

    def test_unsupported_event(self):
        with self.assertRaises(ValueError) as cm:
            adapter._parse_request({"Records": []})
        self.assertIn("unsupported event", str(cm.exception))

    def test_v1_repeated_header_response(self):
        req = adapter._parse_request(event("apigw-rest-get"))
        out = adapter._respond(req, 200, [("X-A", "1"), ("Vary", "a"), ("Vary", "b")], b"ok")
        self.assertEqual(out["headers"], {"X-A": "1"})
        self.assertEqual(out["multiValueHeaders"], {"Vary": ["a", "b"]})

    def test_header_values_trimmed(self):
        req = adapter._parse_request(event("http-api-get"))
        out = adapter._respond(req, 200, [("Set-Cookie", " a=1; Path=/"), ("X-A", "v\t")], b"")
        self.assertEqual(out["cookies"], ["a=1; Path=/"])
        self.assertEqual(out["headers"], {"x-a": "v"})

    def test_v2_repeated_header_response(self):
        req = adapter._parse_request(event("http-api-get"))
        out = adapter._respond(req, 200, [("Vary", "a"), ("vary", "b"), ("Set-Cookie", "x=1")], b"")
        self.assertEqual(out["headers"], {"vary": "a,b"})
        self.assertEqual(out["cookies"], ["x=1"])

    def test_asgi_without_lifespan(self):
        calls = []

        async def app(scope, receive, send):
            calls.append(scope["type"])
            if scope["type"] != "http":
                raise RuntimeError("only http")
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        handler = adapter._ASGIHandler(app)
        self.addCleanup(handler.close)
        result = handler(event("function-url-get"), Context())
        self.assertEqual(result["statusCode"], 204)
        self.assertEqual(calls, ["lifespan", "http"])

    def test_asgi_lifespan_failure(self):
        async def app(scope, receive, send):
            if scope["type"] == "lifespan":
                await receive()
                await send({"type": "lifespan.startup.failed", "message": "no database"})

        with self.assertRaises(adapter.AppLoadError) as cm:
            adapter._ASGIHandler(app)
        self.assertIn("no database", str(cm.exception))

    def test_asgi_state_and_loop_survive_requests(self):
        seen = []

        async def app(scope, receive, send):
            if scope["type"] == "lifespan":
                await receive()
                scope["state"]["loop"] = asyncio.get_running_loop()
                await send({"type": "lifespan.startup.complete"})
                await receive()
                await send({"type": "lifespan.shutdown.complete"})
                return
            seen.append(scope["state"]["loop"] is asyncio.get_running_loop())
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

        handler = adapter._ASGIHandler(app)
        self.addCleanup(handler.close)
        for _ in range(2):
            handler(event("alb-get"), Context())
        self.assertEqual(seen, [True, True])
        handler.shutdown()

    def check(self, text, attribute=None, names=("app", "application", "handler")):
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
            f.write(text)
        self.addCleanup(os.unlink, f.name)
        return adapter.check_source(f.name, "api/index.py", "web", attribute, names)

    def test_check_source_accepts(self):
        fine = [
            "from flask import Flask\napp = Flask(__name__)\n",
            "def application(environ, start_response):\n    return []\n",
            "async def app(scope, receive, send):\n    pass\n",
            "from http.server import BaseHTTPRequestHandler\nclass handler(BaseHTTPRequestHandler):\n    pass\n",
            "import http.server\nclass handler(http.server.SimpleHTTPRequestHandler):\n    pass\n",
            "from myproject.wsgi import application\n",
            "from mylib import *\n",
            "try:\n    from fast import app\nexcept ImportError:\n    app = None\n",
            "if True:\n    app = make()\n",
            "def __getattr__(name):\n    return make()\n",
            "globals()['app'] = make()\n",
            "app = lambda environ, start_response: []\n",
            "class app:\n    def __init__(self, environ, start_response): pass\n    def __iter__(self): return iter([])\n",
            "def app(*args):\n    pass\n",
        ]
        for text in fine:
            with self.subTest(text=text):
                self.assertIsNone(self.check(text))

    def test_check_source_rejects(self):
        bad = [
            ("GREETING = 1\n", None, "api/index.py defines none of app, application, handler"),
            ("def app(request):\n    pass\n", None, "`app` in api/index.py is a function whose parameters"),
            ("async def app(request):\n    pass\n", None, "is a coroutine function whose parameters"),
            ("app = 42\n", None, "`app` in api/index.py is a constant (int)"),
            ("app = {'debug': True}\n", None, "is a dict"),
            ("class app:\n    debug = False\n", None, "is a class"),
            ("app = make()\n", "web", "api/index.py has no attribute 'web'"),
            ("def f(:\n", None, "functions.web.app: api/index.py line 1"),
            ("def app(a, b, *, c):\n    pass\n", None, "is a function whose parameters"),
        ]
        for text, attribute, want in bad:
            with self.subTest(text=text):
                msg = self.check(text, attribute)
                self.assertIsNotNone(msg)
                self.assertIn(want, msg)
        self.assertIn("defines none of wsgi_app", self.check("app = f()\n", names=("wsgi_app",)))

    def test_wsgi_class_based_app(self):
        class App(object):
            def __init__(self, environ, start_response):
                start_response("200 OK", [("Content-Type", "text/plain")])

            def __iter__(self):
                return iter([b"class-based"])

        self.assertEqual(adapter._kind(App), "wsgi")
        result = adapter._WSGIHandler(App)(event("function-url-get"), Context())
        self.assertEqual(result["body"], "class-based")

    def test_wsgi_environ(self):
        captured = {}

        def app(environ, start_response):
            captured.update(environ)
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]

        ctx = Context()
        ev = event("apigw-rest-get")
        adapter._WSGIHandler(app)(ev, ctx)
        self.assertIs(captured["serverless.context"], ctx)
        self.assertIs(captured["serverless.event"], ev)
        self.assertEqual(captured["SCRIPT_NAME"], "/dev")
        self.assertEqual(captured["HTTP_X_TRACE"], "one,two")
        self.assertEqual(captured["REMOTE_ADDR"], "198.51.100.7")
        self.assertEqual(captured["SERVER_NAME"], "abcdef1234.execute-api.us-east-1.amazonaws.com")
        self.assertEqual(captured["wsgi.url_scheme"], "https")

    def test_wsgi_non_ascii_path(self):
        captured = {}

        def app(environ, start_response):
            captured.update(environ)
            start_response("200 OK", [])
            return []

        ev = event("function-url-get")
        ev["rawPath"] = "/caf%C3%A9"
        adapter._WSGIHandler(app)(ev, Context())
        self.assertEqual(captured["PATH_INFO"].encode("latin-1").decode("utf-8"), "/caf\u00e9")


if __name__ == "__main__":
    unittest.main()
