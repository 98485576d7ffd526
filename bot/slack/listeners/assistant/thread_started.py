"""Assistant thread started: greet and offer suggested prompts."""

from __future__ import annotations

from typing import Any

from bot.services import Services
from bot.slack.blocks import ASSISTANT_GREETING, SUGGESTED_PROMPTS


def handler(services: Services) -> Any:
    """Build the listener bound to `services`."""

    def handle_thread_started(say: Any, set_suggested_prompts: Any) -> None:
        say(ASSISTANT_GREETING)
        set_suggested_prompts(prompts=list(SUGGESTED_PROMPTS), title="Try one of these:")

    return handle_thread_started
