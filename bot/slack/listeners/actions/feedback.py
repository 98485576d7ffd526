"""👍/👎 clicks: store the vote (a user's last click on an answer counts) and acknowledge it
ephemerally; after a 👎, offer to say what was wrong (and to ask the recruiting team).

Answers carry Slack's feedback buttons (`feedback_buttons`: the vote in the value, the answer
id in the block id); answers posted before them carry two plain buttons (`feedback_up` /
`feedback_down`, the answer id in the value), which still count."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.services import Services
from bot.slack.blocks import (
    FEEDBACK_DOWN,
    FEEDBACK_UP,
    VOTE_DOWN,
    VOTE_UP,
    answer_of_feedback,
    build_feedback_ack,
)
from bot.slack.listeners.common import action_context

LEGACY_VOTES = {FEEDBACK_UP: VOTE_UP, FEEDBACK_DOWN: VOTE_DOWN}


def vote_of(action: dict[str, Any]) -> tuple[str, str]:
    """(answer id, vote) of a click on either kind of feedback button."""
    action_id, value = str(action.get("action_id", "")), str(action.get("value", ""))
    if action_id in LEGACY_VOTES:
        return value, LEGACY_VOTES[action_id]
    return answer_of_feedback(str(action.get("block_id", ""))), value


def handler(services: Services) -> Any:
    """Build the listener bound to `services`."""

    def handle_feedback(
        ack: Any, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        user, channel, message_ts, thread_ts = action_context(body)
        answer_id, vote = vote_of(action)
        result = services.conversations.record_feedback(
            answer_id=answer_id, user=user, vote=vote, channel=channel
        )
        escalation = services.settings.escalation_channel is not None
        text, blocks = build_feedback_ack(
            result, answer_id, escalation=escalation, message_ts=message_ts
        )
        if channel:
            client.chat_postEphemeral(
                channel=channel, user=user, text=text, blocks=blocks, thread_ts=thread_ts
            )

    return handle_feedback
