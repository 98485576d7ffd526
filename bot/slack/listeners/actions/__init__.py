"""Interactive (block_actions) listeners."""

from __future__ import annotations

import re

from slack_bolt import App

from bot.services import Services
from bot.slack.listeners.actions import feedback, role


def register(app: App, services: Services) -> None:
    """Register action listeners, routed by action id prefix."""
    app.action(re.compile(r"^feedback_"))(feedback.handler(services))
    app.action(re.compile(r"^role_"))(role.handler(services))
