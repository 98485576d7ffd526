"""The "what was wrong?" modal submitted: keep the comment for `hirebot gaps`, and thank the
person in the modal (or show why it was not kept, under the text box)."""

from __future__ import annotations

import logging
from typing import Any

from bot.services import Services
from bot.slack.blocks import COMMENT_BLOCK, COMMENT_INPUT, build_feedback_thanks_view

logger = logging.getLogger(__name__)
NOT_KEPT = "Sorry — I couldn't keep that just now. Please try again in a moment."


def comment_of(view: dict[str, Any]) -> str:
    """The text typed into the modal."""
    values = (view.get("state") or {}).get("values") or {}
    return str((values.get(COMMENT_BLOCK) or {}).get(COMMENT_INPUT, {}).get("value") or "")


def handler(services: Services) -> Any:
    """Build the listener bound to `services`."""

    def handle_feedback_comment_submitted(
        ack: Any, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        try:
            result = services.conversations.record_feedback_comment(
                answer_id=str(view.get("private_metadata", "")),
                user=body["user"]["id"],
                text=comment_of(view),
            )
        except Exception:
            logger.exception("comment not kept")
            ack(response_action="errors", errors={COMMENT_BLOCK: NOT_KEPT})
            return
        if not result.recorded:
            ack(response_action="errors", errors={COMMENT_BLOCK: result.message})
            return
        ack(response_action="update", view=build_feedback_thanks_view(result.message))

    return handle_feedback_comment_submitted
