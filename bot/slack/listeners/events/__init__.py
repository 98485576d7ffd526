"""Events API listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.services import Services
from bot.slack.delivery import Delivery
from bot.slack.listeners.events import (
    app_home_opened,
    app_mention,
    direct_message,
    messages_tab,
)


def _tab(name: str) -> Any:
    def opened(event: dict[str, Any]) -> bool:
        return event.get("tab", "home") == name

    return opened


def register(app: App, services: Services, delivery: Delivery) -> None:
    """Register event listeners (`app_home_opened` by tab: the Home tab, or the Messages tab
    where the agent view starts a conversation)."""
    app.event("app_mention")(app_mention.handler(services, delivery))
    app.event("message")(direct_message.handler(services, delivery))
    app.event("app_home_opened", matchers=[_tab("messages")])(messages_tab.handler())
    app.event("app_home_opened", matchers=[_tab("home")])(app_home_opened.handler(services))
