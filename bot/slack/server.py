"""Run the Slack app: HTTP (`POST /slack/events`, `GET /healthz`, `GET /readyz`) or Socket Mode."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.errors import ConfigError
from bot.services import Services
from bot.slack.app import create_app

logger = logging.getLogger(__name__)
DEFAULT_PORT = 3000
MAX_BODY_BYTES = 1024 * 1024
EVENTS_PATH = "/slack/events"
READ_TIMEOUT_S = 10.0  # a client that stalls mid-request loses its connection, not a thread


def readiness(services: Services) -> tuple[bool, dict[str, Any]]:
    """Model loaded, index non-empty, state store reachable."""
    checks: dict[str, Any] = {}
    checks["model_loaded"] = bool(getattr(services.embedder, "loaded", True))
    try:
        checks["index_chunks"] = services.store.count()
    except Exception as exc:  # report, never raise, from a probe
        checks["index_chunks"] = 0
        checks["index_error"] = type(exc).__name__
    checks["state_store"] = services.state.ping()
    ready = checks["model_loaded"] and checks["index_chunks"] > 0 and checks["state_store"]
    return ready, checks


def make_handler(
    app: App | None, services: Services, *, read_timeout_s: float = READ_TIMEOUT_S
) -> type[BaseHTTPRequestHandler]:
    """Request handler class bound to the bolt app (None: health endpoints only)."""
    secret = services.settings.slack_signing_secret
    verifier = SignatureVerifier(secret.get_secret_value()) if secret else None

    class Handler(BaseHTTPRequestHandler):
        server_version = "hirebot"
        protocol_version = "HTTP/1.1"
        timeout = read_timeout_s  # socket timeout for every read of this connection

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("http %s", format % args)

        def _send(
            self, status: int, body: bytes | str, headers: dict[str, Any] | None = None
        ) -> None:
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            sent_type = False
            for key, value in (headers or {}).items():
                for item in value if isinstance(value, list | tuple) else [value]:
                    if key.lower() == "content-length":
                        continue
                    sent_type |= key.lower() == "content-type"
                    self.send_header(key, str(item))
            if not sent_type:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = urlparse(self.path).path
            if path == "/healthz":
                self._send(200, json.dumps({"status": "ok"}))
            elif path == "/readyz":
                ready, checks = readiness(services)
                self._send(200 if ready else 503, json.dumps({"ready": ready, **checks}))
            else:
                self._send(404, json.dumps({"error": "not found"}))

        def do_POST(self) -> None:
            parsed = urlparse(self.path)
            if parsed.path != EVENTS_PATH or app is None:
                self._send(404, json.dumps({"error": "not found"}))
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY_BYTES:
                self.close_connection = True
                self._send(413 if length > 0 else 400, json.dumps({"error": "bad body size"}))
                return
            try:
                raw = self.rfile.read(length)
            except TimeoutError:
                self.close_connection = True
                self._send(408, json.dumps({"error": "request body timed out"}))
                return
            status, body, headers = handle_event_request(
                app, verifier, raw, parsed.query, self.headers
            )
            self._send(status, body, headers)

    return Handler


def handle_event_request(
    app: App, verifier: SignatureVerifier | None, raw: bytes, query: str, http_headers: Any
) -> tuple[int, str, dict[str, Any]]:
    """(status, body, headers) for one POST to /slack/events: 401 for a bad signature, 400 for
    a body that is not a Slack payload; never a 5xx for anything a client sends."""
    headers: dict[str, str | Sequence[str]] = {k.lower(): [v] for k, v in http_headers.items()}
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return 400, json.dumps({"error": "body is not UTF-8"}), {}
    if verifier is not None and not verifier.is_valid(
        body,
        http_headers.get("X-Slack-Request-Timestamp") or "",
        http_headers.get("X-Slack-Signature") or "",
    ):
        return 401, json.dumps({"error": "invalid signature"}), {}
    try:
        request = BoltRequest(body=body, query=query, headers=headers)
    except Exception as exc:  # not JSON / not a form with a JSON payload
        logger.info("malformed request body", extra={"error": type(exc).__name__})
        return 400, json.dumps({"error": "malformed body"}), {}
    if not isinstance(request.body, dict):
        return 400, json.dumps({"error": "malformed body"}), {}
    try:
        resp = app.dispatch(request)
    except Exception:
        logger.exception("a payload could not be dispatched")
        return 400, json.dumps({"error": "malformed payload"}), {}
    return resp.status, resp.body, dict(resp.headers)


class Server(ThreadingHTTPServer):
    """Threaded HTTP server with a listen backlog sized for bursts (the default of 5 drops
    connections under 20 concurrent events, and the client's SYN retry then costs a second)."""

    request_queue_size = 128
    daemon_threads = True


def start_http(
    app: App | None,
    services: Services,
    *,
    host: str,
    port: int,
    read_timeout_s: float = READ_TIMEOUT_S,
) -> ThreadingHTTPServer:
    """Bind the HTTP server (port 0 = any free port); the caller runs `serve_forever`."""
    return Server((host, port), make_handler(app, services, read_timeout_s=read_timeout_s))


def serve(
    services: Services,
    *,
    http: bool,
    port: int | None,
    host: str = "0.0.0.0",
    on_ready: Callable[[ThreadingHTTPServer], None] | None = None,
) -> int:
    """Start the Slack app and block. HTTP mode serves events and probes; Socket Mode serves
    only the probes over HTTP (on `port`) and talks to Slack over a websocket."""
    settings = services.settings
    if not settings.slack_enabled:
        raise ConfigError("SLACK_BOT_TOKEN is not set: cannot start the Slack app")
    socket_mode = not http
    if socket_mode and settings.slack_app_token is None:
        raise ConfigError("Socket Mode needs SLACK_APP_TOKEN (xapp-...); or use --http")
    app_token = settings.slack_app_token
    if socket_mode and app_token and not app_token.get_secret_value().startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'")
    app = create_app(services, socket_mode=socket_mode)  # first: bad tokens fail in a second
    if settings.ingest_on_start and settings.knowledge_dir.is_dir():
        report = services.ingest(progress=False)
        if not report.ok:
            logger.warning(
                "some knowledge files were skipped", extra={"failed": len(report.failures)}
            )
    else:
        services.ensure_index()
    load = getattr(services.embedder, "load", None)
    if callable(load):
        load()
    server = start_http(
        None if socket_mode else app, services, host=host, port=port or DEFAULT_PORT
    )
    logger.info(
        "hirebot listening",
        extra={"mode": "socket" if socket_mode else "http", "port": server.server_address[1]},
    )
    if on_ready is not None:
        on_ready(server)
    if socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        threading.Thread(target=server.serve_forever, name="probes", daemon=True).start()
        assert settings.slack_app_token is not None
        SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
        return 0
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0
