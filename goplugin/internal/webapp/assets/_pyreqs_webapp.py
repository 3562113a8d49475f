"""Serve a WSGI app, an ASGI app or a BaseHTTPRequestHandler subclass as an AWS Lambda handler.

Shipped by serverless-pyreqs next to a generated module per function (``_pyreqs_app_<name>.py``)
that calls ``load(...)`` once, at import time (the container's cold start), and exposes the result
as ``handler``. Standard library only; Python 3.9 and later.

Events understood, each answered in its own response format:
  - API Gateway REST API (payload 1.0) and HTTP API with payload 1.0
  - API Gateway HTTP API (payload 2.0) and Lambda Function URLs
  - Application Load Balancer, with and without multi-value headers

The WSGI environ carries the event and the Lambda context as ``serverless.event`` and
``serverless.context`` (as serverless-wsgi does); the ASGI scope as ``aws.event`` and
``aws.context`` (as Mangum does). A BaseHTTPRequestHandler finds them as ``self.server.aws_event``
and ``self.server.aws_context``.

API_GATEWAY_BASE_PATH (environment, as in serverless-wsgi): the base path mapping of a custom
domain (e.g. ``api`` or ``/api``); it is moved from the path into SCRIPT_NAME / root_path.
"""

import ast
import asyncio
import atexit
import base64
import http.client
import http.server
import importlib
import inspect
import io
import json
import os
import sys
import urllib.parse

__all__ = ["load", "AppLoadError"]

_TEXT_TYPES = (
    "application/json",
    "application/javascript",
    "application/ecmascript",
    "application/xml",
    "application/xhtml+xml",
    "application/x-www-form-urlencoded",
    "application/graphql",
    "application/ld+json",
    "application/manifest+json",
    "application/problem+json",
    "application/vnd.api+json",
    "image/svg+xml",
)


class AppLoadError(Exception):
    """The configured application cannot be loaded or is not a web application."""


# ---------------------------------------------------------------------------------------------
# Loading the application (once per container)


def load(module, source, function, attribute=None, names=("app", "application", "handler")):
    """Import ``module`` and return a Lambda handler ``handler(event, context)`` serving its app.

    source is the file as the user wrote it in ``functions.<function>.app`` (for messages);
    attribute is the explicitly named object, or None to try ``names`` in order.
    """
    key = "functions.%s.app" % function
    app_dir = os.path.dirname(source)
    root = os.path.dirname(os.path.abspath(__file__))
    if app_dir:
        # Modules beside the app file import as in a script (``from utils import x``), as on
        # Vercel; appended, so the artifact's top level and the installed packages win.
        extra = os.path.join(root, *app_dir.split("/"))
        if extra not in sys.path:
            sys.path.append(extra)
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing == module or module.startswith(missing + "."):
            raise AppLoadError(
                "%s: cannot import %s (module %s): it is not in the deployment package. "
                "Check the path in %s; it is relative to the service folder (or to the "
                "function's module folder)." % (key, source, module, key)
            ) from None
        raise
    if attribute:
        if not hasattr(mod, attribute):
            raise AppLoadError(_no_attribute(key, source, attribute))
        name, obj = attribute, getattr(mod, attribute)
    else:
        found = [n for n in names if hasattr(mod, n)]
        if not found:
            raise AppLoadError(_defines_none(key, source, names))
        name = found[0]
        obj = getattr(mod, name)
    kind = _kind(obj)
    if kind is None:
        what = "class" if isinstance(obj, type) else type(obj).__name__
        article = "an " if what[:1] in "aeiouAEIOU" else "a "
        raise AppLoadError(_not_an_app(key, source, name, article + what))
    if kind == "asgi":
        return _ASGIHandler(obj)
    if kind == "handler":
        return _RequestHandlerAdapter(obj)
    return _WSGIHandler(obj)


def _no_attribute(key, source, attribute):
    return (
        "%s: %s has no attribute %r. Define it there (e.g. `%s = Flask(__name__)`) "
        "or name an existing object with `app: %s:<name>`."
        % (key, source, attribute, attribute, source)
    )


def _defines_none(key, source, names):
    first = names[0]
    return (
        "%s: %s defines none of %s. Define a WSGI or ASGI application named `%s` "
        "(e.g. `%s = Flask(__name__)` or `%s = FastAPI()`), or a "
        "BaseHTTPRequestHandler subclass named `handler`, or name the object with "
        "`app: %s:<name>`." % (key, source, ", ".join(names), first, first, first, source)
    )


