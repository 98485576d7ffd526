"""`create_app(services)`: the bolt App with event leases, the answer pool and every listener."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltError

from bot.errors import ConfigError
from bot.services import Services
from bot.slack import listeners
from bot.slack.client import build_web_client
from bot.slack.delivery import Delivery

logger = logging.getLogger(__name__)


def create_app(
    services: Services,
    *,
    socket_mode: bool = False,
    workers: int = 4,
    process_before_response: bool = False,
) -> App:
    """Build the Slack app; fails fast with a clear ConfigError on missing or invalid credentials.

    By default listeners run after the ack (Slack wants it within 3 s): `workers` threads run
    listeners and acks, and answers run on their own pool (`HIREBOT_ANSWER_WORKERS`), so a
    slow answer never delays the ack of a command or a button. `process_before_response`
    answers first, as FaaS deployments must (the benchmarks use it as the baseline)."""
    settings = services.settings
    client = build_web_client(settings)
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    if not socket_mode and not secret:
        raise ConfigError("SLACK_SIGNING_SECRET is required in HTTP mode")
    try:
        app = App(
            client=client,
            signing_secret=secret or None,
            process_before_response=process_before_response,
            raise_error_for_unhandled_request=False,
            listener_executor=ThreadPoolExecutor(
                max_workers=workers, thread_name_prefix="listener"
            ),
        )
    except BoltError as exc:
        raise ConfigError(f"Slack rejected the bot token (auth.test failed): {exc}") from exc
    delivery = Delivery(
        services.state,
        lease_s=settings.event_lease_s,
        workers=settings.answer_workers,
        queue_limit=settings.answer_queue,
        inline=process_before_response,
    )
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
