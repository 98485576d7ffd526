"""Assistant thread started: remember the thread, greet and offer suggested prompts."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from bot.services import Services
from bot.slack.blocks import ASSISTANT_GREETING, SUGGESTED_PROMPTS
from bot.slack.delivery import Delivery
from bot.slack.threads import remember_assistant_thread


def handler(services: Services, delivery: Delivery) -> Any:
    """Build the listener bound to `services`."""

    def handle_thread_started(
        event: dict[str, Any], say: Any, set_suggested_prompts: Any, context: BoltContext
    ) -> None:
        thread = event.get("assistant_thread") or {}
        remember_assistant_thread(
            services.state,
            str(thread.get("channel_id", "")),
            str(thread.get("thread_ts", "")),
            services.settings.state_ttl_s,
        )
        say(ASSISTANT_GREETING)
        set_suggested_prompts(prompts=list(SUGGESTED_PROMPTS), title="Try one of these:")
        delivery.finish(context)

    return handle_thread_started
