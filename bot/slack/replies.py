"""Idempotent replies: every reply carries Slack message metadata naming the event it answers,
so that an answer whose outcome is unknown (a post that timed out, an event taken over from a
replica that died) is looked up in the thread or DM before anything is posted again.

A reply's metadata is `{"event_type": "hirebot_reply", "event_payload": {"event_id": ...,
"final": true|false}}`: `final` is false on a placeholder (the first streamed sentence) and true
once the message holds the whole answer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)
REPLY_EVENT_TYPE = "hirebot_reply"
PAGE_SIZE = 200
MAX_PAGES = 5  # a thread or DM this busy since the event is searched no further
# Slack errors after which the message may or may not have been posted
UNCERTAIN_ERRORS = frozenset(
    {"internal_error", "fatal_error", "request_timeout", "service_unavailable"}
)


class ReplyUncertain(Exception):
    """A reply may or may not have been posted, and Slack cannot be asked right now: the event
    is left in the inbox and tried again later (looking for the reply first)."""


@dataclass(frozen=True, slots=True)
class ReplyMark:
    """Where the reply to one event goes, and the metadata that marks it as that reply."""

    event_id: str
    channel: str
    thread_ts: str | None
    since_ts: str | None = None  # the event's own ts: its reply comes later

    def metadata(self, *, final: bool) -> dict[str, Any]:
        """Slack message metadata for the reply (a placeholder while not `final`)."""
        return {
            "event_type": REPLY_EVENT_TYPE,
            "event_payload": {"event_id": self.event_id, "final": final},
        }


@dataclass(frozen=True, slots=True)
class PriorReply:
    """A message an earlier attempt posted for the same event."""

    ts: str
    final: bool
    streaming: bool = False  # a chat stream the earlier attempt opened and never closed


def find_reply(client: WebClient, mark: ReplyMark) -> PriorReply | None:
    """The message already posted for `mark`'s event, read from the thread (or the DM) with
    its metadata; None when there is none. When Slack cannot be reached, raises ReplyUncertain;
    when it refuses to show the history (a missing scope), logs it and returns None."""
    kwargs: dict[str, Any] = {
        "channel": mark.channel,
        "include_all_metadata": True,
        "limit": PAGE_SIZE,
    }
    if mark.since_ts:
        kwargs["oldest"] = mark.since_ts
    if mark.thread_ts:
        kwargs["ts"] = mark.thread_ts
    read = client.conversations_replies if mark.thread_ts else client.conversations_history
    for _ in range(MAX_PAGES):
        try:
            page = read(**kwargs)
        except SlackApiError as exc:
            error = str(exc.response.get("error")) if exc.response is not None else "unknown"
            if error in UNCERTAIN_ERRORS or error == "ratelimited":
                raise ReplyUncertain(f"cannot read the conversation: {error}") from exc
            logger.warning(
                "cannot look for an earlier reply", extra={"channel": mark.channel, "error": error}
            )
            return None
        except Exception as exc:  # timeout, dropped connection: ask again later
            raise ReplyUncertain(f"cannot read the conversation: {type(exc).__name__}") from exc
        for message in page.get("messages") or []:
            found = _prior(message, mark.event_id)
            if found is not None:
                return found
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
        kwargs["cursor"] = cursor
    return None


def _prior(message: dict[str, Any], event_id: str) -> PriorReply | None:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    if metadata.get("event_type") != REPLY_EVENT_TYPE or payload.get("event_id") != event_id:
        return None
    return PriorReply(ts=str(message.get("ts")), final=bool(payload.get("final")))


def post_once(
    client: WebClient,
    *,
    channel: str,
    thread_ts: str | None,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    mark: ReplyMark | None = None,
    final: bool = True,
) -> dict[str, Any]:
    """`chat.postMessage`, marked with `mark`'s metadata. When the outcome is unknown (a
    timeout, a dropped connection, a Slack-side error), the reply is looked up and posted again
    only if it is not there. Returns Slack's answer (at least `ts`); raises SlackApiError when
    Slack refused the message, ReplyUncertain when whether it was posted cannot be told."""
    kwargs: dict[str, Any] = {"channel": channel, "thread_ts": thread_ts, "text": text}
    if blocks is not None:
        kwargs["blocks"] = blocks
    if mark is not None:
        kwargs["metadata"] = mark.metadata(final=final)
    for attempt in (1, 2):
        try:
            return dict(client.chat_postMessage(**kwargs).data)  # type: ignore[arg-type]
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            if error not in UNCERTAIN_ERRORS and int(exc.response.status_code) < 500:
                raise  # refused: nothing was posted
            reason = error
        except Exception as exc:  # timeout or dropped connection after the request went out
            reason = type(exc).__name__
        if mark is None:
            raise ReplyUncertain(f"chat.postMessage failed ({reason}); unmarked, not retried")
        logger.warning(
            "reply outcome unknown; looking for it",
            extra={"event_id": mark.event_id, "reason": reason, "attempt": attempt},
        )
        found = find_reply(client, mark)
        if found is not None:
            logger.info("the reply had been posted", extra={"event_id": mark.event_id})
            return {"ok": True, "channel": channel, "ts": found.ts}
    raise ReplyUncertain("chat.postMessage failed twice with an unknown outcome")
