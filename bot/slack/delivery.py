"""Durable delivery of Events API events.

- **Intake** (a bolt middleware): an event is written to the inbox (bot/slack/inbox.py) before
  its ack returns. A delivery of an event id already in the inbox (a Slack retry, on any
  replica) is acked and dropped. When the inbox cannot be written, the event is refused with a
  503, so that Slack sends it again.
- **Answer workers** (`HIREBOT_ANSWER_WORKERS` threads per process): each takes one entry at a
  time from the inbox and dispatches it through the bolt app again; its listener runs on the
  worker's own thread, so the worker knows when the answer is done. While it works, the entry's
  lease is renewed; an entry whose worker died is taken over by any live worker once its lease
  (`HIREBOT_EVENT_LEASE_S`) runs out. The entry leaves the inbox when its answer is posted;
  when whether it was posted cannot be told, it stays and is tried again later.
- **Graceful stop**: workers take nothing more, answers in flight get a grace period; what is
  left stays in the inbox for another replica, or for the next start.

Replies are idempotent (bot/slack/replies.py), so an event answered twice (taken over from a
replica that died after it posted, or retried after a post with an unknown outcome) shows one
answer: the guarantee is at-least-once processing with one visible answer per event."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest
from slack_sdk.errors import SlackApiError

from bot.errors import StoreUnavailable
from bot.services import StateStore
from bot.slack.inbox import SEEN_TTL_S, Entry, Inbox, consumer_id
from bot.slack.replies import PriorReply, ReplyUncertain

logger = logging.getLogger(__name__)
TICKET = "hirebot_ticket"  # bolt context key: the inbox entry a worker is answering
BUSY = "hirebot_busy"  # bolt context key: the inbox is full, reply "ask again" instead
TAKE_WAIT_S = 1.0  # a worker waits this long for an entry before it checks for a stop
MAX_ATTEMPTS = 5  # an event that failed this often with an unknown outcome is given up
STATUS_EVERY_S = 60.0  # how often the queue length is logged while anything is queued


@dataclass
class Ticket:
    """One attempt at one inbox entry, handed to the listeners through bolt's context."""

    entry: Entry
    inbox: Inbox
    retry: bool = False  # set when the reply's outcome is unknown: try again later

    @property
    def event_id(self) -> str:
        """The Slack event id."""
        return self.entry.key

    @property
    def taken_over(self) -> bool:
        """An earlier attempt may have replied, or left a placeholder."""
        return self.entry.taken_over

    @property
    def placeholder(self) -> PriorReply | None:
        """The message an earlier attempt started (recorded in the inbox), if any."""
        note = self.entry.note.get("placeholder") or {}
        if not note.get("ts"):
            return None
        return PriorReply(ts=str(note["ts"]), final=False, streaming=bool(note.get("streaming")))

    def remember_placeholder(self, ts: str, streaming: bool) -> None:
        """Record the message this attempt started, for an attempt that takes over."""
        try:
            self.inbox.note(self.entry, {"placeholder": {"ts": ts, "streaming": streaming}})
        except StoreUnavailable:
            logger.warning("could not record a placeholder", extra={"event_id": self.event_id})


