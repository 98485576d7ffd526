"""Threads hirebot joins late: the earlier human messages of a thread, read with
`conversations.replies`, become the context of the question it is asked there."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import Services
from bot.slack.mrkdwn import decode_incoming

logger = logging.getLogger("bot.slack")
MAX_MESSAGES = 50


def earlier_messages(
    client: WebClient, *, channel: str, thread_ts: str, before_ts: str, bot_user_id: str | None
) -> list[str]:
    """The thread's human messages before `before_ts`, oldest first, as typed. Without the
    history scopes, outside the channel, or on any API failure: none (and the reason logged),
    so the question is answered without that context."""
    try:
        response = client.conversations_replies(channel=channel, ts=thread_ts, limit=MAX_MESSAGES)
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else "unknown"
        logger.warning(
            "thread context unavailable", extra={"channel": channel, "reason": str(error)}
        )
        return []
    messages: list[dict[str, Any]] = list(response.get("messages") or [])
    out = []
    for message in messages:
        if message.get("bot_id") or message.get("subtype") or message.get("user") == bot_user_id:
            continue
        if float(message.get("ts") or 0) >= float(before_ts):
            continue
        text = decode_incoming(message.get("text"))
        if text:
            out.append(text)
    return out


def late_join_context(
    services: Services,
    client: WebClient,
    event: dict[str, Any],
    *,
    conversation: str,
    bot_user_id: str | None,
) -> list[str]:
    """For a mention inside a thread hirebot has not answered in: the earlier messages."""
    thread_ts = event.get("thread_ts")
    if not thread_ts or thread_ts == event["ts"] or services.conversations.knows(conversation):
        return []
    return earlier_messages(
        client,
        channel=event["channel"],
        thread_ts=thread_ts,
        before_ts=event["ts"],
        bot_user_id=bot_user_id,
    )
