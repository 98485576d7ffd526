"""`app_home_opened`: publish the Home tab."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.services import Services
from bot.slack.blocks import build_home_view

logger = logging.getLogger(__name__)


def handler(services: Services) -> Any:
    """Build the listener bound to `services`."""

    def handle_app_home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        stats = services.knowledge_stats()
        view = build_home_view(
            chunks=stats["chunks"],
            documents=stats["documents"],
            feedback=stats["feedback"],
            gaps=services.home_gaps(event["user"]),
        )
        client.views_publish(user_id=event["user"], view=view)

    return handle_app_home_opened
