"""The durable inbox of acknowledged Slack events.

An event is written here before its ack returns, and answer workers read it from here: nothing
Slack delivered waits only in memory. A worker holds an entry under a lease that it renews while
it works; when it stops renewing (its process died), any worker takes the entry over. An entry
leaves the inbox only when its answer is done.

Two backends behind one Protocol:

- Redis (`HIREBOT_REDIS_URL`): a Stream with one consumer group; every replica is a consumer.
  New entries are read with `XREADGROUP`, entries idle past the lease are taken over with
  `XAUTOCLAIM` by any live replica, a finished entry is acknowledged and deleted.
- SQLite (otherwise): a table in `HIREBOT_DATA_DIR`; a restarted process resumes the entries its
  predecessor held (at once when that process is gone, else when its lease runs out).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bot.errors import StoreUnavailable

Payload = dict[str, Any]
SEEN_TTL_S = 24 * 3600  # Slack retries for minutes; remember delivered event ids for a day
SWEEP_EVERY_S = 2.0  # how often a process looks for entries held by a process that is gone
POLL_S = 0.25  # SQLite has no blocking read: how often an idle worker looks again


@dataclass(frozen=True, slots=True)
class Entry:
    """One event in the inbox, as a worker holds it."""

    id: str  # the backend's own id (stream id or row id)
    key: str  # the event id: at most one entry per key per day
    payload: Payload
    attempt: int = 1  # 1 on the first delivery; more when taken over or retried
    note: Payload = field(default_factory=dict)  # what an earlier attempt recorded

    @property
    def taken_over(self) -> bool:
        """An earlier attempt may have replied, or left a placeholder."""
        return self.attempt > 1


class Inbox(Protocol):
    """A durable queue of events with leases, de-duplicated by key."""

    lease_s: float

    def put(self, key: str, payload: Payload) -> bool:
        """Add an event; False when `key` was added in the last day (a duplicate delivery)."""
        ...

    def take(self, consumer: str, *, wait_s: float) -> Entry | None:
        """The next entry nobody holds (new, released, or idle past its lease), leased to
        `consumer`; None when none arrives within `wait_s` seconds."""
        ...

    def renew(self, consumer: str, entry: Entry) -> bool:
        """Extend `consumer`'s lease on `entry`; False when it is no longer theirs."""
        ...

    def note(self, entry: Entry, note: Payload) -> None:
        """Record progress on `entry` (a later attempt reads it back)."""
        ...

    def done(self, entry: Entry) -> None:
        """Remove `entry`: its event needs nothing more."""
        ...

    def release(self, consumer: str, entry: Entry, *, after_s: float = 0.0) -> None:
        """Give `entry` back; any consumer may take it after `after_s` seconds."""
        ...

    def depth(self) -> int:
        """Entries not done yet (waiting or being answered), across every consumer."""
        ...

    def ping(self) -> bool:
        """True when the inbox is reachable."""
        ...

    def close(self, consumer: str) -> None:
        """`consumer` stops taking entries: forget it if it holds none."""
        ...

    def interrupt(self) -> None:
        """Wake every `take` waiting in this process now (a stop under way)."""
        ...


