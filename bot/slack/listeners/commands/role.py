"""`/hirebot-role`: start the walkthrough in the user's DM (or recommend from the text given)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.conversation import dialog_reply
from bot.services import Services
from bot.slack.blocks import build_reply
from bot.slack.listeners.common import conversation_key


def handler(services: Services) -> Any:
    """Build the listener bound to `services`."""

    def handle_role_command(
        ack: Any, command: dict[str, Any], client: WebClient, respond: Any
    ) -> None:
        ack()
        user, text = command.get("user_id"), (command.get("text") or "").strip()
        if not user:
            return  # not sent by a person: there is no one to DM
        channel = client.conversations_open(users=user)["channel"]["id"]
        if len(text.split()) >= 5:  # a situation to pick for, not a bare command
            reply = services.conversations.recommend(
                conversation=conversation_key(channel, None), user=user, text=text
            )
        else:
            reply = dialog_reply(services.roles.start(conversation_key(channel, None)))
        escalation = services.settings.escalation_channel is not None
        fallback, blocks = build_reply(reply, escalation=escalation)
        client.chat_postMessage(channel=channel, text=fallback, blocks=blocks)
        respond(text="I've sent you a DM to pick the right role.", response_type="ephemeral")

    return handle_role_command
