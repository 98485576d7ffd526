""" "Ask the recruiting team" (on a declined or partly covered answer, or after a 👎): post the
question to the recruiting team's channel once, and tell the person who clicked."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.services import Services
from bot.slack.blocks import build_escalation_ack, message_of_offer
from bot.slack.escalation import Clicked, EscalationResult, escalate
from bot.slack.listeners.common import action_context

logger = logging.getLogger(__name__)


def clicked_on(body: dict[str, Any], action: dict[str, Any]) -> Clicked:
    """The click, as plain values: under the answer itself, or on the 👎 acknowledgement (an
    ephemeral message, which names the answer's message in the offer's block id)."""
    user, channel, message_ts, _ = action_context(body)
    offered_after_vote = message_of_offer(str(action.get("block_id", "")))
    if offered_after_vote or (body.get("container") or {}).get("is_ephemeral"):
        message_ts = offered_after_vote
    return Clicked(user, str(action.get("value", "")), channel, message_ts)


def handler(services: Services) -> Any:
    """Build the listener bound to `services`."""

    def handle_escalate(
        ack: Any, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        clicked = clicked_on(body, action)
        try:
            result = escalate(services, client, clicked)
        except Exception:
            logger.exception("escalation failed", extra={"answer_id": clicked.answer_id})
            result = EscalationResult("failed")
        text, blocks = build_escalation_ack(result.status, channel=result.channel)
        if clicked.channel:
            thread_ts = action_context(body)[3]
            client.chat_postEphemeral(
                channel=clicked.channel,
                user=clicked.user,
                text=text,
                blocks=blocks,
                thread_ts=thread_ts,
            )

    return handle_escalate
