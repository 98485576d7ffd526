"""Assistant thread message (Slack's older assistant view): show status while working, answer,
and title the thread."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.services import Services
from bot.slack.delivery import Delivery
from bot.slack.listeners.common import (
    STATUS,
    answer_in,
    answer_later,
    best_effort,
    conversation_key,
    decode_incoming,
)
from bot.text import clip

TITLE_CHARS = 60


def handler(services: Services, delivery: Delivery) -> Any:
    """Build the listener bound to `services`."""

    def handle_user_message(
        payload: dict[str, Any],
        set_status: Any,
        set_title: Any,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        text = decode_incoming(payload.get("text"))
        channel, thread_ts = payload["channel"], payload["thread_ts"]
        best_effort(set_status, STATUS)

        def answer() -> None:
            reply = answer_in(
                services,
                client,
                channel=channel,
                thread_ts=thread_ts,
                conversation=conversation_key(channel, thread_ts),
                text=text,
                event=payload,
                ticket=delivery.ticket(context),
                team=context.team_id,
            )
            if reply is not None and reply.route in ("answer", "recommendation") and text:
                best_effort(set_title, clip(text, TITLE_CHARS))

        answer_later(delivery, context, client, channel=channel, thread_ts=thread_ts, work=answer)

    return handle_user_message
