"""`app_home_opened` on the Messages tab: under Slack's agent view this is where a person
starts talking to hirebot, so it sets up to four suggested prompts at the top of the tab.
They are set without `thread_ts`: with it, Slack drops an agent-view call silently."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.slack.blocks import SUGGESTED_PROMPTS, SUGGESTED_PROMPTS_TITLE
from bot.slack.listeners.common import best_effort


def is_messages_tab(event: dict[str, Any]) -> bool:
    """The person opened the app's Messages tab (the agent DM)."""
    return event.get("tab") == "messages" and bool(event.get("channel"))


def handler() -> Any:
    """Build the listener."""

    def handle_messages_tab_opened(event: dict[str, Any], client: WebClient) -> None:
        if not is_messages_tab(event):
            return
        best_effort(
            client.assistant_threads_setSuggestedPrompts,
            channel_id=event["channel"],
            title=SUGGESTED_PROMPTS_TITLE,
            prompts=list(SUGGESTED_PROMPTS),
        )

    return handle_messages_tab_opened
