"""Interactive (block_actions) listeners, routed by action id (the first match wins)."""

from __future__ import annotations

import re

from slack_bolt import App

from bot.services import Services
from bot.slack.blocks import ESCALATE, FEEDBACK, FEEDBACK_COMMENT, ROLE_PICK
from bot.slack.listeners.actions import escalate, feedback, feedback_comment, role, role_pick


def register(app: App, services: Services) -> None:
    """Register action listeners: feedback (Slack's feedback buttons and the older 👍/👎
    buttons), the "what was wrong?" modal, escalation, picking a role, the walkthrough."""
    app.action(re.compile(rf"^({FEEDBACK}|feedback_up|feedback_down)$"))(feedback.handler(services))
    app.action(FEEDBACK_COMMENT)(feedback_comment.handler())
    app.action(ESCALATE)(escalate.handler(services))
    app.action(ROLE_PICK)(role_pick.handler(services))
    app.action(re.compile(r"^role_"))(role.handler(services))
