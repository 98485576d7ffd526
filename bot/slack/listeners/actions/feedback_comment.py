""" "Tell me what was wrong" (offered after a 👎): open the optional comment modal."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.slack.blocks import build_feedback_modal


def handler() -> Any:
    """Build the listener."""

    def handle_feedback_comment(
        ack: Any, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        view = build_feedback_modal(str(action.get("value", "")))
        client.views_open(trigger_id=body["trigger_id"], view=view)

    return handle_feedback_comment
