"""`app_mention`: answer in the thread of the mention."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.services import Services
from bot.slack.listeners.common import answer_in, conversation_key, strip_mentions


def handler(services: Services) -> Any:
    """Build the listener bound to `services`."""

    def handle_app_mention(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        channel, thread_ts = event["channel"], event.get("thread_ts") or event["ts"]
        answer_in(
            services,
            client,
            channel=channel,
            thread_ts=thread_ts,
            conversation=conversation_key(channel, thread_ts),
            text=strip_mentions(event.get("text")),
            event=event,
            event_id=context.get("event_id"),
        )

    return handle_app_mention
