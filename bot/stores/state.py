"""Conversation state, walkthrough state, feedback, event de-duplication and the question log:
SQLite or Redis."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from bot.errors import StoreUnavailable

Value = dict[str, Any]
LeaseOutcome = Literal["acquired", "held", "done"]
# what people add to a logged question, each kept per user (a user's later note replaces theirs):
# their 👍/👎 vote, a "what was wrong?" comment, a request to the recruiting team
Annotation = Literal["votes", "comments", "escalations"]
ANNOTATIONS: tuple[Annotation, ...] = ("votes", "comments", "escalations")
PROCESSING, DONE = "processing", "done"


@dataclass(frozen=True, slots=True)
class Feedback:
    """A 👍/👎 click on an answer."""

    answer_id: str
    user: str
    vote: str  # "up" | "down"
    channel: str = ""
    question: str = ""
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class QuestionRecord:
    """One question asked, what became of it, and the 👍/👎 votes on its answer (user -> vote)."""

    id: str
    question: str
    outcome: str  # "answered" | "partial" | "declined"
    at: float
    user: str = ""
    conversation: str = ""
    resolved: str = ""  # the self-contained question, when a follow-up was read in context
    uncovered: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    votes: dict[str, str] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)  # user -> what was wrong
    escalations: dict[str, str] = field(default_factory=dict)  # user -> where it was posted

    @property
    def topic(self) -> str:
        """The text that says what the question is about (the resolved question when there is one)."""
        return self.resolved or self.question

    def to_json(self) -> str:
        """Serialised form kept in the store."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(
        cls, raw: str | bytes, votes: dict[str, str] | None = None, **notes: dict[str, str]
    ) -> QuestionRecord:
        """Inverse of `to_json`; `votes` (and `comments`, `escalations`), when given, replace
        the stored ones."""
        data = json.loads(raw)
        data["uncovered"] = tuple(data.get("uncovered") or ())
        data["sources"] = tuple(data.get("sources") or ())
        given = {"votes": votes, **notes}
        for kind in ANNOTATIONS:
            value = given.get(kind)
            data[kind] = dict(value if value is not None else data.get(kind) or {})
        return cls(**data)

    def annotated(self, kind: Annotation, user: str, value: str) -> QuestionRecord:
        """The record with `user`'s `kind` note set to `value` (replacing theirs)."""
        if kind == "votes":
            return replace(self, votes={**self.votes, user: value})
        if kind == "comments":
            return replace(self, comments={**self.comments, user: value})
        return replace(self, escalations={**self.escalations, user: value})


class StateStore(Protocol):
    """Small key-value store with expiry, an atomic claim, and a feedback log."""

    def claim(self, key: str, ttl_s: float) -> bool:
        """True for exactly one caller per key until it expires (across processes)."""
        ...

    def lease(self, key: str, owner: str, ttl_s: float) -> LeaseOutcome:
        """Take `key` as "processing" by `owner` for `ttl_s` seconds: "acquired" when it was free
        or its lease expired; "held" while a lease runs (anyone's); "done" once finished.
        Exactly one caller acquires a free key (across processes)."""
        ...

    def renew(self, key: str, owner: str, ttl_s: float) -> bool:
        """Extend `owner`'s running lease on `key`; False when it is no longer theirs."""
        ...

    def finish(self, key: str, ttl_s: float) -> None:
        """Mark `key` "done" for `ttl_s` seconds: later leases on it get "done"."""
        ...

    def release(self, key: str, owner: str) -> None:
        """Give up `owner`'s running lease on `key` (so the next caller acquires it)."""
        ...

    def get(self, key: str) -> Value | None:
        """The value under `key`, or None when missing or expired."""
        ...

    def put(self, key: str, value: Value, ttl_s: float) -> None:
        """Store `value` under `key` for `ttl_s` seconds."""
        ...

    def delete(self, key: str) -> None:
        """Remove `key`."""
        ...

    def add_feedback(self, feedback: Feedback) -> bool:
        """Record a vote; a user's later vote on the same answer replaces the earlier one.
        Returns True when this is the user's first vote on that answer."""
        ...

    def feedback(self, limit: int = 100) -> list[Feedback]:
        """Most recent votes first."""
        ...

    def feedback_counts(self) -> dict[str, int]:
        """{'up': n, 'down': m} over all answers."""
        ...

    def ping(self) -> bool:
        """True when the store is reachable."""
        ...

    def add_question(self, record: QuestionRecord, ttl_s: float) -> None:
        """Log a question and its outcome for `ttl_s` seconds."""
        ...

    def vote_on_question(self, question_id: str, user: str, vote: str) -> bool:
        """Attach a user's vote to a logged question (a later vote replaces it); False when the
        question is not logged (unknown, expired or never recorded)."""
        ...

    def annotate_question(self, question_id: str, kind: Annotation, user: str, value: str) -> bool:
        """Attach a user's note of `kind` to a logged question (their later note of that kind
        replaces it); False when the question is not logged."""
        ...

    def questions(self, *, since: float = 0.0, limit: int = 10_000) -> list[QuestionRecord]:
        """Logged questions asked at or after `since` (epoch seconds), most recent first."""
        ...