class ListenerExecutor(Executor):
    """bolt's listener executor: daemon threads (a stuck listener never holds up the exit),
    except inside `inline()`, where a listener runs at once on the calling thread. An answer
    worker dispatches its entry inline, so the listener has finished when dispatch returns."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._started: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._local = threading.local()

    @contextmanager
    def inline(self) -> Iterator[None]:
        """Listeners submitted from this thread inside the block run on it, before submit
        returns."""
        self._local.inline = True
        try:
            yield
        finally:
            self._local.inline = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()

        def job() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:
                future.set_exception(exc)

        if getattr(self._local, "inline", False):
            job()
            return future
        self._jobs.put(job)
        with self._lock:
            if len(self._started) < self.threads:
                thread = threading.Thread(
                    target=self._run, name=f"listener-{len(self._started)}", daemon=True
                )
                self._started.append(thread)
                thread.start()
        return future

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            job()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            for _ in self._started:
                self._jobs.put(None)
            started, self._started = self._started, []
        if wait:
            for thread in started:
                thread.join()


class Delivery:
    """The inbox intake (bolt middleware), the answer workers and their graceful stop."""

    def __init__(
        self,
        inbox: Inbox,
        *,
        state: StateStore,
        workers: int,
        queue_limit: int,
        listener_threads: int = 4,
        inline: bool = False,
    ) -> None:
        self.inbox = inbox
        self.state = state
        self.workers = workers
        self.queue_limit = queue_limit
        self.inline = inline
        self.consumer = consumer_id()
        self.listener_executor = ListenerExecutor(listener_threads)
        self._app: App | None = None
        self._threads: list[threading.Thread] = []
        self._keeper: threading.Thread | None = None
        self._stopping = threading.Event()  # workers take nothing more
        self._stopped = threading.Event()  # nothing is renewed any more
        self._held: dict[str, Entry] = {}
        self._lock = threading.Lock()
        self._warned_at = 0.0

    # ---- intake ------------------------------------------------------------------------------

    def middleware(self, request: BoltRequest, next: Callable[[], Any]) -> BoltResponse | None:
        """Global middleware: write an Events API event to the inbox and ack it (a duplicate
        delivery is acked and dropped); everything else goes on to the listeners."""
        if TICKET in request.context:  # an answer worker dispatches an inbox entry
            next()
            return None
        body = request.body if isinstance(request.body, dict) else {}
        event_id = body.get("event_id")
        if body.get("type") != "event_callback" or not isinstance(event_id, str) or not event_id:
            next()
            return None
        event = body.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return BoltResponse(status=400, body='{"error": "malformed event"}')
        request.context["event_id"] = event_id
        if self.inline:
            return self._claim_inline(request, event_id, next)
        try:
            if self._full():
                logger.warning("inbox full", extra={"event_id": event_id})
                request.context[BUSY] = True
                next()
                return None
            added = self.inbox.put(event_id, body)
        except StoreUnavailable as exc:
            logger.error(
                "inbox unreachable: the event is refused so that Slack resends it",
                extra={"event_id": event_id, "error": str(exc)},
            )
            return BoltResponse(status=503, body='{"error": "inbox unavailable"}')
        if not added:
            retry = request.headers.get("x-slack-retry-num", ["0"])[0]
            logger.info("duplicate event ignored", extra={"event_id": event_id, "retry": retry})
        return BoltResponse(status=200, body="")

    def _full(self) -> bool:
        return self.inbox.depth() >= self.workers + self.queue_limit

    def _claim_inline(
        self, request: BoltRequest, event_id: str, next: Callable[[], Any]
    ) -> BoltResponse | None:
        """`process_before_response` apps answer before the ack, with no inbox: a retry is
        dropped by a claim in the state store."""
        try:
            first = self.state.claim(f"event:{event_id}", SEEN_TTL_S)
        except StoreUnavailable:
            logger.exception("state store unreachable; handling event without de-duplication")
            first = True
        if not first:
            logger.info("duplicate event ignored", extra={"event_id": event_id})
            return BoltResponse(status=200, body="")
        next()
        return None

    # ---- what listeners call -----------------------------------------------------------------

    def ticket(self, context: Any) -> Ticket | None:
        """The inbox entry being answered in this listener call (None outside a worker)."""
        ticket = context.get(TICKET)
        return ticket if isinstance(ticket, Ticket) else None

    def run(
        self, context: Any, work: Callable[[], object], *, on_busy: Callable[[], object]
    ) -> None:
        """Run `work` (which posts the reply). On an answer worker it runs now; its outcome
        decides whether the entry is done or tried again. `on_busy` (a short "ask again"
        reply) runs instead when the inbox was full."""
        ticket = self.ticket(context)
        if ticket is None:
            self._attempt(on_busy if context.get(BUSY) else work, None)
            return
        self._attempt(work, ticket)

    def _attempt(self, work: Callable[[], object], ticket: Ticket | None) -> None:
        event_id = ticket.event_id if ticket else None
        try:
            work()
        except (ReplyUncertain, OSError) as exc:
            if ticket is not None:
                ticket.retry = True
            logger.warning(
                "reply outcome unknown; the event stays in the inbox",
                extra={"event_id": event_id, "error": str(exc) or type(exc).__name__},
            )
        except SlackApiError as exc:  # Slack refused it: trying again would not help
            logger.error(
                "reply failed", extra={"event_id": event_id, "error": exc.response.get("error")}
            )
        except Exception:
            logger.exception("reply failed", extra={"event_id": event_id})

    # ---- answer workers ----------------------------------------------------------------------

    def start(self, app: App) -> None:
        """Start the answer workers for `app` (once; not for a `process_before_response` app)."""
        with self._lock:
            if self._threads or self.inline:
                return
            self._app = app
            self._threads = [
                threading.Thread(target=self._work, name=f"answer-{n}", daemon=True)
                for n in range(self.workers)
            ]
            self._keeper = threading.Thread(target=self._keep, name="inbox-keeper", daemon=True)
        for thread in self._threads:
            thread.start()
        self._keeper.start()
        logger.info(
            "answer workers started",
            extra={"workers": self.workers, "queue": self._depth(), "consumer": self.consumer},
        )

    def stop(self, grace_s: float, *, hurry: threading.Event | None = None) -> bool:
        """Take no more entries; let answers in flight finish within `grace_s` seconds (or
        until `hurry` is set). True when all did; the others stay in the inbox and are taken
        over once their lease ends."""
        self._stopping.set()
        self.inbox.interrupt()  # idle workers stop waiting for entries now
        deadline = time.monotonic() + grace_s
        for thread in self._threads:
            while thread.is_alive() and time.monotonic() < deadline:
                if hurry is not None and hurry.is_set():
                    break
                thread.join(min(0.1, max(0.0, deadline - time.monotonic())))
        with self._lock:
            left = sorted(self._held)
        self._stopped.set()
        if left:
            logger.warning(
                "stopped with answers in flight; they stay in the inbox for another replica",
                extra={"in_flight": len(left), "queue": self._depth()},
            )
        else:
            with suppress(StoreUnavailable):
                self.inbox.close(self.consumer)
            logger.info("answer workers stopped", extra={"queue": self._depth()})
        self.listener_executor.shutdown(wait=False)
        return not left

    def status(self) -> dict[str, Any]:
        """For /readyz: the inbox reachable, its queue, answers in flight, a stop under way."""
        with self._lock:
            in_flight = len(self._held)
        return {
            "inbox": self.inbox.ping(),
            "queue": self._depth(),
            "in_flight": in_flight,
            "stopping": self._stopping.is_set(),
        }

    def _depth(self) -> int | None:
        try:
            return self.inbox.depth()
        except StoreUnavailable:
            return None

    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                entry = self.inbox.take(self.consumer, wait_s=TAKE_WAIT_S)
            except StoreUnavailable as exc:
                self._warn("inbox unreachable; answer workers wait", exc)
                self._stopping.wait(1.0)
                continue
            if entry is None:
                continue
            if self._stopping.is_set():  # taken just as the stop began: not started, give back
                self._settle(entry, release_after=0.0)
                return
            self._answer(entry)

    def _answer(self, entry: Entry) -> None:
        if entry.attempt > MAX_ATTEMPTS:
            logger.error(
                "gave up on an event", extra={"event_id": entry.key, "attempts": entry.attempt - 1}
            )
            self._settle(entry, release_after=None)
            return
        if entry.taken_over:
            logger.info("event taken over", extra={"event_id": entry.key, "attempt": entry.attempt})
        ticket = Ticket(entry, self.inbox)
        with self._lock:
            self._held[entry.id] = entry
        try:
            assert self._app is not None
            request = BoltRequest(body=entry.payload, mode="socket_mode", context={TICKET: ticket})
            with self.listener_executor.inline():
                self._app.dispatch(request)  # the body was authenticated when it arrived
        except Exception:
            logger.exception("answering an event failed", extra={"event_id": entry.key})
        finally:
            with self._lock:
                self._held.pop(entry.id, None)
        retry_in = min(60.0, 2.0**entry.attempt) if ticket.retry else None
        self._settle(entry, release_after=retry_in)

    def _settle(self, entry: Entry, *, release_after: float | None) -> None:
        """Done with `entry` (None), or give it back for another attempt after some seconds."""
        try:
            if release_after is None:
                self.inbox.done(entry)
            else:
                self.inbox.release(self.consumer, entry, after_s=release_after)
        except StoreUnavailable as exc:  # its lease runs out: it is answered again (once)
            self._warn("could not settle an inbox entry", exc)

    def _keep(self) -> None:
        """Renew the leases of entries being answered; log the queue length now and then."""
        logged = 0.0
        while not self._stopped.wait(max(0.05, self.inbox.lease_s / 3)):
            with self._lock:
                held = list(self._held.values())
            for entry in held:
                try:
                    if not self.inbox.renew(self.consumer, entry):
                        logger.warning("lost an inbox lease", extra={"event_id": entry.key})
                except StoreUnavailable as exc:
                    self._warn("could not renew an inbox lease", exc)
            if time.monotonic() - logged >= STATUS_EVERY_S:
                depth = self._depth()
                if depth or held:
                    logged = time.monotonic()
                    logger.info("inbox", extra={"queue": depth, "in_flight": len(held)})

    def _warn(self, message: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= 10.0:  # once in a while, not once per worker per second
            self._warned_at = now
            logger.warning(message, extra={"error": str(exc)})
