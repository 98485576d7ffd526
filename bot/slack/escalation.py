"""Taking a question to the recruiting team: one click on "Ask the recruiting team" posts the
question, a link to its thread and what hirebot answered to `HIREBOT_ESCALATION_CHANNEL`, once
per answer whoever clicks and however often (across replicas: the core hands the click to
exactly one sender), and records the request for `hirebot gaps`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import Services
from bot.slack.blocks import build_escalation_post

logger = logging.getLogger(__name__)
Sent = Literal["posted", "sent", "sending", "unknown", "off", "failed"]


@dataclass(frozen=True, slots=True)
class Clicked:
    """Where "Ask the recruiting team" was clicked: by whom, on which answer, and the message
    it sits under (for the link to the thread)."""

    user: str
    answer_id: str
    channel: str
    message_ts: str | None


@dataclass(frozen=True, slots=True)
class EscalationResult:
    """What became of a click, and the recruiting team's channel."""

    status: Sent
    channel: str | None = None


def escalate(services: Services, client: WebClient, clicked: Clicked) -> EscalationResult:
    """Post the request once (see the module docstring); the outcome for the person who
    clicked."""
    team = services.settings.escalation_channel
    if team is None:
        return EscalationResult("off")
    conversations = services.conversations
    claim = conversations.claim_escalation(answer_id=clicked.answer_id)
    if claim.status == "sent" or claim.status == "sending":
        return EscalationResult(claim.status, channel=team)
    if claim.request is None:
        return EscalationResult("unknown", channel=team)
    text, blocks = build_escalation_post(
        claim.request, sender=clicked.user, link=permalink(client, clicked)
    )
    try:
        posted = client.chat_postMessage(channel=team, text=text, blocks=blocks)
    except (SlackApiError, OSError) as exc:
        error = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
        logger.error("could not ask the recruiting team", extra={"error": str(error)})
        conversations.abandon_escalation(claim)
        return EscalationResult("failed", channel=team)
    where = f"{team}/{posted.get('ts', '')}"
    conversations.complete_escalation(claim, user=clicked.user, where=where)
    logger.info("asked the recruiting team", extra={"answer_id": clicked.answer_id})
    return EscalationResult("posted", channel=team)


def permalink(client: WebClient, clicked: Clicked) -> str | None:
    """A link to the answer's message, in its thread; None in a DM (the recruiting team could
    not open it) or when Slack has none."""
    if not clicked.channel or not clicked.message_ts or clicked.channel.startswith("D"):
        return None
    try:
        found = client.chat_getPermalink(channel=clicked.channel, message_ts=clicked.message_ts)
    except (SlackApiError, OSError) as exc:
        logger.info("no link to the thread", extra={"error": type(exc).__name__})
        return None
    link = found.get("permalink")
    return str(link) if link else None
