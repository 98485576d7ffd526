"""Listener registration, one Slack surface per sub-package."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.listeners import actions, assistant, commands, events


def register(app: App, services: Services) -> None:
    """Register every listener on `app`."""
    assistant.register(app, services)  # before events: it claims DM threads (assistant threads)
    events.register(app, services)
    actions.register(app, services)
    commands.register(app, services)