def consumer_id() -> str:
    """A name for this process's workers: host, pid and a random part (a restart differs)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def consumer_gone(name: str, me: str) -> bool:
    """True when `name` is a process on this host that no longer runs: its entries need not
    wait for their leases to run out. Another host's consumers are never judged here."""
    try:
        host, pid_text, _ = name.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname() or name == me:
        return False
    if pid == os.getpid():  # an earlier process with our pid (pid 1 in a restarted container)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class SQLiteInbox:
    """The inbox as a table in one SQLite file (WAL; every commit synced to disk)."""

    def __init__(self, path: Path, *, lease_s: float) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.lease_s = lease_s
        self._local = threading.local()
        self._write = threading.Lock()  # one writer at a time in this process
        self._arrived = threading.Condition()
        self._interrupted = False
        self._swept = 0.0
        db = self._conn()
        with self._write:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS inbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                "key TEXT NOT NULL UNIQUE, payload TEXT NOT NULL, owner TEXT NOT NULL DEFAULT '', "
                "leased_until REAL NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0, "
                "note TEXT NOT NULL DEFAULT '{}', added_at REAL NOT NULL)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS inbox_seen (key TEXT PRIMARY KEY, "
                "expires_at REAL NOT NULL)"
            )

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
                conn.execute("PRAGMA busy_timeout=10000")
                conn.execute("PRAGMA synchronous=FULL")  # an acked event survives a power cut
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"cannot open the inbox {self.path}: {exc}") from exc
            self._local.conn = conn
        return conn

    def _transaction(self, work: Any) -> Any:
        db = self._conn()
        with self._write:
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    result = work(db)
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"the inbox {self.path} failed: {exc}") from exc
        return result

    def put(self, key: str, payload: Payload) -> bool:
        now = time.time()

        def add(db: sqlite3.Connection) -> bool:
            db.execute("DELETE FROM inbox_seen WHERE key = ? AND expires_at <= ?", (key, now))
            seen = db.execute(
                "INSERT OR IGNORE INTO inbox_seen (key, expires_at) VALUES (?, ?)",
                (key, now + SEEN_TTL_S),
            )
            if seen.rowcount == 0:
                return False
            db.execute(
                "INSERT OR IGNORE INTO inbox (key, payload, added_at) VALUES (?, ?, ?)",
                (key, json.dumps(payload), now),
            )
            if int(now) % 60 == 0:  # now and then, forget old deliveries
                db.execute("DELETE FROM inbox_seen WHERE expires_at <= ?", (now,))
            return True

        added = bool(self._transaction(add))
        if added:
            with self._arrived:
                self._arrived.notify()
        return added

    def take(self, consumer: str, *, wait_s: float) -> Entry | None:
        deadline = time.monotonic() + wait_s
        while True:
            entry = self._take_now(consumer)
            left = deadline - time.monotonic()
            if entry is not None or left <= 0 or self._interrupted:
                return entry
            with self._arrived:
                self._arrived.wait(min(POLL_S, left))

    def _take_now(self, consumer: str) -> Entry | None:
        now = time.time()
        if now - self._swept >= SWEEP_EVERY_S:
            self._swept = now
            self._free_entries_of_gone_owners(consumer, now)
        try:
            ready = (
                self._conn()
                .execute("SELECT 1 FROM inbox WHERE leased_until <= ? LIMIT 1", (now,))
                .fetchone()
            )
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"the inbox {self.path} failed: {exc}") from exc
        if ready is None:
            return None

        def lease(db: sqlite3.Connection) -> Entry | None:
            row = db.execute(
                "SELECT seq, key, payload, attempts, note FROM inbox WHERE leased_until <= ? "
                "ORDER BY seq LIMIT 1",
                (now,),
            ).fetchone()
            if row is None:
                return None
            seq, key, payload, attempts, note = row
            db.execute(
                "UPDATE inbox SET owner = ?, leased_until = ?, attempts = attempts + 1 "
                "WHERE seq = ?",
                (consumer, now + self.lease_s, seq),
            )
            return Entry(str(seq), key, json.loads(payload), attempts + 1, json.loads(note))

        entry: Entry | None = self._transaction(lease)
        return entry

    def _free_entries_of_gone_owners(self, me: str, now: float) -> None:
        owners = [
            row[0]
            for row in self._conn().execute(
                "SELECT DISTINCT owner FROM inbox WHERE owner != '' AND leased_until > ?", (now,)
            )
        ]
        for owner in owners:
            if consumer_gone(owner, me):
                self._transaction(
                    lambda db, owner=owner: db.execute(
                        "UPDATE inbox SET leased_until = 0 WHERE owner = ?", (owner,)
                    )
                )

    def renew(self, consumer: str, entry: Entry) -> bool:
        now = time.time()
        cur = self._transaction(
            lambda db: db.execute(
                "UPDATE inbox SET leased_until = ? WHERE seq = ? AND owner = ?",
                (now + self.lease_s, int(entry.id), consumer),
            )
        )
        return bool(cur.rowcount == 1)

    def note(self, entry: Entry, note: Payload) -> None:
        self._transaction(
            lambda db: db.execute(
                "UPDATE inbox SET note = ? WHERE seq = ?", (json.dumps(note), int(entry.id))
            )
        )

    def done(self, entry: Entry) -> None:
        self._transaction(
            lambda db: db.execute("DELETE FROM inbox WHERE seq = ?", (int(entry.id),))
        )

    def release(self, consumer: str, entry: Entry, *, after_s: float = 0.0) -> None:
        until = time.time() + after_s if after_s > 0 else 0.0
        self._transaction(
            lambda db: db.execute(
                "UPDATE inbox SET owner = '', leased_until = ? WHERE seq = ? AND owner = ?",
                (until, int(entry.id), consumer),
            )
        )
        with self._arrived:
            self._arrived.notify()

    def depth(self) -> int:
        try:
            (count,) = self._conn().execute("SELECT COUNT(*) FROM inbox").fetchone()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"the inbox {self.path} failed: {exc}") from exc
        return int(count)

    def ping(self) -> bool:
        try:
            self._conn().execute("SELECT 1").fetchone()
        except (sqlite3.Error, StoreUnavailable):
            return False
        return True

    def close(self, consumer: str) -> None:
        """Nothing to forget: a row names its owner only while it holds it."""

    def interrupt(self) -> None:
        """Wake the waiting takers: they return at once, with what is there."""
        self._interrupted = True
        with self._arrived:
            self._arrived.notify_all()


