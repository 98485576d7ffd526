"""`app_mention`: answer in the thread of the mention."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.services import Services
from bot.slack.listeners.common import safe_reply, strip_mentions


def handler(services: Services) -> Any:
    """Build the listener bound to `services`."""

    def handle_app_mention(event: dict[str, Any], client: WebClient) -> None:
        channel, thread_ts = event["channel"], event.get("thread_ts") or event["ts"]
        text, blocks, _ = safe_reply(
            services,
            conversation=f"{channel}:{thread_ts}",
            user=event.get("user", ""),
            text=strip_mentions(event.get("text")),
            event=event,
        )
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text, blocks=blocks)

    return handle_app_mention
