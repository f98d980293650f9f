"""The playground's local web server (tornado): the page, its files, and the computation behind it.

    GET  /?token=T            the page (static/index.html)
    GET  /static/NAME?token=T its scripts and style (package data: nothing comes from a CDN;
                              graph_view.js comes from autograd/explain/assets/, shared with the explorer)
    GET  /api/initial         the expression and values given on the command line
    POST /api/evaluate        {"expression": ..., "values": {...}, ...} -> what the page draws (state.evaluate)
    POST /api/stepper         the same body -> {"html": the self-contained chain-rule stepper of that state}

The rules every request meets, in this order (the tests check each):

* the ``Host`` header must be ``127.0.0.1``, ``localhost`` or ``[::1]`` with
  the server's port (or the ``--host`` given): otherwise 403, so that a page
  elsewhere cannot reach this server by pointing its own name at 127.0.0.1
  (DNS rebinding);
* the token, as ``?token=`` or the header ``X-Autograd-Token``, compared in
  constant time: otherwise 403;
* a body of at most 64 KiB (`MAX_BODY`): otherwise 413;
* a bad expression or value: 400 with ``{"error": ..., "column": N or null}``.

Each request builds its own graph, so clients share nothing but the caches of
parsed expressions, their structures and layouts. The computation runs in a small thread pool,
never on the loop that reads the sockets, and a client that sends its body
slowly is cut off after `BODY_TIMEOUT` seconds: one slow or broken client
cannot stall the others.
"""

from __future__ import annotations

import hmac
import json
import secrets
import signal
import sys
import webbrowser
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tornado.escape
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.netutil import bind_sockets

from autograd.playground.state import ExpressionSource, PlaygroundError, evaluate

STATIC = Path(__file__).resolve().parent / "static"
# The graph view is shared with the graph explorer, so it lives with the explorer's assets.
GRAPH_VIEW = Path(__file__).resolve().parents[1] / "explain" / "assets" / "graph_view.js"
MAX_BODY = 64 * 1024
BODY_TIMEOUT = 10.0
WORKERS = 4
TOKEN_BYTES = 32  # 43 characters of base64: not to be guessed
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")

# nothing to call from Python: `python -m autograd playground` runs serve()
__all__ = []


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def read_json(body: bytes):
    """The request body as JSON (no NaN or Infinity, which are not JSON), or a PlaygroundError."""
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise PlaygroundError(f"the request body is not JSON: {error}") from None


def to_json(data) -> str:
    # "</" escaped: the answer may be shown inside a page, and must never close a <script>.
    return json.dumps(data, allow_nan=False).replace("</", "<\\/")


class Guarded(tornado.web.RequestHandler):
    """Every handler's door: the Host, then the token (see the module docstring)."""

    def initialize(self, settings: dict):
        self.playground = settings

    def prepare(self):
        host = (self.request.headers.get("Host") or "").lower()
        if host not in self.playground["hosts"]:
            raise tornado.web.HTTPError(403, reason="Forbidden host")
        given = self.get_query_argument("token", None) or self.request.headers.get("X-Autograd-Token", "")
        if not hmac.compare_digest(given.encode(), self.playground["token"].encode()):
            raise tornado.web.HTTPError(403, reason="Forbidden: a token is needed")

    def set_default_headers(self):
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")

    def write_error(self, status_code: int, **kwargs):
        self.set_header("Content-Type", "application/json")
        self.finish(to_json({"error": self._reason, "column": None}))


class Missing(Guarded):
    def get(self, *args):
        raise tornado.web.HTTPError(404, reason="Not found")

    post = get


class Page(Guarded):
    def get(self):
        page = (STATIC / "index.html").read_text(encoding="utf-8")
        token = tornado.escape.url_escape(self.playground["token"], plus=False)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Content-Security-Policy",
                        "default-src 'self'; img-src 'self' data: blob:; connect-src 'self' blob:; "
                        "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
        self.finish(page.replace("__TOKEN__", token))


class StaticFile(Guarded):
    TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
             ".txt": "text/plain; charset=utf-8"}

    def get(self, name: str):
        path = self.playground["files"].get(name)  # only the files that ship: no path is ever joined
        if path is None:
            raise tornado.web.HTTPError(404, reason="Not found")
        self.set_header("Content-Type", self.TYPES.get(path.suffix, "application/octet-stream"))
        self.finish(path.read_bytes())


class Initial(Guarded):
    def get(self):
        self.set_header("Content-Type", "application/json")
        self.finish(to_json(self.playground["initial"]))


