"""Listener registration, one Slack surface per sub-package."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.delivery import Delivery
from bot.slack.listeners import actions, assistant, commands, events, views


def register(app: App, services: Services, delivery: Delivery) -> None:
    """Register every listener on `app`; event replies run through `delivery`."""
    assistant.register(app, services, delivery)  # before events: it claims Assistant threads
    events.register(app, services, delivery)
    actions.register(app, services)
    commands.register(app, services)
    views.register(app, services)
