"""The durable inbox (SQLite and Redis): de-duplication, leases, takeover, release, notes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest

from bot.slack.inbox import Inbox, RedisInbox, SQLiteInbox, consumer_gone, consumer_id
from tests.conftest import REDIS_URL


@pytest.fixture(params=["sqlite", "redis"])
def make_inbox(request, tmp_path) -> Iterator:
    """A factory of inboxes over one backend (several opens share it, like replicas)."""
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    opened: list[RedisInbox] = []

    def make(lease_s: float = 30.0) -> Inbox:
        if request.param == "sqlite":
            return SQLiteInbox(tmp_path / "inbox.sqlite3", lease_s=lease_s)
        inbox = RedisInbox(REDIS_URL, lease_s=lease_s, prefix=prefix)
        if not inbox.ping():
            pytest.skip("no Redis server on 127.0.0.1:6379 (start it with redis-server)")
        opened.append(inbox)
        return inbox

    yield make
    for inbox in opened:
        for key in inbox._redis.scan_iter(prefix + "*"):
            inbox._redis.delete(key)


def test_an_event_is_added_once_and_taken_by_one_consumer(make_inbox):
    inbox = make_inbox()
    assert inbox.put("Ev1", {"event_id": "Ev1", "n": 1})
    assert not inbox.put("Ev1", {"event_id": "Ev1", "n": 2})  # a retry of the same event
    assert inbox.depth() == 1
    entry = inbox.take("a", wait_s=1)
    assert entry is not None and entry.key == "Ev1" and entry.payload["n"] == 1
    assert entry.attempt == 1 and not entry.taken_over
    assert inbox.take("b", wait_s=0.3) is None  # held by "a"
    inbox.done(entry)
    assert inbox.depth() == 0
    assert not inbox.put("Ev1", {"event_id": "Ev1"})  # answered: still a duplicate


def test_an_entry_whose_lease_runs_out_is_taken_over_with_its_note(make_inbox):
    lease = 0.6
    first, second = make_inbox(lease), make_inbox(lease)
    first.put("Ev2", {"event_id": "Ev2"})
    held = first.take("a", wait_s=1)
    assert held is not None
    first.note(held, {"placeholder": {"ts": "17.1"}})
    deadline = time.monotonic() + lease * 0.9
    while time.monotonic() < deadline:  # renewed: nobody else gets it
        assert first.renew("a", held)
        assert second.take("b", wait_s=0.1) is None
    deadline = time.monotonic() + 10
    taken = None
    while taken is None and time.monotonic() < deadline:  # "a" stopped renewing
        taken = second.take("b", wait_s=0.2)
    assert taken is not None and taken.key == "Ev2"
    assert taken.attempt == 2 and taken.taken_over
    assert taken.note == {"placeholder": {"ts": "17.1"}}
    assert not first.renew("a", held)  # "a" lost it
    second.done(taken)
    assert first.depth() == 0


def test_a_released_entry_comes_back_after_the_delay(make_inbox):
    inbox = make_inbox(30.0)
    inbox.put("Ev3", {"event_id": "Ev3"})
    entry = inbox.take("a", wait_s=1)
    assert entry is not None
    inbox.release("a", entry, after_s=0.5)
    assert inbox.take("b", wait_s=0.1) is None
    deadline = time.monotonic() + 10
    again = None
    while again is None and time.monotonic() < deadline:
        again = inbox.take("b", wait_s=0.3)
    assert again is not None and again.attempt == 2


def test_a_new_entry_wakes_a_waiting_consumer(make_inbox):
    import threading

    inbox = make_inbox()
    got: list = []
    waiter = threading.Thread(target=lambda: got.append(inbox.take("a", wait_s=5)))
    waiter.start()
    time.sleep(0.2)
    started = time.monotonic()
    inbox.put("Ev4", {"event_id": "Ev4"})
    waiter.join(10)
    assert got and got[0] is not None and got[0].key == "Ev4"
    assert time.monotonic() - started < 1.5


def test_entries_of_a_process_that_is_gone_are_free_at_once(make_inbox):
    inbox = make_inbox(60.0)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = f"{consumer_id().rsplit(':', 2)[0]}:{dead.pid}:deadbeef"
    assert consumer_gone(gone, consumer_id())
    inbox.put("Ev5", {"event_id": "Ev5"})
    assert inbox.take(gone, wait_s=1) is not None
    deadline = time.monotonic() + 8  # a sweep every 2 s, a claim every 1 s: free in about 3
    entry = None
    while entry is None and time.monotonic() < deadline:  # before the 30 s lease ends
        entry = inbox.take(consumer_id(), wait_s=0.3)
    assert entry is not None and entry.taken_over


def test_a_consumer_on_another_host_or_alive_is_never_judged_gone():
    me = consumer_id()
    host = me.rsplit(":", 2)[0]
    assert not consumer_gone(f"{host}-other:1:abc", me)
    assert not consumer_gone(f"{host}:{os.getppid()}:abc", me)
    assert not consumer_gone(me, me)
    assert not consumer_gone("not a consumer name", me)


def test_redis_inbox_survives_its_stream_being_deleted(tmp_path):
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    inbox = RedisInbox(REDIS_URL, lease_s=30, prefix=prefix)
    if not inbox.ping():
        pytest.skip("no Redis server")
    try:
        inbox.put("Ev6", {"event_id": "Ev6"})
        inbox._redis.delete(inbox.stream)  # e.g. FLUSHDB by an operator
        assert inbox.put("Ev7", {"event_id": "Ev7"})
        entry = inbox.take("a", wait_s=1)
        assert entry is not None and entry.key == "Ev7"
        inbox.done(entry)
        inbox.close("a")
        names = [c["name"] for c in inbox._redis.xinfo_consumers(inbox.stream, inbox.group)]
        assert b"a" not in names and "a" not in names  # a stopped consumer holding nothing
    finally:
        for key in inbox._redis.scan_iter(prefix + "*"):
            inbox._redis.delete(key)


def test_an_unreachable_redis_is_a_store_error():
    from bot.errors import StoreUnavailable
    from tests.conftest import free_port

    inbox = RedisInbox(f"redis://127.0.0.1:{free_port()}/0", lease_s=30)
    assert not inbox.ping()
    with pytest.raises(StoreUnavailable):
        inbox.put("Ev8", {"event_id": "Ev8"})