def _not_an_app(key, source, name, what):
    return (
        "%s: `%s` in %s is %s, which is neither a WSGI application (a callable taking "
        "environ and start_response), an ASGI application (async def app(scope, receive, "
        "send)) nor a subclass of http.server.BaseHTTPRequestHandler. Point %s at the "
        "application object, e.g. `app: %s:<name>`." % (key, name, source, what, key, source)
    )


def _is_coroutine_function(fn):
    if inspect.iscoroutinefunction(fn):
        return True
    # asgiref.sync.markcoroutinefunction on Python < 3.12 sets this marker.
    marker = getattr(getattr(asyncio, "coroutines", None), "_is_coroutine", None)
    return marker is not None and getattr(fn, "_is_coroutine", None) is marker


def _kind(obj):
    if isinstance(obj, type):
        if issubclass(obj, http.server.BaseHTTPRequestHandler):
            return "handler"
        # PEP 3333's class-based application: calling the class with environ and
        # start_response gives the iterable response.
        if "__iter__" in dir(obj):
            try:
                inspect.signature(obj).bind(object(), object())
                return "wsgi"
            except (TypeError, ValueError):
                return None
        return None  # a class (e.g. an ASGI app's class) rather than the application object
    if not callable(obj):
        return None
    if _is_coroutine_function(obj) or _is_coroutine_function(getattr(obj, "__call__", None)):
        return "asgi"
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return "wsgi"  # builtins and C callables: trust the user
    try:
        sig.bind(object(), object())
    except TypeError:
        return None
    return "wsgi"


# ---------------------------------------------------------------------------------------------
# The request, as read from any of the event formats


class _Request(object):
    """One HTTP request taken from a Lambda event."""

    __slots__ = (
        "kind", "method", "raw_path", "script_name", "query_string", "headers", "body",
        "source_ip", "multi_value", "event",
    )

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return None


def _is_warmup(event):
    """A keep-warm ping (serverless-plugin-warmup, a scheduled EventBridge rule), answered with
    {} without calling the app, as serverless-wsgi does."""
    return isinstance(event, dict) and event.get("source") in (
        "serverless-plugin-warmup", "aws.events")


def _event_kind(event):
    ctx = event.get("requestContext") or {}
    if "elb" in ctx:
        return "alb"
    if event.get("version") == "2.0":
        return "v2"
    if "httpMethod" in event:
        return "v1"
    raise ValueError(
        "serverless-pyreqs web adapter: unsupported event (expected API Gateway REST or HTTP "
        "API, a Lambda Function URL or an Application Load Balancer request); keys: %s"
        % ", ".join(sorted(event)[:12])
    )


def _pairs_from_multi(single, multi):
    """(name, value) pairs from a multi-value dict, else from a single-value dict."""
    out = []
    if multi:
        for k, vs in multi.items():
            for v in vs or ():
                out.append((k, v))
    elif single:
        for k, v in single.items():
            if v is not None:
                out.append((k, v))
    return out


def _strip_prefix(path, prefix):
    """path without prefix ("/dev"), only at a segment boundary; else None."""
    if not prefix or prefix == "/":
        return None
    if path == prefix:
        return "/"
    if path.startswith(prefix + "/"):
        return path[len(prefix):]
    return None


def _base_path():
    base = os.environ.get("API_GATEWAY_BASE_PATH", "").strip("/")
    return "/" + base if base else ""


