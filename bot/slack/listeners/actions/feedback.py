"""👍/👎 clicks: store the vote and acknowledge it ephemerally."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.services import Services
from bot.slack.mrkdwn import escape


def handler(services: Services) -> Any:
    """Build the listener bound to `services`."""

    def handle_feedback(
        ack: Any, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id", "")
        vote = action["action_id"].removeprefix("feedback_")
        result = services.conversations.record_feedback(
            answer_id=str(action.get("value", "")), user=user, vote=vote, channel=channel
        )
        thread_ts = (body.get("message") or {}).get("thread_ts")
        if channel:
            client.chat_postEphemeral(
                channel=channel, user=user, text=escape(result.message), thread_ts=thread_ts
            )

    return handle_feedback
