"""Helpers shared by listeners: answering under the event's inbox ticket (once, with the reply
marked by its event), safe replies, structured logging."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.conversation import Reply
from bot.services import Services
from bot.slack.blocks import Block, build_busy_message, build_error_message, build_reply
from bot.slack.delivery import Delivery, Ticket
from bot.slack.mrkdwn import decode_incoming
from bot.slack.replies import PriorReply, ReplyMark, find_reply
from bot.slack.streaming import ReplyStream, post_reply
from bot.slack.threads import conversation_key, dm_conversation

__all__ = ["conversation_key", "decode_incoming", "dm_conversation"]

logger = logging.getLogger("bot.slack")


def safe_reply(
    services: Services,
    *,
    conversation: str,
    user: str,
    text: str,
    event: dict[str, Any],
    on_text: Callable[[str], None] | None = None,
    history: Sequence[str] = (),
) -> tuple[str, list[Block], Reply | None]:
    """Run the core; on any unexpected error log it and return the fixed friendly message."""
    started = time.perf_counter()
    try:
        reply = services.conversations.respond(
            conversation=conversation, user=user, text=text, on_text=on_text, history=history
        )
    except Exception:
        logger.exception("failed to answer", extra=_log_fields(event, started, "error"))
        fallback, blocks = build_error_message()
        return fallback, blocks, None
    outcome: str = reply.route
    extra = _log_fields(event, started, outcome)
    if services.settings.debug:
        extra["question"] = text
    logger.info("replied", extra=extra)
    escalation = services.settings.escalation_channel is not None
    fallback, blocks = build_reply(reply, escalation=escalation)
    return fallback, blocks, reply


def answer_in(
    services: Services,
    client: WebClient,
    *,
    channel: str,
    thread_ts: str | None,
    conversation: str,
    text: str,
    event: dict[str, Any],
    ticket: Ticket | None = None,
    team: str | None = None,
    history: Sequence[str] = (),
) -> Reply | None:
    """Answer a user's message in `channel` (and thread), streaming generated answers; the
    final message always carries the full answer blocks and the event's reply metadata. An
    event taken over from an earlier attempt that already replied is not answered again; a
    placeholder that attempt left is completed. `team` is the workspace (streaming to a
    channel names its recipient)."""
    user = event.get("user", "")
    mark = reply_mark(ticket, channel=channel, thread_ts=thread_ts, event=event)
    prior = earlier_reply(client, ticket, mark)
    if prior is not None and prior.final:
        logger.info("already answered", extra={"event_id": mark.event_id if mark else None})
        return None
    event = {**event, "event_id": ticket.event_id if ticket else None}
    stream = ReplyStream(
        client,
        channel=channel,
        thread_ts=thread_ts,
        user=user,
        team=event.get("team") or team,
        mark=mark,
        resume=prior,
        on_placeholder=ticket.remember_placeholder if ticket else None,
    )
    fallback, blocks, reply = safe_reply(
        services,
        conversation=conversation,
        user=user,
        text=text,
        event=event,
        on_text=stream.append,
        history=history,
    )
    answer = reply.answer if reply is not None else None
    stream.finish(fallback, blocks, answer.sources if answer and answer.grounded else ())
    return reply


def say_once(
    client: WebClient,
    ticket: Ticket | None,
    *,
    channel: str,
    thread_ts: str | None,
    text: str,
    blocks: list[Block] | None = None,
) -> None:
    """Post one message for the event (a greeting): marked, and not again on a takeover that
    finds it posted."""
    mark = reply_mark(ticket, channel=channel, thread_ts=thread_ts, event={})
    if earlier_reply(client, ticket, mark) is None:
        post_reply(
            client, channel=channel, thread_ts=thread_ts, text=text, blocks=blocks, mark=mark
        )


def reply_mark(
    ticket: Ticket | None, *, channel: str, thread_ts: str | None, event: dict[str, Any]
) -> ReplyMark | None:
    """The metadata mark of the reply to the ticket's event (None outside an answer worker)."""
    if ticket is None:
        return None
    since = event.get("ts") or event.get("event_ts")
    return ReplyMark(ticket.event_id, channel, thread_ts, str(since) if since else None)


def earlier_reply(
    client: WebClient, ticket: Ticket | None, mark: ReplyMark | None
) -> PriorReply | None:
    """On a takeover, the reply (or placeholder) an earlier attempt left: found by its
    metadata in Slack, else the opened stream the inbox recorded."""
    if ticket is None or mark is None or not ticket.taken_over:
        return None
    return find_reply(client, mark) or ticket.placeholder


def answer_later(
    delivery: Delivery,
    context: Any,
    client: WebClient,
    *,
    channel: str,
    thread_ts: str | None,
    work: Callable[[], object],
) -> None:
    """Run `work` (which answers in `channel`/`thread_ts`) under the event's inbox ticket; when
    the inbox was full, say so in the same place instead."""

    def busy() -> None:
        text, blocks = build_busy_message()
        post_reply(client, channel=channel, thread_ts=thread_ts, text=text, blocks=blocks)

    delivery.run(context, work, on_busy=busy)


STATUS = "is looking through the hiring knowledge base…"


@contextmanager
def status_shown(client: WebClient, *, channel: str, thread_ts: str, clear: bool) -> Iterator[None]:
    """Show hirebot's status on the thread `thread_ts` (a DM message's own ts when it is not
    in a thread) while the block runs. Slack removes it when hirebot replies in that thread;
    `clear` removes it afterwards for a reply posted elsewhere (at the DM's top level)."""
    set_status = client.assistant_threads_setStatus
    best_effort(set_status, channel_id=channel, thread_ts=thread_ts, status=STATUS)
    try:
        yield
    finally:
        if clear:
            best_effort(set_status, channel_id=channel, thread_ts=thread_ts, status="")


def best_effort(call: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """A cosmetic Slack call (status, title, suggested prompts): its failure must not stop the
    answer."""
    try:
        call(*args, **kwargs)
    except SlackApiError as exc:
        logger.warning("slack call skipped", extra={"error": str(exc.response.get("error"))})
    except OSError as exc:  # a timeout or a dropped connection
        logger.warning("slack call skipped", extra={"error": type(exc).__name__})


def _log_fields(event: dict[str, Any], started: float, outcome: str) -> dict[str, Any]:
    return {
        "event_id": event.get("event_id"),
        "event_ts": event.get("event_ts") or event.get("ts"),
        "channel": event.get("channel"),
        "outcome": outcome,
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def action_context(body: dict[str, Any]) -> tuple[str, str, str | None, str | None]:
    """(user, channel, message ts, thread ts) of a block action (a click in an ephemeral
    message has no message: its thread is its container's)."""
    message = body.get("message") or {}
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id", "")
    thread_ts = message.get("thread_ts") or (container.get("thread_ts") if not message else None)
    return body["user"]["id"], channel, message.get("ts"), thread_ts
