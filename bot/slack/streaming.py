"""Show a generated answer while it is written: Slack's chat streaming in threads, otherwise
post-then-update with a throttle; a plain post when nothing streamed (extractive answers)."""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.blocks import Block

logger = logging.getLogger(__name__)
MIN_UPDATE_INTERVAL_S = 1.0  # chat.update is a Tier 3 method (~50/min): stay well under


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
        min_interval_s: float = MIN_UPDATE_INTERVAL_S,
    ) -> None:
        self.client = client
        self.channel = channel
        self.thread_ts = thread_ts
        self.user = user
        self.team = team
        self.min_interval_s = min_interval_s
        self.text = ""
        self._stream: Any = None
        self._ts: str | None = None
        self._last_update = 0.0

    @property
    def started(self) -> bool:
        """True once something was shown."""
        return self._stream is not None or self._ts is not None

    def append(self, sentence: str) -> None:
        """Show one more sentence (never raises: streaming is best effort)."""
        self.text = f"{self.text} {sentence}".strip()
        try:
            if self._stream is None and self._ts is None and self.thread_ts:
                self._stream = self._start_native()
            if self._stream is not None:
                self._stream.append(markdown_text=sentence + " ")
                return
            now = time.monotonic()
            if self._ts is None:
                resp = self.client.chat_postMessage(
                    channel=self.channel, thread_ts=self.thread_ts, text=self.text
                )
                self._ts, self._last_update = resp["ts"], now
            elif now - self._last_update >= self.min_interval_s:
                self.client.chat_update(channel=self.channel, ts=self._ts, text=self.text)
                self._last_update = now
        except SlackApiError as exc:
            logger.warning(
                "streaming update failed", extra={"error": str(exc.response.get("error"))}
            )

    def _start_native(self) -> Any:
        try:
            stream = self.client.chat_stream(
                channel=self.channel,
                thread_ts=self.thread_ts or "",
                recipient_team_id=self.team,
                recipient_user_id=self.user,
                buffer_size=1,
            )
            return stream
        except (SlackApiError, TypeError, ValueError) as exc:
            logger.info(
                "chat streaming unavailable, using post-then-update", extra={"error": str(exc)}
            )
            return None

    def finish(
        self, text: str, blocks: list[Block], *, tail: list[Block], streamed_ok: bool
    ) -> None:
        """Deliver the final message: close the stream with `tail` blocks (sources, feedback)
        when the streamed text is the answer, else show the full `blocks`."""
        if self._stream is not None:
            try:
                self._stream.stop(blocks=tail if streamed_ok else blocks)
                return
            except SlackApiError as exc:
                logger.warning(
                    "closing the stream failed", extra={"error": str(exc.response.get("error"))}
                )
        if self._ts is not None:
            self.client.chat_update(channel=self.channel, ts=self._ts, text=text, blocks=blocks)
            return
        self.client.chat_postMessage(
            channel=self.channel, thread_ts=self.thread_ts, text=text, blocks=blocks
        )
