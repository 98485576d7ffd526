"""Which conversation a Slack message belongs to: Assistant threads (remembered when Slack
starts them) versus ordinary threads in a DM, which share the DM's conversation."""

from __future__ import annotations

import logging
from typing import Any

from bot.errors import StoreUnavailable
from bot.services import StateStore

logger = logging.getLogger(__name__)


def conversation_key(channel: str, thread_ts: str | None) -> str:
    """One key per conversation: a thread (channel or assistant), or a DM's top level."""
    return f"{channel}:{thread_ts}" if thread_ts else f"im:{channel}"


def _assistant_key(channel: str, thread_ts: str) -> str:
    return f"assistant-thread:{channel}:{thread_ts}"


def remember_assistant_thread(state: StateStore, channel: str, thread_ts: str, ttl_s: int) -> None:
    """Record that Slack opened an Assistant thread here (`assistant_thread_started`)."""
    try:
        state.put(_assistant_key(channel, thread_ts), {"assistant": True}, ttl_s)
    except StoreUnavailable:
        logger.warning("could not remember an assistant thread")


def is_assistant_thread(state: StateStore, channel: str, thread_ts: str | None) -> bool:
    """True for a thread Slack opened as an Assistant thread."""
    if not thread_ts:
        return False
    try:
        return state.get(_assistant_key(channel, thread_ts)) is not None
    except StoreUnavailable:
        return False


def in_assistant_thread(state: StateStore, event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A DM message belongs to an Assistant thread when Slack says so (`assistant_thread`) or the
    thread was started as one; a reply under the bot's own DM post never does."""
    thread_ts = event.get("thread_ts")
    if not thread_ts or (bot_user_id and event.get("parent_user_id") == bot_user_id):
        return False
    if isinstance(event.get("assistant_thread"), dict):
        return True
    return is_assistant_thread(state, str(event.get("channel", "")), str(thread_ts))


def dm_conversation(
    state: StateStore, channel: str, thread_ts: str | None, *, active: Any = None
) -> str:
    """The conversation of a message or click in `channel`: in a DM, an ordinary thread is part
    of the DM (so typed walkthrough answers under the bot's card count), an Assistant thread is
    its own; in a channel every thread is its own. `active(key)` says whether a walkthrough runs
    under a key (a thread that has its own walkthrough keeps it)."""
    thread = conversation_key(channel, thread_ts)
    if not thread_ts:
        return thread
    if not channel.startswith("D") or is_assistant_thread(state, channel, thread_ts):
        return thread
    if active is not None and active(thread):
        return thread
    return conversation_key(channel, None)
