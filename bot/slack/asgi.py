"""The HTTP front of the Slack app: bolt's ASGI adapter under uvicorn, with `/healthz` and
`/readyz`.

In front of bolt's adapter, one check per request: the body's size, a read timeout, UTF-8 and
Slack's signature (the app itself does not verify again). A request that fails it gets a 4xx,
never silence or a 5xx; only a well-formed, signed event that cannot be written to the inbox
gets a 503 (Slack then sends it again)."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import uvicorn
from slack_bolt.adapter.asgi import SlackRequestHandler
from slack_bolt.adapter.asgi.http_request import AsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from bot.errors import HirebotError
from bot.services import Services
from bot.slack.app import SlackApp
from bot.slack.delivery import Delivery

logger = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1024 * 1024
READ_TIMEOUT_S = 10.0  # a client that stalls mid-request loses its connection
DISPATCH_THREADS = 32  # bolt dispatches off the event loop (an ack waits for its listener)
BACKLOG = 128
HTTP_DRAIN_S = 10.0  # on stop, how long requests in flight get to finish

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def readiness(services: Services, delivery: Delivery | None = None) -> tuple[bool, dict[str, Any]]:
    """Model loaded, index non-empty, state store and inbox reachable; the inbox's queue."""
    checks: dict[str, Any] = {}
    checks["model_loaded"] = bool(getattr(services.embedder, "loaded", True))
    try:
        checks["index_chunks"] = services.store.count()
    except Exception as exc:  # report, never raise, from a probe
        checks["index_chunks"] = 0
        checks["index_error"] = type(exc).__name__
    checks["state_store"] = services.state.ping()
    ready = checks["model_loaded"] and checks["index_chunks"] > 0 and checks["state_store"]
    if delivery is not None:
        checks.update(delivery.status())
        ready = ready and checks["inbox"] and not checks["stopping"]
    return ready, checks


class BoltAdapter(SlackRequestHandler):
    """bolt's ASGI adapter, dispatching on a thread pool (bolt's App is synchronous: an ack of
    a button waits for its listener) and refusing a body that is not a Slack payload with 400."""

    def __init__(self, app: SlackApp, pool: ThreadPoolExecutor) -> None:
        super().__init__(app, path=EVENTS_PATH)
        self.pool = pool

    async def dispatch(self, request: AsgiHttpRequest) -> BoltResponse:
        raw = await request.get_raw_body()
        try:
            bolt_request = BoltRequest(
                body=raw, query=request.query_string, headers=request.get_headers()
            )
        except Exception as exc:  # not JSON, not a form with a JSON payload, not an object
            logger.info("malformed request body", extra={"error": type(exc).__name__})
            return _bad_request("malformed body")
        if not isinstance(bolt_request.body, dict) or not bolt_request.body:
            return _bad_request("malformed body")
        if not well_shaped(bolt_request.body):
            return _bad_request("malformed payload")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, self.app.dispatch, bolt_request)


def well_shaped(body: dict[str, Any]) -> bool:
    """The parts bolt's own middleware reads before any listener have the right types."""
    for key in ("event", "user", "team", "channel", "view", "message"):
        if key in body and body[key] is not None and not isinstance(body[key], dict | str):
            return False
    if isinstance(body.get("event"), str) or isinstance(body.get("view"), str):
        return False
    if "event_id" in body and not isinstance(body["event_id"], str):
        return False
    return "actions" not in body or isinstance(body["actions"], list)


def _bad_request(error: str) -> BoltResponse:
    return BoltResponse(status=400, body=json.dumps({"error": error}))