# Atomic in Redis: remember the key for a day and add the entry, or do neither.
_PUT = """
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) then
  redis.call('XADD', KEYS[1], '*', 'key', ARGV[1], 'payload', ARGV[2])
  return 1
end
return 0
"""
# Renew only a lease that is still ours: reset the entry's idle time (JUSTID: no new attempt).
_RENEW = """
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if p[1] and p[1][2] == ARGV[2] then
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
  return 1
end
return 0
"""


class RedisInbox:
    """The inbox as a Redis Stream with one consumer group, shared by every replica."""

    def __init__(
        self, url: str, *, lease_s: float, prefix: str = "hirebot:", group: str = "hirebot"
    ) -> None:
        import redis

        self.lease_s = lease_s
        self.stream = f"{prefix}inbox"
        self.notes = f"{prefix}inbox:notes"
        self.seen_prefix = f"{prefix}inbox:seen:"
        self.group = group
        self._redis = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._response_error = redis.ResponseError
        self._put = self._redis.register_script(_PUT)
        self._renew = self._redis.register_script(_RENEW)
        self._swept = 0.0
        self._claimed_at = 0.0
        self._lock = threading.Lock()
        self._group_ready = False

    @property
    def _lease_ms(self) -> int:
        return max(1, int(self.lease_s * 1000))

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if not self._group_ready:
            self._ensure_group()
        try:
            return fn(*args, **kwargs)
        except self._response_error as exc:
            if "NOGROUP" not in str(exc):
                raise StoreUnavailable(f"Redis refused an inbox command: {exc}") from exc
            self._group_ready = False  # the stream was deleted: make the group again
            self._ensure_group()
            try:
                return fn(*args, **kwargs)
            except self._errors as again:
                raise StoreUnavailable(f"Redis is unreachable: {again}") from again
        except self._errors as exc:
            raise StoreUnavailable(f"Redis is unreachable: {exc}") from exc

    def _ensure_group(self) -> None:
        try:
            self._redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except self._response_error as exc:
            if "BUSYGROUP" not in str(exc):
                raise StoreUnavailable(f"cannot create the inbox group: {exc}") from exc
        except self._errors as exc:
            raise StoreUnavailable(f"Redis is unreachable: {exc}") from exc
        self._group_ready = True

    def put(self, key: str, payload: Payload) -> bool:
        added = self._call(
            self._put,
            keys=[self.stream, self.seen_prefix + key],
            args=[key, json.dumps(payload), SEEN_TTL_S],
        )
        return bool(added)

    def take(self, consumer: str, *, wait_s: float) -> Entry | None:
        entry = self._take_over(consumer)
        if entry is not None:
            return entry
        replies = self._call(
            self._redis.xreadgroup,
            self.group,
            consumer,
            {self.stream: ">"},
            count=1,
            block=max(1, int(wait_s * 1000)),
        )
        for _, messages in replies or []:
            for entry_id, fields in messages:
                return self._entry(entry_id, fields, attempt=1)
        return None

    def _take_over(self, consumer: str) -> Entry | None:
        """An entry idle past the lease (its worker stopped renewing), claimed for `consumer`."""
        now = time.monotonic()
        with self._lock:
            if now - self._claimed_at < min(1.0, self.lease_s / 4):
                return None  # (decided first: a sweep that falls due here is not lost)
            self._claimed_at = now
            sweep = now - self._swept >= SWEEP_EVERY_S
            if sweep:
                self._swept = now
        if sweep:
            self._sweep(consumer)
        reply = self._call(
            self._redis.xautoclaim,
            self.stream,
            self.group,
            consumer,
            min_idle_time=self._lease_ms,
            start_id="0-0",
            count=1,
        )
        claimed = reply[1] if reply and len(reply) > 1 else []
        for entry_id, fields in claimed:
            if not fields:  # deleted from the stream meanwhile
                continue
            pending = self._call(
                self._redis.xpending_range, self.stream, self.group, entry_id, entry_id, 1
            )
            attempt = int(pending[0]["times_delivered"]) if pending else 2
            return self._entry(entry_id, fields, attempt=max(2, attempt))
        return None

    def _sweep(self, me: str) -> None:
        """Entries held by a process on this host that is gone are made free at once; consumers
        that hold nothing and were idle for a day are forgotten."""
        try:
            consumers = self._call(self._redis.xinfo_consumers, self.stream, self.group)
        except StoreUnavailable:
            return
        for info in consumers:
            name = _text(info.get("name"))
            pending, idle_ms = int(info.get("pending") or 0), int(info.get("idle") or 0)
            if pending and consumer_gone(name, me):
                rows = self._call(
                    self._redis.xpending_range,
                    self.stream,
                    self.group,
                    "-",
                    "+",
                    100,
                    consumername=name,
                )
                ids = [row["message_id"] for row in rows]
                if ids:  # make them look idle for a whole lease: the next claim takes them
                    self._call(
                        self._redis.xclaim,
                        self.stream,
                        self.group,
                        me,
                        0,
                        ids,
                        idle=self._lease_ms,
                        justid=True,
                    )
            elif not pending and name != me and (consumer_gone(name, me) or idle_ms > 86_400_000):
                self._call(self._redis.xgroup_delconsumer, self.stream, self.group, name)

    def _entry(self, entry_id: Any, fields: dict[Any, Any], *, attempt: int) -> Entry:
        data = {_text(k): _text(v) for k, v in fields.items()}
        key = data.get("key", "")
        note: Payload = {}
        if attempt > 1:
            raw = self._call(self._redis.hget, self.notes, key)
            note = json.loads(raw) if raw else {}
        return Entry(_text(entry_id), key, json.loads(data.get("payload") or "{}"), attempt, note)

    def renew(self, consumer: str, entry: Entry) -> bool:
        return bool(
            self._call(self._renew, keys=[self.stream], args=[self.group, consumer, entry.id])
        )

    def note(self, entry: Entry, note: Payload) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(self.notes, entry.key, json.dumps(note))
        pipe.expire(self.notes, SEEN_TTL_S)
        self._call(pipe.execute)

    def done(self, entry: Entry) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.xack(self.stream, self.group, entry.id)
        pipe.xdel(self.stream, entry.id)
        pipe.hdel(self.notes, entry.key)
        self._call(pipe.execute)

    def release(self, consumer: str, entry: Entry, *, after_s: float = 0.0) -> None:
        idle = max(0, self._lease_ms - int(after_s * 1000))
        self._call(
            self._redis.xclaim,
            self.stream,
            self.group,
            consumer,
            0,
            [entry.id],
            idle=idle,
            justid=True,
        )

    def depth(self) -> int:
        return int(self._call(self._redis.xlen, self.stream))

    def ping(self) -> bool:
        try:
            return bool(self._redis.ping())
        except self._errors:
            return False

    def interrupt(self) -> None:
        """A blocked XREADGROUP cannot be woken: it returns within its short block time."""

    def close(self, consumer: str) -> None:
        try:
            consumers = self._call(self._redis.xinfo_consumers, self.stream, self.group)
            for info in consumers:
                if _text(info.get("name")) == consumer and not int(info.get("pending") or 0):
                    self._call(self._redis.xgroup_delconsumer, self.stream, self.group, consumer)
        except StoreUnavailable:
            pass


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def open_inbox(*, redis_url: str | None, sqlite_path: Path, lease_s: float) -> Inbox:
    """Redis when a URL is configured (shared by replicas), else SQLite under the data dir."""
    if redis_url:
        return RedisInbox(redis_url, lease_s=lease_s)
    return SQLiteInbox(sqlite_path, lease_s=lease_s)
