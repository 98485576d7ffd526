"""Slack's AI Assistant surface (bolt `Assistant` middleware)."""

from __future__ import annotations

from slack_bolt import App, Assistant

from bot.services import Services
from bot.slack.listeners.assistant import thread_started, user_message


def register(app: App, services: Services) -> None:
    """Attach an Assistant with thread-started and user-message listeners."""
    assistant = Assistant()
    assistant.thread_started(thread_started.handler(services))
    assistant.user_message(user_message.handler(services))
    app.use(assistant)
