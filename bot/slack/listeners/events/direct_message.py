"""`message` in a DM: answer in the DM; ignore bots (including ourselves), edits and other subtypes."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.services import Services
from bot.slack.listeners.common import safe_reply, strip_mentions


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

    def handle_direct_message(event: dict[str, Any], client: WebClient) -> None:
        if not is_user_dm(event):
            return
        channel = event["channel"]
        text, blocks, _ = safe_reply(
            services,
            conversation=f"im:{channel}",
            user=event["user"],
            text=strip_mentions(event.get("text")),
            event=event,
        )
        client.chat_postMessage(channel=channel, text=text, blocks=blocks)

    return handle_direct_message
