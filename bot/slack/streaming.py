"""Show a generated answer while it is written, then replace it with the final message.

In threads the sentences go through Slack's chat streaming (`chat.startStream` with the first
sentence, `chat.appendStream` at most once a second or per ~256 characters, `chat.stopStream`).
The stream opens with a task step, "Searching the hiring guide", shown before the answer as a
timeline task card; `chat.stopStream` marks it complete with the sources the answer cites.
Elsewhere, or when starting a stream fails for any reason, the first sentence is posted and
the message updated at most once a second. Calls made while the answer streams never sleep out
a rate limit (they skip, or fall back). The final message (the cited answer with its sources
and buttons, or the extractive answer when generation failed part-way) always replaces what
was streamed, with `chat.update` of the same message.

Every message carries the event's reply metadata (bot/slack/replies.py): a placeholder is
marked not final, the final message final. An event taken over from a replica that died resumes
the placeholder that replica left (found by its metadata, or by the inbox note of an opened
chat stream, which cannot carry metadata) instead of posting a second message."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.blocks import Block
from bot.slack.client import without_retries
from bot.slack.mrkdwn import mrkdwn
from bot.slack.replies import PriorReply, ReplyMark, find_reply, post_once
from bot.text import clip
from bot.types import Citation

logger = logging.getLogger(__name__)
MIN_INTERVAL_S = 1.0  # chat.update is Tier 3 (~50/min), chat.appendStream Tier 4 (~100/min)
BUFFER_CHARS = 256  # or flush once this much text waits (the SDK's default buffer)
_CITATION = re.compile(r"\[(\d+)\]")
_UNDELIVERABLE = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long"})
SEARCH_TASK = "search"  # the id of the streamed task step
SEARCH_TITLE = "Searching the hiring guide"
TASK_TEXT_LIMIT = 256  # a task update's details and output


class CitationNumbers:
    """Renumbers a generated answer's citations 1..m in order of first use, as the final
    answer's sources list does, so streamed text and sources agree."""

    def __init__(self) -> None:
        self.mapping: dict[int, int] = {}

    def renumber(self, sentence: str) -> str:
        """`sentence` with each `[n]` replaced by its number in the sources list."""

        def new(match: re.Match[str]) -> str:
            n = int(match.group(1))
            return f"[{self.mapping.setdefault(n, len(self.mapping) + 1)}]"

        return _CITATION.sub(new, sentence)