@tornado.web.stream_request_body
class Compute(Guarded):
    """A POST whose JSON body is read in chunks, refused past MAX_BODY, then computed in the pool."""

    def initialize(self, settings: dict, compute):
        super().initialize(settings)
        self.compute = compute

    def prepare(self):
        super().prepare()
        self.chunks, self.received, self.refused = [], 0, False
        declared = self.request.headers.get("Content-Length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
            raise tornado.web.HTTPError(413, reason=f"Request body too large: at most {MAX_BODY} bytes")
        self.request.connection.set_body_timeout(BODY_TIMEOUT)

    def data_received(self, chunk: bytes):
        # A body sent in chunks declares no length: count it as it comes.
        if self.refused:
            return
        self.received += len(chunk)
        if self.received > MAX_BODY:
            self.refused, self.chunks = True, []
            self.send_error(413, reason=f"Request body too large: at most {MAX_BODY} bytes")
            return
        self.chunks.append(chunk)

    async def post(self):
        if self.refused:
            return
        self.set_header("Content-Type", "application/json")
        try:
            body = read_json(b"".join(self.chunks))
            answer = await IOLoop.current().run_in_executor(self.playground["pool"], self.compute, body)
        except PlaygroundError as error:
            self.set_status(400)
            self.finish(to_json(error.to_json()))
            return
        self.finish(to_json(answer))


def evaluate_body(body) -> dict:
    """/api/evaluate: the body names the expression; `state.evaluate` does the rest."""
    if not isinstance(body, dict):
        raise PlaygroundError("the request must be a JSON object with an \"expression\"")
    if "expression" not in body:
        raise PlaygroundError("the request has no \"expression\"")
    return evaluate(ExpressionSource(body["expression"]), body)


def stepper_body(body) -> dict:
    """/api/stepper: the chain-rule stepper page of the state the body describes."""
    from autograd.playground.export import stepper_html

    if not isinstance(body, dict) or "expression" not in body:
        raise PlaygroundError("the request must be a JSON object with an \"expression\"")
    return stepper_html(ExpressionSource(body["expression"]), body)


def make_app(token: str, hosts: set[str], initial: dict, pool) -> tornado.web.Application:
    files = {path.name: path for path in STATIC.iterdir() if path.is_file()}
    files[GRAPH_VIEW.name] = GRAPH_VIEW
    settings = {"token": token, "hosts": hosts, "initial": initial, "pool": pool, "files": files}
    return tornado.web.Application([
        (r"/", Page, {"settings": settings}),
        (r"/static/([\w.-]+)", StaticFile, {"settings": settings}),
        (r"/api/initial", Initial, {"settings": settings}),
        (r"/api/evaluate", Compute, {"settings": settings, "compute": evaluate_body}),
        (r"/api/stepper", Compute, {"settings": settings, "compute": stepper_body}),
    ], default_handler_class=Missing, default_handler_args={"settings": settings}, log_function=_log_errors)


def _log_errors(handler) -> None:
    """Tornado logs every request; the playground only its own failures (a 500), on standard error."""
    if handler.get_status() >= 500:
        print(f"playground: {handler.get_status()} {handler.request.method} {handler.request.path}",
              file=sys.stderr, flush=True)


def allowed_hosts(port: int, extra: str | None) -> set[str]:
    names = list(LOOPBACK_NAMES) + ([_url_host(extra)] if extra else [])
    return {f"{name}:{port}".lower() for name in names}


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def serve(initial: dict, host: str | None = None, port: int = 0, open_browser: bool = True, out=None) -> int:
    """Run the playground until interrupted (Ctrl-C or SIGTERM: exit status 0).

    The first line written to `out` (standard output) is the page's address
    with its token, flushed at once so that a script reading the pipe has it.
    """
    out = out or sys.stdout
    address = host or "127.0.0.1"
    if host:
        print(f"WARNING: serving on {host}: anyone who can reach it and has the link can use the playground",
              file=sys.stderr, flush=True)
    sockets = bind_sockets(port, address)
    port = sockets[0].getsockname()[1]
    token = secrets.token_urlsafe(TOKEN_BYTES)
    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="playground")
    app = make_app(token, allowed_hosts(port, host), initial, pool)
    server = HTTPServer(app, idle_connection_timeout=60, body_timeout=BODY_TIMEOUT)
    server.add_sockets(sockets)
    url = f"http://{_url_host(address)}:{port}/?token={token}"
    print(url, file=out, flush=True)
    print("the playground is running; Ctrl-C stops it", file=sys.stderr, flush=True)
    loop = IOLoop.current()
    for signal_number in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C stops cleanly, even where the shell
        try:                                                   # started us with SIGINT ignored
            loop.asyncio_loop.add_signal_handler(signal_number, loop.stop)
        except (NotImplementedError, AttributeError):  # Windows: Ctrl-C raises KeyboardInterrupt below
            pass
    if open_browser:
        webbrowser.open(url)
    try:
        loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        pool.shutdown(wait=False, cancel_futures=True)
    print("the playground has stopped", file=sys.stderr, flush=True)
    return 0
