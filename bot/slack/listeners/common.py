"""Helpers shared by listeners: mention stripping, safe replies, structured logging."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.conversation import Reply
from bot.services import Services
from bot.slack.blocks import Block, build_answer_tail_blocks, build_error_message, build_reply
from bot.slack.streaming import ReplyStream

logger = logging.getLogger("bot.slack")
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def strip_mentions(text: str | None) -> str:
    """Remove `<@U123>` mentions and surrounding whitespace."""
    return _MENTION.sub(" ", text or "").strip()


def safe_reply(
    services: Services,
    *,
    conversation: str,
    user: str,
    text: str,
    event: dict[str, Any],
    on_text: Callable[[str], None] | None = None,
) -> tuple[str, list[Block], Reply | None]:
    """Run the core; on any unexpected error log it and return the fixed friendly message."""
    started = time.perf_counter()
    try:
        reply = services.conversations.respond(
            conversation=conversation, user=user, text=text, on_text=on_text
        )
    except Exception:
        logger.exception("failed to answer", extra=_log_fields(event, started, "error"))
        fallback, blocks = build_error_message()
        return fallback, blocks, None
    outcome: str = reply.kind
    if reply.answer is not None:
        outcome = "answer" if reply.answer.grounded else "decline"
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
) -> Reply | None:
    """Answer a user's message in `channel` (and thread), streaming generated answers."""
    user = event.get("user", "")
    event = {**event, "event_id": event_id}
    stream = ReplyStream(
        client, channel=channel, thread_ts=thread_ts, user=user, team=event.get("team")
    )
    fallback, blocks, reply = safe_reply(
        services,
        conversation=conversation,
        user=user,
        text=text,
        event=event,
        on_text=stream.append,
    )
    answer = reply.answer if reply is not None else None
    streamed_ok = answer is not None and answer.mode == "generated"
    tail = build_answer_tail_blocks(answer, reply.answer_id) if answer and reply else []
    stream.finish(fallback, blocks, tail=tail, streamed_ok=streamed_ok)
    return reply


def _log_fields(event: dict[str, Any], started: float, outcome: str) -> dict[str, Any]:
    return {
        "event_id": event.get("event_id"),
        "event_ts": event.get("event_ts") or event.get("ts"),
        "channel": event.get("channel"),
        "outcome": outcome,
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def conversation_key(channel: str, thread_ts: str | None) -> str:
    """One key per conversation: a thread (channel or assistant), or a DM's top level."""
    return f"{channel}:{thread_ts}" if thread_ts else f"im:{channel}"


def action_context(body: dict[str, Any]) -> tuple[str, str, str | None, str | None]:
    """(user, channel, message ts, thread ts) of a block action."""
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id", ""
    )
    return body["user"]["id"], channel, message.get("ts"), message.get("thread_ts")
