"""`message` in a DM: answer in the DM; ignore bots (including ourselves), edits and other subtypes."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.services import Services
from bot.slack.listeners.common import answer_in, conversation_key, strip_mentions


def is_user_dm(event: dict[str, Any]) -> bool:
    """A plain message a person sent in a DM (no subtype, no bot, not an edit)."""
    return (
        event.get("channel_type") == "im"
        and event.get("subtype") is None
        and event.get("bot_id") is None
        and bool(event.get("user"))
    )


def handler(services: Services) -> Any:
    """Build the listener bound to `services`."""

    def handle_direct_message(
        event: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        if not is_user_dm(event):
            return
        channel = event["channel"]
        answer_in(
            services,
            client,
            channel=channel,
            thread_ts=None,
            conversation=conversation_key(channel, None),
            text=strip_mentions(event.get("text")),
            event=event,
            event_id=context.get("event_id"),
        )

    return handle_direct_message
