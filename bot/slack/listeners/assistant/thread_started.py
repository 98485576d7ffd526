"""Assistant thread started (Slack's older assistant view, kept until a workspace switches to
the agent view): remember the thread, greet and offer suggested prompts."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.services import Services
from bot.slack.blocks import ASSISTANT_GREETING, SUGGESTED_PROMPTS, SUGGESTED_PROMPTS_TITLE
from bot.slack.delivery import Delivery
from bot.slack.listeners.common import say_once
from bot.slack.threads import remember_assistant_thread


def handler(services: Services, delivery: Delivery) -> Any:
    """Build the listener bound to `services`."""

    def handle_thread_started(
        event: dict[str, Any], set_suggested_prompts: Any, client: WebClient, context: BoltContext
    ) -> None:
        thread = event.get("assistant_thread") or {}
        channel, thread_ts = str(thread.get("channel_id", "")), str(thread.get("thread_ts", ""))
        remember_assistant_thread(services.state, channel, thread_ts, services.settings.state_ttl_s)
        say_once(
            client,
            delivery.ticket(context),
            channel=channel,
            thread_ts=thread_ts,
            text=ASSISTANT_GREETING,
        )
        set_suggested_prompts(prompts=list(SUGGESTED_PROMPTS), title=SUGGESTED_PROMPTS_TITLE)

    return handle_thread_started
