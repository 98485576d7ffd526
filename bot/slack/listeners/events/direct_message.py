"""`message` in a DM: answer in the DM (in the thread, for a reply in a thread), with hirebot's
status shown on the message while it works; ignore bots (including ourselves), edits and other
subtypes. Under Slack's agent view every message in the Messages tab arrives here; Assistant
threads (the older assistant view) are handled by the Assistant listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.services import Services
from bot.slack.delivery import Delivery
from bot.slack.listeners.common import (
    answer_in,
    answer_later,
    decode_incoming,
    dm_conversation,
    status_shown,
)


def is_user_dm(event: dict[str, Any]) -> bool:
    """A plain message a person sent in a DM (no subtype, no bot, not an edit)."""
    return (
        event.get("channel_type") == "im"
        and event.get("subtype") is None
        and event.get("bot_id") is None
        and bool(event.get("user"))
    )


def handler(services: Services, delivery: Delivery) -> Any:
    """Build the listener bound to `services`."""

    def handle_direct_message(
        event: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        if not is_user_dm(event):
            return
        channel, thread_ts = event["channel"], event.get("thread_ts")
        conversation = dm_conversation(
            services.state, channel, thread_ts, active=services.roles.is_active
        )

        def work() -> None:
            status_on = str(thread_ts or event.get("ts") or "")
            with status_shown(client, channel=channel, thread_ts=status_on, clear=not thread_ts):
                answer_in(
                    services,
                    client,
                    channel=channel,
                    thread_ts=thread_ts,
                    conversation=conversation,
                    text=decode_incoming(event.get("text")),
                    event=event,
                    ticket=delivery.ticket(context),
                    team=context.team_id,
                )

        answer_later(delivery, context, client, channel=channel, thread_ts=thread_ts, work=work)

    return handle_direct_message