class HttpApp:
    """The ASGI app: the probes, and `POST /slack/events` checked (size, read timeout, UTF-8,
    signature) before bolt's adapter sees it."""

    def __init__(
        self,
        app: SlackApp | None,
        services: Services,
        *,
        pool: ThreadPoolExecutor,
        delivery: Delivery | None,
        read_timeout_s: float,
    ) -> None:
        self.services = services
        self.pool = pool
        self.delivery = delivery
        self.read_timeout_s = read_timeout_s
        self.bolt = BoltAdapter(app, pool) if app is not None else None
        secret = services.settings.slack_signing_secret
        self.verifier = SignatureVerifier(secret.get_secret_value()) if secret else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path == "/healthz":
            await _respond(send, 200, {"status": "ok"})
        elif path == "/readyz":
            loop = asyncio.get_running_loop()
            ready, checks = await loop.run_in_executor(
                self.pool, readiness, self.services, self.delivery
            )
            await _respond(send, 200 if ready else 503, {"ready": ready, **checks})
        elif path == EVENTS_PATH and self.bolt is not None:
            if method != "POST":
                await _respond(send, 405, {"error": "use POST"}, headers=[(b"allow", b"POST")])
            else:
                await self._slack(scope, receive, send)
        else:
            await _respond(send, 404, {"error": "not found"})

    async def _slack(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        length = headers.get("content-length", "")
        if length and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            await _respond(send, 413, {"error": "body too large"}, close=True)
            return
        body = bytearray()
        while True:
            try:
                message = await asyncio.wait_for(receive(), self.read_timeout_s)
            except TimeoutError:
                await _respond(send, 408, {"error": "request body timed out"}, close=True)
                return
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > MAX_BODY_BYTES:
                await _respond(send, 413, {"error": "body too large"}, close=True)
                return
            if not message.get("more_body"):
                break
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            await _respond(send, 400, {"error": "body is not UTF-8"})
            return
        if not self._signed(text, headers):
            await _respond(send, 401, {"error": "invalid signature"})
            return
        assert self.bolt is not None
        await self.bolt(cast(Any, scope), _replay(bytes(body)), send)

    def _signed(self, body: str, headers: dict[str, str]) -> bool:
        """Slack's v0 signature over the timestamp and the body (timestamps over five minutes
        old are refused); a missing or malformed header is simply not signed."""
        if self.verifier is None:
            return False
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not timestamp.isdigit() or not signature:
            return False
        return self.verifier.is_valid(body, timestamp, signature)


def _replay(body: bytes) -> Receive:
    """An ASGI `receive` that hands over a body read already."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _respond(
    send: Send,
    status: int,
    payload: dict[str, Any],
    *,
    close: bool = False,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    data = json.dumps(payload).encode()
    raw = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(data)).encode()),
        *(headers or []),
    ]
    if close:
        raw.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


class IdleClosingProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol, closing a connection that sends nothing within the keep-alive
    timeout (uvicorn only times out idle connections between requests)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )


class HttpServer:
    """uvicorn serving `HttpApp` on a socket bound at construction (port 0: any free port).
    `serve_forever()` starts the app's answer workers and blocks; `shutdown()` stops taking
    requests, lets those in flight finish, then stops the answer workers gracefully."""

    def __init__(
        self,
        app: SlackApp | None,
        services: Services,
        *,
        host: str,
        port: int,
        read_timeout_s: float = READ_TIMEOUT_S,
        delivery: Delivery | None = None,
    ) -> None:
        self.app = app
        self.grace_s = services.settings.shutdown_grace_s
        self._pool = ThreadPoolExecutor(max_workers=DISPATCH_THREADS, thread_name_prefix="http")
        asgi = HttpApp(
            app,
            services,
            pool=self._pool,
            delivery=delivery or (app.delivery if app is not None else None),
            read_timeout_s=read_timeout_s,
        )
        self.socket = bind(host, port)
        self.server_address: tuple[str, int] = self.socket.getsockname()[:2]
        config = uvicorn.Config(
            asgi,
            lifespan="off",
            log_config=None,
            access_log=False,
            http=IdleClosingProtocol,
            timeout_keep_alive=max(1, round(read_timeout_s)),
            timeout_graceful_shutdown=int(HTTP_DRAIN_S),
            backlog=BACKLOG,
            server_header=False,
        )
        self._server = uvicorn.Server(config)
        self._serving = threading.Event()
        self._finished = threading.Event()

    @property
    def started(self) -> bool:
        """True once it accepts connections."""
        return bool(self._server.started)

    def serve_forever(self) -> None:
        """Serve until `shutdown()` (on the calling thread)."""
        if self.app is not None:
            self.app.start_workers()
        self._serving.set()
        try:
            self._server.run(sockets=[self.socket])
        finally:
            self._finished.set()

    def shutdown(self, *, hurry: threading.Event | None = None) -> None:
        """Stop taking requests, let those in flight finish, then stop the answer workers of
        the app it serves (within the grace period)."""
        self._server.should_exit = True
        if self._serving.is_set():
            self._finished.wait(HTTP_DRAIN_S + 5)
        if self.app is not None:
            self.app.stop_workers(self.grace_s, hurry=hurry)
        self._pool.shutdown(wait=False)

    def server_close(self) -> None:
        """Release the listening socket (if `serve_forever` never ran)."""
        self.socket.close()


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on `host`:`port`; a clear error when that is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        raise HirebotError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from exc
    sock.set_inheritable(True)
    return sock


def start_http(
    app: SlackApp | None,
    services: Services,
    *,
    host: str,
    port: int,
    read_timeout_s: float = READ_TIMEOUT_S,
    delivery: Delivery | None = None,
) -> HttpServer:
    """Bind the HTTP server (app None: the probes only); the caller runs `serve_forever`."""
    return HttpServer(
        app, services, host=host, port=port, read_timeout_s=read_timeout_s, delivery=delivery
    )
