"""Events API listeners."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.delivery import Delivery
from bot.slack.listeners.events import app_home_opened, app_mention, direct_message


def register(app: App, services: Services, delivery: Delivery) -> None:
    """Register event listeners."""
    app.event("app_mention")(app_mention.handler(services, delivery))
    app.event("message")(direct_message.handler(services, delivery))
    app.event("app_home_opened")(app_home_opened.handler(services))
