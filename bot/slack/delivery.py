"""Exactly-once replies to Events API deliveries: each event id is leased ("processing", with a
short expiry that a live replica keeps renewing) before any work, the answer runs on its own
bounded pool (so acks of commands and buttons are never queued behind answers), and the lease
is finished ("done") once the reply is posted. A retry while the lease runs is dropped; a retry
after the holder died (its lease expired) is answered by whichever replica receives it."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.request import BoltRequest
from slack_sdk.errors import SlackApiError

from bot.errors import StoreUnavailable
from bot.services import StateStore

logger = logging.getLogger(__name__)
DONE_TTL_S = 24 * 3600  # Slack retries for minutes; remember finished events for a day
LEASE_KEY = "event_lease"


class Busy(Exception):
    """The answer pool and its queue are full."""


class LeaseKeeper:
    """Renews the leases this process holds, every third of their lifetime, on one thread."""

    def __init__(self, state: StateStore, owner: str, lease_s: float) -> None:
        self.state = state
        self.owner = owner
        self.lease_s = lease_s
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def holding(self, key: str) -> Iterator[None]:
        """Renew `key` (if any) while the block runs."""
        if key:
            self.hold(key)
        try:
            yield
        finally:
            if key:
                self.drop(key)

    def hold(self, key: str) -> None:
        """Keep renewing `key` until `drop`."""
        with self._lock:
            self._held[key] = self._held.get(key, 0) + 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)
                self._thread.start()

    def drop(self, key: str) -> None:
        """Stop renewing `key`."""
        with self._lock:
            left = self._held.get(key, 0) - 1
            if left > 0:
                self._held[key] = left
            else:
                self._held.pop(key, None)

    def held(self) -> list[str]:
        """The keys being renewed now."""
        with self._lock:
            return sorted(self._held)

    def _run(self) -> None:
        while True:
            self._wake.wait(self.lease_s / 3)
            with self._lock:
                keys = list(self._held)
            for key in keys:
                try:
                    if not self.state.renew(key, self.owner, self.lease_s):
                        logger.warning("lost an event lease", extra={"lease": key})
                except StoreUnavailable:
                    logger.warning("could not renew an event lease", extra={"lease": key})


class Delivery:
    """Leases events (bolt middleware) and runs their replies on a bounded answer pool."""

    def __init__(
        self,
        state: StateStore,
        *,
        lease_s: float,
        workers: int,
        queue_limit: int,
        inline: bool = False,
    ) -> None:
        self.state = state
        self.lease_s = lease_s
        self.inline = inline
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.keeper = LeaseKeeper(state, self.owner, lease_s)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="answer")
        self._slots = threading.BoundedSemaphore(workers + queue_limit)

    def middleware(self, request: BoltRequest, next: Callable[[], Any]) -> BoltResponse | None:
        """Global middleware: lease the event id; drop deliveries another replica holds or
        already answered."""
        body = request.body if isinstance(request.body, dict) else {}
        event_id = body.get("event_id")
        if not isinstance(event_id, str) or not event_id:
            next()
            return None
        request.context["event_id"] = event_id
        key = f"event:{event_id}"
        try:
            outcome = self.state.lease(key, self.owner, self.lease_s)
        except StoreUnavailable:
            logger.exception("state store unreachable; handling event without de-duplication")
            outcome = "acquired"
            key = ""
        if outcome != "acquired":
            retry = request.headers.get("x-slack-retry-num", ["0"])[0]
            logger.info(
                "duplicate event ignored",
                extra={"event_id": event_id, "retry": retry, "lease": outcome},
            )
            return BoltResponse(status=200, body="")
        request.context[LEASE_KEY] = key
        next()
        return None

    def run(
        self, context: Any, work: Callable[[], object], *, on_busy: Callable[[], object]
    ) -> None:
        """Run `work` (which posts the reply) on the answer pool under the event's lease, then
        mark the event done. `on_busy` (a short "try again" reply) runs when the pool is full."""
        key = str(context.get(LEASE_KEY) or "")
        if self.inline:  # process_before_response: answer before the ack, on this thread
            with self.keeper.holding(key):
                self._deliver(key, work)
            return
        if not self._slots.acquire(blocking=False):
            logger.warning("answer pool full", extra={"event_id": context.get("event_id")})
            self._deliver(key, on_busy)
            return
        if key:
            self.keeper.hold(key)  # renewed while queued, too

        def job() -> None:
            try:
                self._deliver(key, work)
            finally:
                if key:
                    self.keeper.drop(key)
                self._slots.release()

        self._pool.submit(job)

    def finish(self, context: Any) -> None:
        """Mark the event done without an answer (it needed none, or a listener replied itself)."""
        key = str(context.get(LEASE_KEY) or "")
        if key:
            self._finish(key)

    def _deliver(self, key: str, work: Callable[[], object]) -> None:
        try:
            work()
        except SlackApiError as exc:
            # Slack answered "not ok": nothing was posted, so a retry may try again
            logger.error("reply failed", extra={"error": str(exc.response.get("error"))})
            if key:
                self._release(key)
            return
        except Exception:
            # the outcome is unknown (e.g. a timeout after the request was sent): never risk a
            # second reply
            logger.exception("reply failed")
        if key:
            self._finish(key)

    def _finish(self, key: str) -> None:
        try:
            self.state.finish(key, DONE_TTL_S)
        except StoreUnavailable:
            logger.warning("could not mark an event done", extra={"lease": key})

    def _release(self, key: str) -> None:
        try:
            self.state.release(key, self.owner)
        except StoreUnavailable:
            logger.warning("could not release an event lease", extra={"lease": key})

    def shutdown(self) -> None:
        """Let queued answers finish (used by tests and orderly stops)."""
        self._pool.shutdown(wait=True)