def _parse_request(event):
    kind = _event_kind(event)
    req = _Request()
    req.kind = kind
    req.event = event
    ctx = event.get("requestContext") or {}
    req.multi_value = kind == "alb" and "multiValueHeaders" in event
    script_name = ""

    if kind == "v2":
        http_ctx = ctx.get("http") or {}
        req.method = (http_ctx.get("method") or "GET").upper()
        path = event.get("rawPath") or http_ctx.get("path") or "/"
        # A named HTTP API stage is part of rawPath; "$default" never is.
        stage = ctx.get("stage") or ""
        if stage and stage != "$default":
            rest = _strip_prefix(path, "/" + stage)
            if rest is not None:
                script_name, path = "/" + stage, rest
        req.query_string = event.get("rawQueryString") or ""
        headers = []
        for k, v in (event.get("headers") or {}).items():
            if k.lower() != "cookie" and v is not None:
                headers.append((k.lower(), v))
        cookies = event.get("cookies")
        if cookies:
            headers.append(("cookie", "; ".join(cookies)))
        elif (event.get("headers") or {}).get("cookie"):
            headers.append(("cookie", event["headers"]["cookie"]))
        req.source_ip = http_ctx.get("sourceIp")
    else:
        req.method = (event.get("httpMethod") or "GET").upper()
        path = event.get("path") or "/"
        headers = [(k.lower(), v) for k, v in _pairs_from_multi(
            event.get("headers"), event.get("multiValueHeaders"))]
        qs_pairs = _pairs_from_multi(
            event.get("queryStringParameters"), event.get("multiValueQueryStringParameters"))
        if kind == "alb":
            # The load balancer passes the query as the client sent it, still percent-encoded.
            req.query_string = "&".join(k + "=" + v for k, v in qs_pairs)
            req.source_ip = None
        else:
            req.query_string = urllib.parse.urlencode(qs_pairs, quote_via=urllib.parse.quote)
            req.source_ip = (ctx.get("identity") or {}).get("sourceIp")
            stage = ctx.get("stage") or ""
            host = ""
            for k, v in headers:
                if k == "host":
                    host = v
            if event.get("version") == "1.0":
                # HTTP API with payload 1.0: a named stage is part of path.
                if stage and stage != "$default":
                    rest = _strip_prefix(path, "/" + stage)
                    if rest is not None:
                        script_name, path = "/" + stage, rest
            elif stage and (
                (host.endswith(".amazonaws.com") and ".execute-api." in host)
                or _strip_prefix(ctx.get("path") or "", "/" + stage) == path
            ):
                # REST API reached through its execute-api domain: the URL holds /<stage>, path
                # does not. Links the app builds must include it.
                script_name = "/" + stage
    base = _base_path()
    if base:
        rest = _strip_prefix(path, base)
        if rest is not None:
            script_name, path = script_name + base, rest
    req.raw_path = path
    req.script_name = script_name
    req.headers = headers

    body = event.get("body")
    if body is None:
        req.body = b""
    elif event.get("isBase64Encoded"):
        req.body = base64.b64decode(body)
    elif isinstance(body, str):
        req.body = body.encode("utf-8")
    else:
        req.body = json.dumps(body).encode("utf-8")
    if not req.source_ip:
        xff = req.header("x-forwarded-for")
        req.source_ip = xff.split(",")[0].strip() if xff else "127.0.0.1"
    return req


def _host_port(req):
    ctx = req.event.get("requestContext") or {}
    host = req.header("host") or ctx.get("domainName") or "lambda"
    scheme = (req.header("x-forwarded-proto") or "https").split(",")[0].strip().lower()
    port = req.header("x-forwarded-port")
    if ":" in host and not host.endswith("]"):
        host, _, hport = host.rpartition(":")
        port = port or hport
    if not port:
        port = "443" if scheme == "https" else "80"
    return host, port.split(",")[0].strip(), scheme


# ---------------------------------------------------------------------------------------------
# The response, in the event's format


def _is_binary(headers, body):
    if not body:
        return False
    ctype = ""
    encoding = ""
    for k, v in headers:
        lk = k.lower()
        if lk == "content-type":
            ctype = v
        elif lk == "content-encoding":
            encoding = v
    if encoding and encoding.strip().lower() != "identity":
        return True  # gzip'd JSON is still bytes
    mime = ctype.split(";")[0].strip().lower()
    textual = (
        mime.startswith("text/")
        or mime in _TEXT_TYPES
        or mime.endswith("+json")
        or mime.endswith("+xml")
        or mime == ""
    )
    if not textual:
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


# ALB without multi-value headers keeps one value per name; header names are case-insensitive,
# so repeated Set-Cookie headers are sent under differently-cased names (serverless-wsgi #11).
def _casings(name, count):
    out = []
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    for n in range(1 << len(letters)):
        chars = list(name.lower())
        for bit, pos in enumerate(letters):
            if n >> bit & 1:
                chars[pos] = chars[pos].upper()
        out.append("".join(chars))
        if len(out) == count:
            break
    return out


