"""Run the Slack app: HTTP mode (bot/slack/asgi.py: bolt's ASGI adapter under uvicorn) or
Socket Mode, with `GET /healthz` and `GET /readyz` in both modes; fail fast on bad credentials;
stop gracefully on SIGTERM/SIGINT (close the Socket Mode connection or stop taking requests,
let answers in flight finish, leave the rest in the inbox)."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.errors import ConfigError
from bot.services import Services
from bot.settings import Settings
from bot.slack.app import SlackApp, create_app
from bot.slack.asgi import HttpServer, readiness, start_http
from bot.slack.client import SlackUnavailable, check_token

__all__ = ["HttpServer", "readiness", "serve", "start_http"]
logger = logging.getLogger(__name__)
DEFAULT_PORT = 3000
# the values in .env.example, which `make run` must not take for real tokens
PLACEHOLDERS = frozenset(
    {"xoxb-your-bot-token", "xapp-your-app-level-token", "your-signing-secret"}
)


class StopSignal:
    """SIGTERM/SIGINT for `serve`: the first asks for a graceful stop, a second for a quick
    one (answers in flight are then left in the inbox at once)."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.hurry = threading.Event()
        self.name = ""

    def request(self, name: str) -> None:
        """Ask for a stop (a second request: a quick one)."""
        if self.requested.is_set():
            self.hurry.set()
        self.name = name
        self.requested.set()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.request(signal.Signals(signum).name)

    @contextmanager
    def installed(self) -> Iterator[StopSignal]:
        """Handle the signals inside the block (only the main thread can)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {
            sig: signal.signal(sig, self._handle) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def placeholder_setting(settings: Settings) -> str | None:
    """The Slack setting that still holds a placeholder (the .env.example value, or a token
    not shaped like one), so `make run` opens the terminal chat instead; None when none does."""
    if settings.slack_bot_token is None:
        return None
    bot = settings.slack_bot_token.get_secret_value().strip()
    if bot in PLACEHOLDERS or not bot.startswith("xoxb-"):
        return "SLACK_BOT_TOKEN"
    if settings.slack_app_token is not None:
        app = settings.slack_app_token.get_secret_value().strip()
        return "SLACK_APP_TOKEN" if app in PLACEHOLDERS or not app.startswith("xapp-") else None
    secret = settings.slack_signing_secret
    if secret is None or secret.get_secret_value().strip() in PLACEHOLDERS | {""}:
        return "SLACK_SIGNING_SECRET"
    return None


def check_slack(settings: Settings, *, http: bool) -> None:
    """Fail fast, before the model loads: ConfigError (exit 2) for missing or misshapen
    credentials, SlackUnavailable (exit 1) when Slack rejects the token or cannot be reached."""
    check_config(settings, http=http)
    check_token(settings)


def check_config(settings: Settings, *, http: bool) -> None:
    """ConfigError for missing or misshapen Slack credentials (no network call)."""
    if not settings.slack_enabled:
        raise ConfigError("SLACK_BOT_TOKEN is not set: cannot start the Slack app")
    secret = settings.slack_signing_secret
    if http and not (secret and secret.get_secret_value()):
        raise ConfigError("SLACK_SIGNING_SECRET is required in HTTP mode")
    app_token = settings.slack_app_token
    if not http:
        if app_token is None:
            raise ConfigError("Socket Mode needs SLACK_APP_TOKEN (xapp-...); or use --http")
        if not app_token.get_secret_value().startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'")


def serve(
    services: Services,
    *,
    http: bool,
    port: int | None,
    host: str = "0.0.0.0",
    prepared: bool = False,
    stop: StopSignal | None = None,
) -> int:
    """Start the Slack app and block until SIGTERM/SIGINT (or `stop` is requested), then stop
    gracefully (0). HTTP mode serves events and probes; Socket Mode serves the probes over HTTP
    (on `port`) and takes events over a websocket. `prepared`: the index is up to date."""
    settings = services.settings
    check_config(settings, http=http)
    socket_mode = not http
    stop = stop or StopSignal()
    with stop.installed():
        app = create_app(services, socket_mode=socket_mode)
        if not prepared:
            _prepare_index(services)
        load = getattr(services.embedder, "load", None)
        if callable(load):
            load()
        server = start_http(
            app if http else None,  # Socket Mode: the probes only
            services,
            host=host,
            port=DEFAULT_PORT if port is None else port,
            delivery=app.delivery,
        )
        try:
            handler = _connect_socket_mode(app, settings) if socket_mode else None
        except BaseException:
            server.server_close()
            raise
        app.start_workers()
        thread = threading.Thread(target=server.serve_forever, name="http", daemon=True)
        thread.start()
        logger.info(
            "hirebot listening",
            extra={
                "mode": "socket" if socket_mode else "http",
                "port": server.server_address[1],
                "queue": app.delivery.status()["queue"],
            },
        )
        while not stop.requested.wait(0.5):
            if not thread.is_alive():
                logger.error("the HTTP server stopped unexpectedly")
                break
        status = app.delivery.status()
        logger.info(
            "stopping",
            extra={
                "signal": stop.name,
                "grace_s": settings.shutdown_grace_s,
                "in_flight": status["in_flight"],
                "queue": status["queue"],
            },
        )
        if handler is not None:
            handler.close()  # no new events first
            app.stop_workers(settings.shutdown_grace_s, hurry=stop.hurry)
        server.shutdown(hurry=stop.hurry)
    logger.info("stopped")
    return 0 if stop.requested.is_set() else 1


def _prepare_index(services: Services) -> None:
    settings = services.settings
    if settings.ingest_on_start and settings.knowledge_dir.is_dir():
        report = services.ingest(progress=False)
        if not report.ok:
            logger.warning(
                "some knowledge files were skipped", extra={"failed": len(report.failures)}
            )
    else:
        services.ensure_index()


def _connect_socket_mode(app: SlackApp, settings: Settings) -> Any:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    assert settings.slack_app_token is not None
    handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
    try:
        handler.connect()
    except SlackApiError as exc:
        raise SlackUnavailable(
            f"Slack rejected the app-level token ({exc.response.get('error')})"
        ) from exc
    except Exception as exc:  # no websocket URL, a refused or broken connection
        raise SlackUnavailable(
            f"cannot open a Socket Mode connection ({type(exc).__name__}: {exc})"
        ) from exc
    return handler
