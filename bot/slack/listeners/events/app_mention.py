"""`app_mention`: answer in the thread of the mention (in a thread hirebot has not answered in
yet, the earlier messages are its context)."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.services import Services
from bot.slack.delivery import Delivery
from bot.slack.history import late_join_context
from bot.slack.listeners.common import answer_in, answer_later, conversation_key, decode_incoming


def handler(services: Services, delivery: Delivery) -> Any:
    """Build the listener bound to `services`."""

    def handle_app_mention(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if not event.get("channel") or not event.get("ts"):
            return  # not a message a person sent: nothing to answer, nowhere to answer it
        channel, thread_ts = event["channel"], event.get("thread_ts") or event["ts"]
        conversation = conversation_key(channel, thread_ts)

        def work() -> None:
            history = late_join_context(
                services, client, event, conversation=conversation, bot_user_id=context.bot_user_id
            )
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
                history=history,
            )

        answer_later(delivery, context, client, channel=channel, thread_ts=thread_ts, work=work)

    return handle_app_mention
