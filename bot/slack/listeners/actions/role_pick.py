""" "Pick this role" on a walkthrough result card: follow-ups in the conversation are about the
picked role, and its hiring brief is posted in the thread (the recommended role's brief is in
the result already)."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.services import Services
from bot.slack.blocks import RECOMMENDED, build_error_message, build_pick_blocks, card_of
from bot.slack.listeners.common import action_context, dm_conversation

logger = logging.getLogger(__name__)


def handler(services: Services) -> Any:
    """Build the listener bound to `services`."""

    def handle_role_pick(
        ack: Any, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        user, channel, message_ts, thread_ts = action_context(body)
        shown = card_of(str(action.get("block_id", ""))) == RECOMMENDED
        conversation = dm_conversation(
            services.state, channel, thread_ts, active=services.roles.is_active
        )
        try:
            pick = services.conversations.pick_role(
                conversation=conversation, role=str(action.get("value", "")), brief=not shown
            )
            text, blocks = build_pick_blocks(pick.role, pick.brief)
        except Exception:
            logger.exception("role pick failed", extra={"user": user})
            text, blocks = build_error_message()
        client.chat_postMessage(
            channel=channel, thread_ts=thread_ts or message_ts, text=text, blocks=blocks
        )

    return handle_role_pick