def _respond(req, status, headers, body):
    """The Lambda result for status (int), headers ([(name, value)]) and body (bytes)."""
    # Surrounding whitespace is not part of a field value (RFC 9110 5.5); Django's WSGI handler
    # sends its Set-Cookie values with a leading space.
    headers = [(k.strip(), v.strip(" \t")) for k, v in headers]
    binary = _is_binary(headers, body)
    text = base64.b64encode(body).decode("ascii") if binary else body.decode("utf-8")
    result = {"statusCode": status, "isBase64Encoded": binary}
    if req.kind == "v2":
        cookies = [v for k, v in headers if k.lower() == "set-cookie"]
        single = {}
        for k, v in headers:
            lk = k.lower()
            if lk == "set-cookie":
                continue
            single[lk] = single[lk] + "," + v if lk in single else v
        result["headers"] = single
        if cookies:
            result["cookies"] = cookies
    elif req.kind == "alb":
        reason = http.client.responses.get(status, "")
        result["statusDescription"] = ("%d %s" % (status, reason)).strip()
        if req.multi_value:
            multi = {}
            for k, v in headers:
                multi.setdefault(k.lower(), []).append(v)
            result["multiValueHeaders"] = multi
        else:
            grouped = {}
            for k, v in headers:
                grouped.setdefault(k.lower(), []).append(v)
            single = {}
            for k, vs in grouped.items():
                if k == "set-cookie" and len(vs) > 1:
                    for cased, v in zip(_casings(k, len(vs)), vs):
                        single[cased] = v
                else:
                    single[k] = ",".join(vs) if k != "set-cookie" else vs[0]
            result["headers"] = single
    else:
        grouped = {}
        order = []
        for k, v in headers:
            lk = k.lower()
            if lk not in grouped:
                grouped[lk] = (k, [])
                order.append(lk)
            grouped[lk][1].append(v)
        single, multi = {}, {}
        for lk in order:
            name, vs = grouped[lk]
            if len(vs) == 1:
                single[name] = vs[0]
            else:
                multi[name] = vs
        result["headers"] = single
        result["multiValueHeaders"] = multi
    result["body"] = text
    return result


def _text(b):
    """A header value's bytes as text: UTF-8 when valid, else latin-1."""
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b.decode("latin-1")


def _native(v):
    """A WSGI/http.client header value (a latin-1 "native string") as text."""
    try:
        return _text(v.encode("latin-1"))
    except UnicodeEncodeError:
        return v  # an app that put non-latin-1 text in a header: pass it on as it is


# ---------------------------------------------------------------------------------------------
# WSGI


def _wsgi_str(s):
    """A native string as PEP 3333 wants it: the bytes of the UTF-8 text, read as latin-1."""
    return s.encode("utf-8").decode("latin-1")


