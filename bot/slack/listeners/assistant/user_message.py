"""Assistant thread message: show status while working, answer, and title the thread."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.services import Services
from bot.slack.blocks import clip
from bot.slack.listeners.common import answer_in, conversation_key, strip_mentions

STATUS = "is looking through the hiring knowledge base…"


def handler(services: Services) -> Any:
    """Build the listener bound to `services`."""

    def handle_user_message(
        payload: dict[str, Any],
        set_status: Any,
        set_title: Any,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        text = strip_mentions(payload.get("text"))
        channel, thread_ts = payload["channel"], payload["thread_ts"]
        set_status(STATUS)
        reply = answer_in(
            services,
            client,
            channel=channel,
            thread_ts=thread_ts,
            conversation=conversation_key(channel, thread_ts),
            text=text,
            event=payload,
            event_id=context.get("event_id"),
        )
        if reply is not None and reply.kind == "answer" and text:
            set_title(clip(text, 60))

    return handle_user_message
