"""`create_app(services)`: the bolt App with de-duplication middleware and every listener."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltError
from slack_bolt.request import BoltRequest

from bot.errors import ConfigError, StoreUnavailable
from bot.services import Services
from bot.slack import listeners
from bot.slack.client import build_web_client

logger = logging.getLogger(__name__)
EVENT_DEDUPE_TTL_S = 24 * 3600


def create_app(
    services: Services,
    *,
    socket_mode: bool = False,
    workers: int = 4,
    process_before_response: bool = False,
) -> App:
    """Build the Slack app; fails fast with a clear ConfigError on missing or invalid credentials.

    By default listeners run after the ack (Slack wants it within 3 s); `process_before_response`
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
    app.middleware(dedupe_events(services))
    listeners.register(app, services)
    return app


def dedupe_events(services: Services) -> Any:
    """Global middleware: an event id is handled once, even across retries and replicas."""

    def middleware(request: BoltRequest, next: Any) -> BoltResponse | None:
        event_id = request.body.get("event_id") if isinstance(request.body, dict) else None
        if event_id:
            request.context["event_id"] = event_id
            try:
                first = services.state.claim(f"event:{event_id}", EVENT_DEDUPE_TTL_S)
            except StoreUnavailable:
                logger.exception("state store unreachable; handling event without de-duplication")
                first = True
            if not first:
                retry = request.headers.get("x-slack-retry-num", ["0"])[0]
                logger.info("duplicate event ignored", extra={"event_id": event_id, "retry": retry})
                return BoltResponse(status=200, body="")
        next()
        return None

    return middleware
