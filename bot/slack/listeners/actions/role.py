"""Walkthrough buttons (`role_*`): answer, back, start over, cancel, start, show a brief."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.conversation import DialogView, dialog_reply
from bot.services import Services
from bot.slack.blocks import (
    ROLE_BACK,
    ROLE_BRIEF,
    ROLE_CANCEL,
    ROLE_RESTART,
    ROLE_START,
    build_brief_blocks,
    build_error_message,
    build_reply,
)
from bot.slack.listeners.common import action_context, dm_conversation
from bot.types import ROLE_IDS

logger = logging.getLogger(__name__)


def dispatch(
    services: Services, conversation: str, action_id: str, value: str
) -> DialogView | None:
    """Route one click to the dialog (pure routing, no Slack calls); None = not a dialog view."""
    dialog = services.roles
    if action_id.startswith("role_choose"):
        walk_id, question_id, option_id = [*value.split("|"), "", "", ""][:3]
        return dialog.click(conversation, walk_id, question_id, option_id)
    if action_id == ROLE_BACK:
        return dialog.back(conversation, value)
    if action_id == ROLE_RESTART:
        return dialog.restart(conversation, value)
    if action_id == ROLE_CANCEL:
        return dialog.cancel(conversation)
    if action_id == ROLE_START:
        return dialog.start(conversation)
    return None


def handler(services: Services) -> Any:
    """Build the listener bound to `services`."""

    def handle_role_action(
        ack: Any, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        user, channel, message_ts, thread_ts = action_context(body)
        action_id, value = action["action_id"], str(action.get("value", ""))
        try:
            if action_id == ROLE_BRIEF:
                role = value if value in ROLE_IDS else "ai_engineer"
                blocks = build_brief_blocks(services.roles.briefs.build(role))
                client.chat_postMessage(
                    channel=channel, thread_ts=thread_ts, text="Hiring brief", blocks=blocks
                )
                return
            if not channel or (body.get("view") and not message_ts):  # App Home: go to the DM
                channel = client.conversations_open(users=user)["channel"]["id"]
                message_ts = thread_ts = None
            conversation = dm_conversation(
                services.state, channel, thread_ts, active=services.roles.is_active
            )
            view = dispatch(services, conversation, action_id, value)
            if view is None:
                logger.warning("unknown role action", extra={"action_id": action_id})
                return
            text, blocks = build_reply(dialog_reply(view))
        except Exception:
            logger.exception("role action failed", extra={"action_id": action_id})
            text, blocks = build_error_message()
        if message_ts and action_id != ROLE_START:
            client.chat_update(channel=channel, ts=message_ts, text=text, blocks=blocks)
        else:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text, blocks=blocks)

    return handle_role_action
