"""Assistant thread message: show status while working, answer, and title the thread."""

from __future__ import annotations

from typing import Any

from bot.services import Services
from bot.slack.blocks import clip
from bot.slack.listeners.common import safe_reply, strip_mentions

STATUS = "is looking through the hiring knowledge base…"


def handler(services: Services) -> Any:
    """Build the listener bound to `services`."""

    def handle_user_message(
        payload: dict[str, Any], set_status: Any, set_title: Any, say: Any
    ) -> None:
        text = strip_mentions(payload.get("text"))
        set_status(STATUS)
        fallback, blocks, reply = safe_reply(
            services,
            conversation=f"{payload['channel']}:{payload['thread_ts']}",
            user=payload.get("user", ""),
            text=text,
            event=payload,
        )
        if reply is not None and reply.kind == "answer" and text:
            set_title(clip(text, 60))
        say(text=fallback, blocks=blocks)

    return handle_user_message