class SQLiteStateStore:
    """State in one SQLite file (WAL mode: safe for several threads and processes)."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.clock = clock  # seconds since the epoch; expiry is measured on it
        self._local = threading.local()
        # one writer at a time inside this process: a Python lock hands over in microseconds,
        # where SQLite's busy handler would back off in sleeps of up to 100 ms
        self._write = threading.Lock()
        with self._conn() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, "
                "expires_at REAL NOT NULL)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS feedback (answer_id TEXT NOT NULL, user TEXT NOT NULL, "
                "vote TEXT NOT NULL, channel TEXT, question TEXT, at REAL NOT NULL, "
                "PRIMARY KEY (answer_id, user))"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS questions (id TEXT PRIMARY KEY, at REAL NOT NULL, "
                "expires_at REAL NOT NULL, record TEXT NOT NULL)"
            )
            db.execute("CREATE INDEX IF NOT EXISTS questions_at ON questions (at)")
            db.execute("CREATE INDEX IF NOT EXISTS questions_expiry ON questions (expires_at)")

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"cannot open state DB {self.path}: {exc}") from exc
            conn.execute("PRAGMA busy_timeout=10000")
            # WAL + NORMAL: no fsync per commit (the WAL stays consistent; a power cut may lose
            # the last few state writes, never corrupt them)
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def claim(self, key: str, ttl_s: float) -> bool:
        now = self.clock()
        db = self._conn()
        with self._write:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM kv WHERE key = ? AND expires_at <= ?", (key, now))
                cur = db.execute(
                    "INSERT OR IGNORE INTO kv (key, value, expires_at) VALUES (?, '{}', ?)",
                    (key, now + ttl_s),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return cur.rowcount == 1

    def lease(self, key: str, owner: str, ttl_s: float) -> LeaseOutcome:
        now = self.clock()
        db = self._conn()
        mine = json.dumps({"state": PROCESSING, "owner": owner})
        with self._write:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(
                    "SELECT value FROM kv WHERE key = ? AND expires_at > ?", (key, now)
                ).fetchone()
                outcome = lease_outcome(row[0] if row else None)
                if outcome == "acquired":
                    db.execute(
                        "INSERT OR REPLACE INTO kv (key, value, expires_at) VALUES (?, ?, ?)",
                        (key, mine, now + ttl_s),
                    )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return outcome

    def renew(self, key: str, owner: str, ttl_s: float) -> bool:
        mine = json.dumps({"state": PROCESSING, "owner": owner})
        now = self.clock()
        with self._write:
            cur = self._conn().execute(
                "UPDATE kv SET expires_at = ? WHERE key = ? AND value = ? AND expires_at > ?",
                (now + ttl_s, key, mine, now),
            )
        return cur.rowcount == 1

    def finish(self, key: str, ttl_s: float) -> None:
        self.put(key, {"state": DONE}, ttl_s)

    def release(self, key: str, owner: str) -> None:
        mine = json.dumps({"state": PROCESSING, "owner": owner})
        with self._write:
            self._conn().execute("DELETE FROM kv WHERE key = ? AND value = ?", (key, mine))

    def get(self, key: str) -> Value | None:
        row = (
            self._conn()
            .execute("SELECT value FROM kv WHERE key = ? AND expires_at > ?", (key, self.clock()))
            .fetchone()
        )
        return None if row is None else dict(json.loads(row[0]))

    def put(self, key: str, value: Value, ttl_s: float) -> None:
        now = self.clock()
        db = self._conn()
        with self._write:
            db.execute(
                "INSERT OR REPLACE INTO kv (key, value, expires_at) VALUES (?, ?, ?)",
                (key, json.dumps(value), now + ttl_s),
            )
            if int(now) % 50 == 0:  # occasional sweep of expired rows
                db.execute("DELETE FROM kv WHERE expires_at <= ?", (now,))

    def delete(self, key: str) -> None:
        with self._write:
            self._conn().execute("DELETE FROM kv WHERE key = ?", (key,))

    def add_feedback(self, feedback: Feedback) -> bool:
        db = self._conn()
        with self._write:
            return self._add_feedback(db, feedback)

    def _add_feedback(self, db: sqlite3.Connection, feedback: Feedback) -> bool:
        db.execute("BEGIN IMMEDIATE")
        try:
            existed = db.execute(
                "SELECT 1 FROM feedback WHERE answer_id = ? AND user = ?",
                (feedback.answer_id, feedback.user),
            ).fetchone()
            db.execute(
                "INSERT OR REPLACE INTO feedback (answer_id, user, vote, channel, question, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    feedback.answer_id,
                    feedback.user,
                    feedback.vote,
                    feedback.channel,
                    feedback.question,
                    feedback.at or self.clock(),
                ),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return existed is None

    def feedback(self, limit: int = 100) -> list[Feedback]:
        rows = (
            self._conn()
            .execute(
                "SELECT answer_id, user, vote, channel, question, at FROM feedback "
                "ORDER BY at DESC LIMIT ?",
                (limit,),
            )
            .fetchall()
        )
        return [Feedback(*row) for row in rows]

    def feedback_counts(self) -> dict[str, int]:
        rows = self._conn().execute("SELECT vote, COUNT(*) FROM feedback GROUP BY vote").fetchall()
        counts = {"up": 0, "down": 0}
        counts.update({vote: int(n) for vote, n in rows})
        return counts

    def ping(self) -> bool:
        try:
            self._conn().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def add_question(self, record: QuestionRecord, ttl_s: float) -> None:
        now = self.clock()
        db = self._conn()
        with self._write:
            db.execute(
                "INSERT OR REPLACE INTO questions (id, at, expires_at, record) VALUES (?, ?, ?, ?)",
                (record.id, record.at, now + ttl_s, record.to_json()),
            )
            db.execute("DELETE FROM questions WHERE expires_at <= ?", (now,))

    def vote_on_question(self, question_id: str, user: str, vote: str) -> bool:
        return self.annotate_question(question_id, "votes", user, vote)

    def annotate_question(self, question_id: str, kind: Annotation, user: str, value: str) -> bool:
        db = self._conn()
        with self._write:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(
                    "SELECT record FROM questions WHERE id = ? AND expires_at > ?",
                    (question_id, self.clock()),
                ).fetchone()
                if row is not None:
                    updated = QuestionRecord.from_json(row[0]).annotated(kind, user, value)
                    db.execute(
                        "UPDATE questions SET record = ? WHERE id = ?",
                        (updated.to_json(), question_id),
                    )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return row is not None

    def questions(self, *, since: float = 0.0, limit: int = 10_000) -> list[QuestionRecord]:
        rows = (
            self._conn()
            .execute(
                "SELECT record FROM questions WHERE at >= ? AND expires_at > ? "
                "ORDER BY at DESC LIMIT ?",
                (since, self.clock(), limit),
            )
            .fetchall()
        )
        return [QuestionRecord.from_json(row[0]) for row in rows]


class RedisStateStore:
    """State in Redis: shared by every bot replica (SET NX makes claims exactly-once)."""

    def __init__(self, url: str, *, prefix: str = "hirebot:") -> None:
        import redis

        self.prefix = prefix
        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        # compare-and-set on the lease value, atomic in Redis
        self._renew_script = self._redis.register_script(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then "
            "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end"
        )
        self._release_script = self._redis.register_script(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then "
            "return redis.call('DEL', KEYS[1]) else return 0 end"
        )

    def _k(self, key: str) -> str:
        return self.prefix + key

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except self._errors as exc:
            raise StoreUnavailable(f"Redis is unreachable: {exc}") from exc

    def claim(self, key: str, ttl_s: float) -> bool:
        return bool(self._call(self._redis.set, self._k(key), b"1", nx=True, px=millis(ttl_s)))

    def lease(self, key: str, owner: str, ttl_s: float) -> LeaseOutcome:
        mine = json.dumps({"state": PROCESSING, "owner": owner})
        ms = millis(ttl_s)
        for _ in range(3):  # the key may expire between SET NX and GET: look again
            if self._call(self._redis.set, self._k(key), mine, nx=True, px=ms):
                return "acquired"
            raw = self._call(self._redis.get, self._k(key))
            if raw is None:
                continue
            return lease_outcome(raw)
        return "held"

    def renew(self, key: str, owner: str, ttl_s: float) -> bool:
        mine = json.dumps({"state": PROCESSING, "owner": owner})
        ms = millis(ttl_s)
        return bool(self._call(self._renew_script, keys=[self._k(key)], args=[mine, ms]))

    def finish(self, key: str, ttl_s: float) -> None:
        self._call(self._redis.set, self._k(key), json.dumps({"state": DONE}), px=millis(ttl_s))

    def release(self, key: str, owner: str) -> None:
        mine = json.dumps({"state": PROCESSING, "owner": owner})
        self._call(self._release_script, keys=[self._k(key)], args=[mine])

    def get(self, key: str) -> Value | None:
        raw = self._call(self._redis.get, self._k(key))
        return None if raw is None else dict(json.loads(raw))

    def put(self, key: str, value: Value, ttl_s: float) -> None:
        self._call(self._redis.set, self._k(key), json.dumps(value), px=millis(ttl_s))

    def delete(self, key: str) -> None:
        self._call(self._redis.delete, self._k(key))

    def add_feedback(self, feedback: Feedback) -> bool:
        record = asdict(feedback) | {"at": feedback.at or time.time()}
        field = f"{feedback.answer_id}|{feedback.user}"
        previous = self._call(self._redis.hget, self._k("feedback"), field)
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(self._k("feedback"), field, json.dumps(record))
        pipe.zadd(self._k("feedback:recent"), {field: record["at"]})
        self._call(pipe.execute)
        return previous is None

    def feedback(self, limit: int = 100) -> list[Feedback]:
        fields = self._call(self._redis.zrevrange, self._k("feedback:recent"), 0, limit - 1)
        if not fields:
            return []
        raws = self._call(self._redis.hmget, self._k("feedback"), fields)
        return [Feedback(**json.loads(r)) for r in raws if r]

    def feedback_counts(self) -> dict[str, int]:
        counts = {"up": 0, "down": 0}
        for raw in self._call(self._redis.hvals, self._k("feedback")):
            vote = json.loads(raw)["vote"]
            counts[vote] = counts.get(vote, 0) + 1
        return counts

    def ping(self) -> bool:
        try:
            return bool(self._redis.ping())
        except self._errors:
            return False

    def add_question(self, record: QuestionRecord, ttl_s: float) -> None:
        ms = millis(ttl_s)
        index = self._k("questions")
        pipe = self._redis.pipeline(transaction=True)
        pipe.set(self._k(f"question:{record.id}"), record.to_json(), px=ms)
        pipe.zadd(index, {record.id: record.at})
        pipe.zremrangebyscore(index, "-inf", f"({time.time() - ms / 1000}")
        pipe.pexpire(index, ms)
        self._call(pipe.execute)

    def vote_on_question(self, question_id: str, user: str, vote: str) -> bool:
        return self.annotate_question(question_id, "votes", user, vote)

    def annotate_question(self, question_id: str, kind: Annotation, user: str, value: str) -> bool:
        key = self._k(f"question:{question_id}")
        ttl_ms = int(self._call(self._redis.pttl, key))
        if ttl_ms <= 0:  # -2: no such question (or expired); -1 cannot happen (always set with PX)
            return False
        notes = self._k(f"question:{question_id}:{kind}")  # one hash per kind: user -> value
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(notes, user, value)
        pipe.pexpire(notes, ttl_ms)
        self._call(pipe.execute)
        return True

    def questions(self, *, since: float = 0.0, limit: int = 10_000) -> list[QuestionRecord]:
        index = self._k("questions")
        ids = self._call(self._redis.zrevrangebyscore, index, "+inf", since, start=0, num=limit)
        if not ids:
            return []
        names = [i.decode() for i in ids]
        pipe = self._redis.pipeline(transaction=False)
        for name in names:
            pipe.get(self._k(f"question:{name}"))
            for kind in ANNOTATIONS:
                pipe.hgetall(self._k(f"question:{name}:{kind}"))
        replies = self._call(pipe.execute)
        step = 1 + len(ANNOTATIONS)
        records, gone = [], []
        for n, name in enumerate(names):
            raw, *notes = replies[n * step : (n + 1) * step]
            if raw is None:
                gone.append(name)
                continue
            decoded = {
                kind: {k.decode(): v.decode() for k, v in hash_.items()}
                for kind, hash_ in zip(ANNOTATIONS, notes, strict=True)
            }
            records.append(QuestionRecord.from_json(raw, **decoded))
        if gone:
            self._call(self._redis.zrem, index, *gone)
        return records


def millis(ttl_s: float) -> int:
    """A TTL in whole milliseconds for Redis (at least 1: Redis refuses 0)."""
    return max(1, int(ttl_s * 1000))


def lease_outcome(raw: str | bytes | None) -> LeaseOutcome:
    """What a lease request gets, given the key's live stored value (None: free; anything but a
    running lease, such as a plain `claim`, counts as done). A running lease is "held" even
    for its own owner: a retry delivered to the replica still answering is a duplicate too."""
    if raw is None:
        return "acquired"
    try:
        current = json.loads(raw)
    except ValueError:
        return "done"
    if not isinstance(current, dict) or current.get("state") != PROCESSING:
        return "done"
    return "held"


def open_state_store(*, redis_url: str | None, sqlite_path: Path) -> StateStore:
    """Redis when a URL is configured, else SQLite under the data dir."""
    if redis_url:
        return RedisStateStore(redis_url)
    return SQLiteStateStore(sqlite_path)