class _WSGIHandler(object):
    def __init__(self, app):
        self.app = app

    def environ(self, req, event, context):
        host, port, scheme = _host_port(req)
        path = urllib.parse.unquote_to_bytes(req.raw_path).decode("latin-1")
        environ = {
            "REQUEST_METHOD": req.method,
            "SCRIPT_NAME": _wsgi_str(req.script_name),
            "PATH_INFO": path,
            "QUERY_STRING": _wsgi_str(req.query_string),
            "SERVER_NAME": host,
            "SERVER_PORT": port,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": req.source_ip,
            "CONTENT_LENGTH": str(len(req.body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scheme,
            "wsgi.input": io.BytesIO(req.body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.input_terminated": True,
            "serverless.event": event,
            "serverless.context": context,
            "serverless.authorizer": (event.get("requestContext") or {}).get("authorizer"),
        }
        for k, v in req.headers:
            if k == "content-type":
                environ["CONTENT_TYPE"] = _wsgi_str(v)
                continue
            if k == "content-length":
                continue  # the body's real length is set above
            key = "HTTP_" + k.upper().replace("-", "_")
            sep = "; " if k == "cookie" else ","
            v = _wsgi_str(v)
            environ[key] = environ[key] + sep + v if key in environ else v
        return environ

    def __call__(self, event, context):
        if _is_warmup(event):
            return {}
        req = _parse_request(event)
        environ = self.environ(req, event, context)
        state = {}
        chunks = []

        def start_response(status, response_headers, exc_info=None):
            if exc_info is not None:
                try:
                    if state.get("sent"):
                        raise exc_info[1].with_traceback(exc_info[2])
                finally:
                    exc_info = None
            elif "status" in state:
                raise AssertionError("start_response called twice without exc_info")
            state["status"] = status
            state["headers"] = list(response_headers)
            return chunks.append

        result = self.app(environ, start_response)
        try:
            for chunk in result:
                if chunk:
                    state["sent"] = True
                    chunks.append(chunk)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status = int(str(state.get("status", "500")).split(" ", 1)[0])
        headers = [(k, _native(v)) for k, v in state.get("headers", [])]
        return _respond(req, status, headers, b"".join(chunks))


# ---------------------------------------------------------------------------------------------
# ASGI


class _ASGIHandler(object):
    """Runs an ASGI app on one event loop kept for the container's life."""

    def __init__(self, app):
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.state = {}
        self.lifespan_task = None
        try:
            self.loop.run_until_complete(self._startup())
        except BaseException:
            self.close()
            raise

    async def _startup(self):
        to_app = asyncio.Queue()
        from_app = asyncio.Queue()
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }

        async def receive():
            return await to_app.get()

        async def send(message):
            await from_app.put(message)

        async def run():
            try:
                await self.app(scope, receive, send)
            except BaseException as exc:  # noqa: B902 - apps without lifespan raise anything
                await from_app.put({"type": "_pyreqs.error", "error": exc})
            else:
                await from_app.put({"type": "_pyreqs.returned"})

        self._to_app, self._from_app = to_app, from_app
        self.lifespan_task = self.loop.create_task(run())
        await to_app.put({"type": "lifespan.startup"})
        message = await from_app.get()
        kind = message["type"]
        if kind == "lifespan.startup.failed":
            raise AppLoadError(
                "the ASGI application's lifespan startup failed: %s" % message.get("message", "")
            )
        if kind != "lifespan.startup.complete":
            # No lifespan support: the app raised or returned on the lifespan scope. Tolerated,
            # as uvicorn's and Mangum's "auto" mode do; said once in the logs.
            self.lifespan_task = None
            if kind == "_pyreqs.error":
                exc = message["error"]
                sys.stderr.write(
                    "serverless-pyreqs: the ASGI application does not support lifespan (%s: %s); "
                    "serving without startup/shutdown events\n" % (type(exc).__name__, exc)
                )
            return
        atexit.register(self.shutdown)

    def shutdown(self):
        """Send lifespan.shutdown (at interpreter exit) and wait briefly for the app."""
        if self.lifespan_task is None or self.loop.is_closed():
            return

        async def go():
            await self._to_app.put({"type": "lifespan.shutdown"})
            await asyncio.wait_for(self._from_app.get(), 2)

        try:
            self.loop.run_until_complete(go())
        except Exception:  # noqa: BLE001 - nothing useful to do at exit
            pass
        self.close()

    def close(self):
        """Cancel what still runs on the loop and close it."""
        if self.loop.is_closed():
            return
        task, self.lifespan_task = self.lifespan_task, None
        if task is not None and not task.done():
            task.cancel()
            try:
                self.loop.run_until_complete(task)
            except BaseException:  # noqa: BLE001 - the cancellation itself
                pass
        self.loop.close()

    def __call__(self, event, context):
        if _is_warmup(event):
            return {}
        req = _parse_request(event)
        return self.loop.run_until_complete(self._serve(req, event, context))

    def scope(self, req, event, context):
        host, port, scheme = _host_port(req)
        # As uvicorn (>= 0.26) and the ASGI spec have it, path and raw_path are the full path,
        # root_path included: frameworks strip root_path to route, and build request.url
        # from path.
        full_path = req.script_name + req.raw_path
        raw_path = urllib.parse.unquote_to_bytes(full_path)
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": req.method,
            "scheme": scheme,
            "path": raw_path.decode("utf-8", "replace"),
            "raw_path": full_path.encode("utf-8"),
            "root_path": req.script_name,
            "query_string": req.query_string.encode("utf-8"),
            "headers": [[k.encode("latin-1", "replace"), v.encode("utf-8")]
                        for k, v in req.headers],
            "client": (req.source_ip, 0),
            "server": (host, int(port) if port.isdigit() else 443),
            "state": dict(self.state),
            "extensions": {},
            "aws.event": event,
            "aws.context": context,
        }

    async def _serve(self, req, event, context):
        scope = self.scope(req, event, context)
        sent_request = False
        response_done = asyncio.Event()
        start = {}
        chunks = []

        async def receive():
            nonlocal sent_request
            if not sent_request:
                sent_request = True
                return {"type": "http.request", "body": req.body, "more_body": False}
            await response_done.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            kind = message["type"]
            if kind == "http.response.start":
                if start:
                    raise RuntimeError("ASGI app sent http.response.start twice")
                start["status"] = message["status"]
                start["headers"] = [
                    (bytes(k).decode("latin-1"), _text(bytes(v)))
                    for k, v in message.get("headers", [])
                ]
            elif kind == "http.response.body":
                if not start:
                    raise RuntimeError("ASGI app sent a body before http.response.start")
                chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    response_done.set()

        try:
            await self.app(scope, receive, send)
        finally:
            response_done.set()
        if not start:
            raise RuntimeError("the ASGI application returned without sending a response")
        return _respond(req, start["status"], start["headers"], b"".join(chunks))


# ---------------------------------------------------------------------------------------------
# http.server.BaseHTTPRequestHandler subclasses (Vercel's `class handler(BaseHTTPRequestHandler)`)


class _Connection(object):
    """The socket a request handler reads the request from and writes the response to."""

    def __init__(self, data):
        self.data = data
        self.out = io.BytesIO()

    def makefile(self, mode, *args, **kwargs):
        if "r" in mode:
            return io.BufferedReader(io.BytesIO(self.data))
        return _Writer(self.out)

    def sendall(self, data):
        self.out.write(data)

    def settimeout(self, timeout):
        pass

    def setsockopt(self, *args):
        pass

    def getsockname(self):
        return ("127.0.0.1", 0)

    def close(self):
        pass


class _Writer(io.RawIOBase):
    def __init__(self, out):
        self.out = out

    def writable(self):
        return True

    def write(self, b):
        self.out.write(b)
        return len(b)

    def close(self):
        pass  # keep the bytes readable after the handler's finish()


class _Server(object):
    """What a request handler sees as self.server."""

    def __init__(self, host, port, event, context):
        self.server_address = (host, int(port) if str(port).isdigit() else 443)
        self.server_name = host
        self.server_port = self.server_address[1]
        self.aws_event = event
        self.aws_context = context


class _ResponseSocket(object):
    def __init__(self, data):
        self.data = data

    def makefile(self, mode, *args, **kwargs):
        return io.BufferedReader(io.BytesIO(self.data))


class _RequestHandlerAdapter(object):
    def __init__(self, cls):
        self.cls = cls

    def __call__(self, event, context):
        if _is_warmup(event):
            return {}
        req = _parse_request(event)
        host, port, _ = _host_port(req)
        target = urllib.parse.quote(req.raw_path, safe="/%:@!$&'()*+,;=-._~")
        if req.query_string:
            target += "?" + req.query_string
        lines = ["%s %s HTTP/1.1" % (req.method, target)]
        has_host = False
        for k, v in req.headers:
            if k == "content-length":
                continue
            has_host = has_host or k == "host"
            lines.append("%s: %s" % (k, v.replace("\r", " ").replace("\n", " ")))
        if not has_host:
            lines.append("host: %s" % host)
        if req.body or req.method in ("POST", "PUT", "PATCH"):
            lines.append("content-length: %d" % len(req.body))
        lines.append("connection: close")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + req.body
        conn = _Connection(raw)
        self.cls(conn, (req.source_ip, 0), _Server(host, port, event, context))
        data = conn.out.getvalue()
        if not data:
            raise RuntimeError("the request handler %s wrote no response" % self.cls.__name__)
        resp = http.client.HTTPResponse(_ResponseSocket(data), method=req.method)
        resp.begin()
        try:
            body = resp.read()
        except http.client.IncompleteRead as exc:
            body = exc.partial
        headers = [(k, _native(v)) for k, v in resp.getheaders()]
        return _respond(req, resp.status, headers, body)


# ---------------------------------------------------------------------------------------------
# Checking an app file at packaging time, without importing it:
#   python _pyreqs_webapp.py check '{"path": ..., "source": ..., "function": ..., ...}'
# prints {"error": null} or {"error": "<message>"}. Only certain mistakes are reported: a name
# that the file never binds, or one bound once to a literal, a plain class or a function whose
# parameters fit neither WSGI nor ASGI. Anything else is left to the import at cold start.

_DYNAMIC_NAMES = ("globals", "vars", "setattr", "exec", "__getattr__", "__dict__")


def _accepts(args, n):
    positional = list(getattr(args, "posonlyargs", [])) + list(args.args)
    required = len(positional) - len(args.defaults)
    if any(d is None for d in args.kw_defaults):
        return False  # a required keyword-only parameter
    return required <= n and (args.vararg is not None or n <= len(positional))


def _static_kind(node):
    """What a binding certainly is, when it cannot be an application; else None."""
    if node is None:
        return None
    if isinstance(node, ast.Constant):
        return "a constant (%s)" % type(node.value).__name__
    displays = {ast.List: "list", ast.Tuple: "tuple", ast.Dict: "dict", ast.Set: "set",
                ast.ListComp: "list", ast.DictComp: "dict", ast.SetComp: "set",
                ast.JoinedStr: "str"}
    for cls, name in displays.items():
        if isinstance(node, cls):
            return "a " + name
    if isinstance(node, (ast.FunctionDef, ast.Lambda)) and not _accepts(node.args, 2):
        return "a function whose parameters do not take (environ, start_response)"
    if isinstance(node, ast.AsyncFunctionDef) and not _accepts(node.args, 3):
        return "a coroutine function whose parameters do not take (scope, receive, send)"
    if isinstance(node, ast.ClassDef) and not node.bases and not node.keywords:
        methods = {n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        if "__iter__" not in methods:
            return "a class (not an application object, nor a BaseHTTPRequestHandler subclass)"
    return None


def _bindings(tree):
    """Module-level names bound in tree -> list of value nodes (None: unknown); and whether
    names may be bound in ways not visible here."""
    bound = {}
    dynamic = False

    def bind(target, value):
        if isinstance(target, ast.Name):
            bound.setdefault(target.id, []).append(value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                bind(elt, None)
        elif isinstance(target, ast.Starred):
            bind(target.value, None)

    def visit(body):
        nonlocal dynamic
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.setdefault(node.name, []).append(node)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    bind(target, node.value if len(node.targets) == 1 else None)
            elif isinstance(node, ast.AnnAssign):
                if node.value is not None:
                    bind(node.target, node.value)
            elif isinstance(node, ast.AugAssign):
                bind(node.target, None)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    bound.setdefault(alias.asname or alias.name.split(".")[0], []).append(None)
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name == "*":
                        dynamic = True
                    else:
                        bound.setdefault(alias.asname or alias.name, []).append(None)
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                bind(node.target, None)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        bind(item.optional_vars, None)
            for field in ("body", "orelse", "finalbody"):
                sub = getattr(node, field, None)
                if isinstance(sub, list) and not isinstance(
                        node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    visit(sub)
            for handler in getattr(node, "handlers", []) or []:
                if handler.name:
                    bound.setdefault(handler.name, []).append(None)
                visit(handler.body)
            for case in getattr(node, "cases", []) or []:
                visit(case.body)

    visit(tree.body)
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            for name in node.names:
                bound.setdefault(name, []).append(None)
        elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            bound.setdefault(node.target.id, []).append(None)
        elif isinstance(node, ast.Name) and node.id in _DYNAMIC_NAMES:
            dynamic = True
        elif isinstance(node, ast.Attribute) and node.attr in _DYNAMIC_NAMES:
            dynamic = True
    if "__getattr__" in bound:
        dynamic = True
    return bound, dynamic


def check_source(path, source, function, attribute=None, names=("app", "application", "handler")):
    """The error message for a certain mistake in the app file at path, or None."""
    key = "functions.%s.app" % function
    with open(path, "rb") as f:
        text = f.read()
    try:
        tree = ast.parse(text, filename=source)
    except SyntaxError as exc:
        return "%s: %s line %s: %s" % (key, source, exc.lineno, exc.msg)
    bound, dynamic = _bindings(tree)
    wanted = [attribute] if attribute else list(names)
    found = [n for n in wanted if n in bound]
    if not found:
        if dynamic:
            return None
        if attribute:
            return _no_attribute(key, source, attribute)
        return _defines_none(key, source, list(names))
    values = bound[found[0]]
    if len(values) != 1:
        return None
    what = _static_kind(values[0])
    if what is None:
        return None
    return _not_an_app(key, source, found[0], what)


def _main(argv):
    if len(argv) != 3 or argv[1] != "check":
        sys.stderr.write("usage: %s check JSON\n" % argv[0])
        return 2
    req = json.loads(argv[2])
    error = check_source(req["path"], req["source"], req["function"], req.get("attribute"),
                         tuple(req.get("names") or ("app", "application", "handler")))
    sys.stdout.write(json.dumps({"error": error}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
