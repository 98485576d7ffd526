"""State stores: real SQLite in a temp dir and real Redis on 127.0.0.1:6379."""

import threading
import time
import uuid

import pytest

from bot.state import Feedback, RedisStateStore, SQLiteStateStore

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_available() -> bool:
    try:
        return RedisStateStore(REDIS_URL).ping()
    except Exception:
        return False


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return SQLiteStateStore(tmp_path / "state.sqlite3")
    if not redis_available():
        pytest.skip("no Redis server on 127.0.0.1:6379")
    return RedisStateStore(REDIS_URL, prefix=f"hirebot-test-{uuid.uuid4().hex[:8]}:")


def test_put_get_delete_and_expiry(store):
    store.put("conv:1", {"question": "q"}, ttl_s=60)
    assert store.get("conv:1") == {"question": "q"}
    store.put("short", {"a": 1}, ttl_s=1)
    time.sleep(1.2)
    assert store.get("short") is None
    store.delete("conv:1")
    assert store.get("conv:1") is None


def test_claim_is_exactly_once_even_under_concurrency(store):
    wins = []

    def claim():
        wins.append(store.claim("event:Ev1", ttl_s=60))

    threads = [threading.Thread(target=claim) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1 and len(wins) == 16
    assert store.claim("event:Ev2", ttl_s=60)


def test_claim_can_be_taken_again_after_expiry(store):
    assert store.claim("event:short", ttl_s=1)
    time.sleep(1.2)
    assert store.claim("event:short", ttl_s=1)


def test_feedback_is_recorded_and_a_revote_replaces(store):
    assert store.add_feedback(Feedback("a1", "U1", "up", "C1", "q?", at=1.0))
    assert store.add_feedback(Feedback("a2", "U1", "down", "C1", "q2?", at=2.0))
    assert not store.add_feedback(Feedback("a1", "U1", "down", "C1", "q?", at=3.0))
    assert store.feedback_counts() == {"up": 0, "down": 2}
    recent = store.feedback()
    assert [(f.answer_id, f.vote) for f in recent] == [("a1", "down"), ("a2", "down")]


def test_ping(store):
    assert store.ping()


def test_sqlite_state_survives_reopening(tmp_path):
    first = SQLiteStateStore(tmp_path / "s.sqlite3")
    first.put("walk:U1", {"step": 2}, ttl_s=60)
    assert SQLiteStateStore(tmp_path / "s.sqlite3").get("walk:U1") == {"step": 2}


def test_unreachable_redis_reports_not_ready():
    store = RedisStateStore("redis://127.0.0.1:1/0")
    assert store.ping() is False
    from bot.errors import StoreUnavailable

    with pytest.raises(StoreUnavailable):
        store.get("x")
