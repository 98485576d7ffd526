"""Helpers shared by listeners: answering on the answer pool, safe replies, structured logging."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.conversation import Reply
from bot.services import Services
from bot.slack.blocks import Block, build_busy_message, build_error_message, build_reply
from bot.slack.delivery import Delivery
from bot.slack.mrkdwn import decode_incoming
from bot.slack.streaming import ReplyStream, post_reply
from bot.slack.threads import conversation_key, dm_conversation

__all__ = ["conversation_key", "decode_incoming", "dm_conversation"]

logger = logging.getLogger("bot.slack")


def safe_reply(
    services: Services,
    *,
    conversation: str,
    user: str,
    text: str,
    event: dict[str, Any],
    on_text: Callable[[str], None] | None = None,
    history: Sequence[str] = (),
) -> tuple[str, list[Block], Reply | None]:
    """Run the core; on any unexpected error log it and return the fixed friendly message."""
    started = time.perf_counter()
    try:
        reply = services.conversations.respond(
            conversation=conversation, user=user, text=text, on_text=on_text, history=history
        )
    except Exception:
        logger.exception("failed to answer", extra=_log_fields(event, started, "error"))
        fallback, blocks = build_error_message()
        return fallback, blocks, None
    outcome: str = reply.route
    extra = _log_fields(event, started, outcome)
    if services.settings.debug:
        extra["question"] = text
    logger.info("replied", extra=extra)
    fallback, blocks = build_reply(reply)
    return fallback, blocks, reply


def answer_in(
    services: Services,
    client: WebClient,
    *,
    channel: str,
    thread_ts: str | None,
    conversation: str,
    text: str,
    event: dict[str, Any],
    event_id: str | None = None,
    team: str | None = None,
    history: Sequence[str] = (),
) -> Reply | None:
    """Answer a user's message in `channel` (and thread), streaming generated answers; the
    final message always carries the full answer blocks. `team` is the workspace (streaming
    to a channel names its recipient)."""
    user = event.get("user", "")
    event = {**event, "event_id": event_id}
    stream = ReplyStream(
        client, channel=channel, thread_ts=thread_ts, user=user, team=event.get("team") or team
    )
    fallback, blocks, reply = safe_reply(
        services,
        conversation=conversation,
        user=user,
        text=text,
        event=event,
        on_text=stream.append,
        history=history,
    )
    stream.finish(fallback, blocks)
    return reply


def answer_later(
    delivery: Delivery,
    context: Any,
    client: WebClient,
    *,
    channel: str,
    thread_ts: str | None,
    work: Callable[[], object],
) -> None:
    """Run `work` (which answers in `channel`/`thread_ts`) on the answer pool under the event's
    lease; when the pool is full, say so in the same place instead."""

    def busy() -> None:
        text, blocks = build_busy_message()
        post_reply(client, channel=channel, thread_ts=thread_ts, text=text, blocks=blocks)

    delivery.run(context, work, on_busy=busy)


def best_effort(call: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """A cosmetic Slack call (status, title): its failure must not stop the answer."""
    try:
        call(*args, **kwargs)
    except SlackApiError as exc:
        logger.warning("slack call skipped", extra={"error": str(exc.response.get("error"))})


def _log_fields(event: dict[str, Any], started: float, outcome: str) -> dict[str, Any]:
    return {
        "event_id": event.get("event_id"),
        "event_ts": event.get("event_ts") or event.get("ts"),
        "channel": event.get("channel"),
        "outcome": outcome,
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def action_context(body: dict[str, Any]) -> tuple[str, str, str | None, str | None]:
    """(user, channel, message ts, thread ts) of a block action."""
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id", ""
    )
    return body["user"]["id"], channel, message.get("ts"), message.get("thread_ts")
