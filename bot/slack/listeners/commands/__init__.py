"""Slash commands."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.listeners.commands import role

SLASH_COMMAND = "/hirebot-role"


def register(app: App, services: Services) -> None:
    """Register slash-command listeners."""
    app.command(SLASH_COMMAND)(role.handler(services))
