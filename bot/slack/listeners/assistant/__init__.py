"""Slack's AI Assistant surface (bolt `Assistant` middleware), for Assistant threads only.

bolt would treat every threaded DM message as an Assistant-thread message; the matcher keeps
ordinary DM threads (a reply under the bot's own answer or walkthrough card) on the DM path.
`assistant_thread_context_changed` is not subscribed to: hirebot does not use the context."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Assistant, BoltContext

from bot.services import Services
from bot.slack.delivery import Delivery
from bot.slack.listeners.assistant import thread_started, user_message
from bot.slack.threads import in_assistant_thread


def register(app: App, services: Services, delivery: Delivery) -> None:
    """Attach an Assistant with thread-started and user-message listeners."""

    def assistant_thread_message(body: dict[str, Any], context: BoltContext) -> bool:
        event = body.get("event") or {}
        return in_assistant_thread(services.state, event, context.bot_user_id)

    assistant = Assistant()
    assistant.thread_started(thread_started.handler(services, delivery))
    assistant.user_message(
        user_message.handler(services, delivery),
        matchers=[assistant_thread_message],  # type: ignore[arg-type]  # bolt concatenates a list
    )
    app.use(assistant)