class ReplyStream:
    """Receives guarded sentences (`append`) and delivers the final message (`finish`)."""

    def __init__(
        self,
        client: WebClient,
        *,
        channel: str,
        thread_ts: str | None,
        user: str | None = None,
        team: str | None = None,
        min_interval_s: float = MIN_INTERVAL_S,
        buffer_chars: int = BUFFER_CHARS,
        mark: ReplyMark | None = None,
        resume: PriorReply | None = None,
        on_placeholder: Callable[[str, bool], None] | None = None,
    ) -> None:
        self.client = client
        self.live = without_retries(client)
        self.channel = channel
        self.thread_ts = thread_ts
        self.user = user
        self.team = team
        self.min_interval_s = min_interval_s
        self.buffer_chars = buffer_chars
        self.mark = mark
        self.on_placeholder = on_placeholder
        self.numbers = CitationNumbers()
        self.text = ""
        # the message being streamed or updated (a placeholder an earlier attempt left, too)
        self.ts: str | None = resume.ts if resume else None
        self.native = False  # True while a chat stream is open
        self._orphan_stream = bool(resume and resume.streaming)  # a dead replica's open stream
        self._maybe_posted = False  # a placeholder post whose outcome is unknown
        self._tried_native = False  # one chat.startStream per answer
        self._pending = ""  # streamed text not yet sent with appendStream
        self._last = 0.0
        self._quiet_until = 0.0  # after a rate limit: no calls before this time

    def append(self, sentence: str) -> None:
        """Show one more sentence; never raises and never sleeps (streaming is best effort)."""
        sentence = self.numbers.renumber(sentence)
        self.text = f"{self.text} {sentence}".strip()
        self._pending += sentence + " "
        now = time.monotonic()
        if now < self._quiet_until:
            return
        try:
            if self.ts is None:
                self._start(now)
            elif self.native:
                if (
                    len(self._pending) >= self.buffer_chars
                    or now - self._last >= self.min_interval_s
                ):
                    self.live.chat_appendStream(
                        channel=self.channel, ts=self.ts, chunks=markdown_chunks(self._pending)
                    )
                    self._pending, self._last = "", now
            elif now - self._last >= self.min_interval_s:
                self._close_orphan_stream()
                self.live.chat_update(channel=self.channel, ts=self.ts, text=mrkdwn(self.text))
                self._last = now
        except SlackApiError as exc:
            self._backoff(exc, now)
        except Exception as exc:  # a dropped connection or a timeout: stop streaming updates
            logger.warning("streaming update failed", extra={"error": type(exc).__name__})
            self._quiet_until = float("inf")

    def _start(self, now: float) -> None:
        if self.thread_ts and not self._tried_native:
            self._tried_native = True
            try:
                resp = self.live.chat_startStream(
                    channel=self.channel,
                    thread_ts=self.thread_ts,
                    recipient_team_id=self.team,
                    recipient_user_id=self.user,
                    chunks=[search_step(()), *markdown_chunks(self._pending)],
                    task_display_mode="timeline",
                )
                if resp.get("ts"):
                    self.ts, self.native = str(resp["ts"]), True
                    self._pending, self._last = "", now
                    self._placeholder(self.ts, streaming=True)
                    return
                logger.info("chat.startStream returned no ts, using post-then-update")
            except SlackApiError as exc:
                logger.info(
                    "chat streaming unavailable, using post-then-update",
                    extra={"error": str(exc.response.get("error"))},
                )
        kwargs: dict[str, Any] = {}
        if self.mark is not None:
            kwargs["metadata"] = self.mark.metadata(final=False)
        self._maybe_posted = True  # until Slack answers, it may or may not be posted
        try:
            resp = self.live.chat_postMessage(
                channel=self.channel, thread_ts=self.thread_ts, text=mrkdwn(self.text), **kwargs
            )
        except SlackApiError:
            self._maybe_posted = False  # refused: nothing was posted
            raise
        self._maybe_posted = False
        self.ts, self._pending, self._last = resp.get("ts"), "", now
        if self.ts is None:  # nothing to update later: show the final message only
            self._quiet_until = float("inf")
        else:
            self._placeholder(self.ts, streaming=False)

    def _placeholder(self, ts: str, *, streaming: bool) -> None:
        if self.on_placeholder is not None:
            self.on_placeholder(ts, streaming)

    def _backoff(self, exc: SlackApiError, now: float) -> None:
        error = str(exc.response.get("error"))
        retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get(
            "retry-after"
        )
        wait = float(retry_after[0] if isinstance(retry_after, list) else retry_after or 1.0)
        self._quiet_until = now + (wait if error == "ratelimited" else float("inf"))
        logger.warning("streaming update skipped", extra={"error": error})

    def finish(self, text: str, blocks: list[Block], sources: Sequence[Citation] = ()) -> None:
        """Deliver the final message: close the stream if one is open (its task step complete,
        with the cited `sources`), then replace what was shown with `blocks` (or post them when
        nothing was shown). Raises SlackApiError only when Slack refused the reply outright,
        ReplyUncertain when whether it was posted cannot be told."""
        final: dict[str, Any] = {}
        if self.mark is not None:
            final["metadata"] = self.mark.metadata(final=True)
        if self.native and self.ts is not None:
            pending = markdown_chunks(self._pending) if self._pending.strip() else []
            try:
                self.client.chat_stopStream(
                    channel=self.channel,
                    ts=self.ts,
                    chunks=[search_step(sources, done=True), *pending],
                )
            except SlackApiError as exc:
                logger.warning(
                    "closing the stream failed", extra={"error": str(exc.response.get("error"))}
                )
            self.native = False
        if self.ts is None and self._maybe_posted and self.mark is not None:
            found = find_reply(self.client, self.mark)  # did the lost placeholder land?
            self.ts = found.ts if found is not None else None
        if self.ts is not None:
            self._close_orphan_stream()
            try:
                self.client.chat_update(
                    channel=self.channel, ts=self.ts, text=text, blocks=blocks, **final
                )
                return
            except SlackApiError as exc:
                logger.warning(
                    "replacing the streamed message failed; posting the answer",
                    extra={"error": str(exc.response.get("error"))},
                )
        post_reply(
            self.client,
            channel=self.channel,
            thread_ts=self.thread_ts,
            text=text,
            blocks=blocks,
            mark=self.mark,
        )

    def _close_orphan_stream(self) -> None:
        """A chat stream left open by a replica that died is closed before it is updated."""
        if not self._orphan_stream or self.ts is None:
            return
        self._orphan_stream = False
        try:
            self.client.chat_stopStream(channel=self.channel, ts=self.ts)
        except SlackApiError as exc:  # Slack may have closed it already
            logger.info(
                "closing an earlier stream failed", extra={"error": str(exc.response.get("error"))}
            )


def markdown_chunks(text: str) -> list[dict[str, Any]]:
    """Streamed text as chat streaming's `markdown_text` chunks."""
    return [{"type": "markdown_text", "text": text}]


def search_step(sources: Sequence[Citation], *, done: bool = False) -> dict[str, Any]:
    """The retrieval step as a chat-streaming `task_update` chunk: in progress while the answer
    is written, then complete with the sources it cites (as text: a task's `sources` must be
    URLs, and the knowledge base's documents have none)."""
    chunk: dict[str, Any] = {
        "type": "task_update",
        "id": SEARCH_TASK,
        "title": SEARCH_TITLE,
        "status": "complete" if done else "in_progress",
    }
    if done:
        cited = [f"[{n}] {c.title} — {c.original}" for n, c in enumerate(sources, 1)]
        chunk["output"] = clip("; ".join(cited), TASK_TEXT_LIMIT) if cited else "No source cited."
    return chunk


def post_reply(
    client: WebClient,
    *,
    channel: str,
    thread_ts: str | None,
    text: str,
    blocks: list[Block] | None,
    mark: ReplyMark | None = None,
) -> Any:
    """Post a reply once (`post_once`: marked with the event's metadata, looked up before any
    second post); if Slack rejects the blocks, the text alone (so the user still gets the
    answer)."""
    try:
        return post_once(
            client, channel=channel, thread_ts=thread_ts, text=text, blocks=blocks, mark=mark
        )
    except SlackApiError as exc:
        if blocks is None or str(exc.response.get("error")) not in _UNDELIVERABLE:
            raise
        logger.error("Slack rejected the blocks; posting the text alone")
        return post_once(client, channel=channel, thread_ts=thread_ts, text=text, mark=mark)
