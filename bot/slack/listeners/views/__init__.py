"""Modal (view_submission) listeners."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.blocks import FEEDBACK_MODAL
from bot.slack.listeners.views import feedback_comment


def register(app: App, services: Services) -> None:
    """Register modal submission listeners, by callback id."""
    app.view(FEEDBACK_MODAL)(feedback_comment.handler(services))
