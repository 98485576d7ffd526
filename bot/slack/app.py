"""`create_app(services)`: the bolt App with the durable inbox, its answer workers and every
listener."""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot.errors import ConfigError
from bot.services import Services
from bot.slack import listeners
from bot.slack.client import SlackUnavailable, build_web_client, unreachable
from bot.slack.delivery import Delivery
from bot.slack.inbox import open_inbox

logger = logging.getLogger(__name__)


class SlackApp(App):
    """bolt's App with hirebot's delivery attached: `start_workers()` its answer workers,
    `stop_workers()` them gracefully."""

    def __init__(self, delivery: Delivery, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.delivery = delivery

    def start_workers(self) -> None:
        """Start the answer workers (idempotent)."""
        self.delivery.start(self)

    def stop_workers(self, grace_s: float, *, hurry: threading.Event | None = None) -> bool:
        """Take no more events from the inbox; True when every answer in flight finished
        within `grace_s` seconds (or before `hurry` is set)."""
        return self.delivery.stop(grace_s, hurry=hurry)


def create_app(
    services: Services,
    *,
    socket_mode: bool = False,
    workers: int = 4,
    process_before_response: bool = False,
) -> SlackApp:
    """Build the Slack app; fails fast with a clear error on missing or rejected credentials.

    Events are acked once they are in the inbox and answered by the app's answer workers
    (`start_workers()`); `workers` threads run the listeners of buttons and commands, so a slow answer
    never delays their ack. Request signatures are checked by the HTTP server
    (bot/slack/server.py), once, before a request reaches the app; Socket Mode needs none.
    `process_before_response` answers before the ack, with no inbox, as FaaS deployments must
    (the benchmarks use it as the baseline)."""
    settings = services.settings
    client = build_web_client(settings)
    secret = settings.slack_signing_secret
    if not socket_mode and not (secret and secret.get_secret_value()):
        raise ConfigError("SLACK_SIGNING_SECRET is required in HTTP mode")
    inbox = open_inbox(
        redis_url=settings.redis_url,
        sqlite_path=settings.inbox_path,
        lease_s=settings.event_lease_s,
    )
    delivery = Delivery(
        inbox,
        state=services.state,
        workers=settings.answer_workers,
        queue_limit=settings.answer_queue,
        listener_threads=workers,
        inline=process_before_response,
    )
    try:
        app = SlackApp(
            delivery,
            client=client,
            request_verification_enabled=False,
            process_before_response=process_before_response,
            raise_error_for_unhandled_request=False,
            listener_executor=delivery.listener_executor,
        )
    except BoltError as exc:
        error = (
            exc.__context__.response.get("error")
            if isinstance(exc.__context__, SlackApiError)
            else exc
        )
        raise SlackUnavailable(f"Slack rejected the bot token (auth.test failed: {error})") from exc
    except OSError as exc:
        raise unreachable(settings, exc) from exc
    app.middleware(delivery.middleware)
    app.error(log_listener_error)
    listeners.register(app, services, delivery)
    return app


MALFORMED_PAYLOAD_ERRORS = (AttributeError, KeyError, TypeError, ValueError, IndexError)


def log_listener_error(
    error: Exception, body: Any, response: BoltResponse | None
) -> BoltResponse | None:
    """A middleware or listener failed: log it. A payload of the wrong shape (bolt's own code
    and ours index into it) is the sender's fault: 400, never a 5xx that Slack would retry."""
    kind = body.get("type") if isinstance(body, dict) else None
    logger.error("listener failed", exc_info=error, extra={"payload_type": kind})
    if response is not None and isinstance(error, MALFORMED_PAYLOAD_ERRORS):
        return BoltResponse(status=400, body='{"error": "malformed payload"}')
    return None
