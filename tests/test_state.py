"""State stores: real SQLite in a temp dir and real Redis on 127.0.0.1:6379."""

import threading
import uuid

import pytest

from bot.stores.state import Feedback, RedisStateStore, SQLiteStateStore
from tests.clock import ManualClock, let_pass

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_available() -> bool:
    try:
        return RedisStateStore(REDIS_URL).ping()
    except Exception:
        return False


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return SQLiteStateStore(tmp_path / "state.sqlite3", clock=ManualClock())
    if not redis_available():
        pytest.skip("no Redis server on 127.0.0.1:6379")
    return RedisStateStore(REDIS_URL, prefix=f"hirebot-test-{uuid.uuid4().hex[:8]}:")


def test_put_get_delete_and_expiry(store):
    store.put("conv:1", {"question": "q"}, ttl_s=60)
    assert store.get("conv:1") == {"question": "q"}
    store.put("short", {"a": 1}, ttl_s=0.2)
    assert store.get("short") == {"a": 1}
    let_pass(store, 0.25)
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
    assert store.claim("event:short", ttl_s=0.2)
    assert not store.claim("event:short", ttl_s=0.2)
    let_pass(store, 0.25)
    assert store.claim("event:short", ttl_s=0.2)


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


# ---- event leases: claim as processing, renew, finish, release -------------------------------


def test_a_free_key_is_leased_by_exactly_one_of_many_concurrent_owners(store):
    outcomes: dict[str, str] = {}

    def take(owner: str) -> None:
        outcomes[owner] = store.lease("event:EvLease", owner, ttl_s=30)

    threads = [threading.Thread(target=take, args=(f"r{n}",)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["acquired"] + ["held"] * 15
    winner = next(o for o, v in outcomes.items() if v == "acquired")
    assert store.lease("event:EvLease", winner, ttl_s=30) == "held"  # a re-delivery: held too


def test_an_expired_lease_is_taken_over_but_a_finished_one_never_is(store):
    assert store.lease("event:crash", "dead-replica", ttl_s=0.2) == "acquired"
    assert store.lease("event:crash", "other", ttl_s=30) == "held"
    let_pass(store, 0.25)  # the holder died: nobody renewed
    assert store.lease("event:crash", "other", ttl_s=30) == "acquired"
    assert not store.renew("event:crash", "dead-replica", ttl_s=30)  # no longer its lease
    store.finish("event:crash", ttl_s=60)
    assert store.lease("event:crash", "third", ttl_s=30) == "done"
    assert store.lease("event:crash", "other", ttl_s=30) == "done"


def test_renewing_keeps_a_lease_alive_past_its_first_expiry(store):
    assert store.lease("event:slow", "alive", ttl_s=0.2) == "acquired"
    for _ in range(3):  # 0.3 s in all: past the first expiry
        let_pass(store, 0.1)
        assert store.renew("event:slow", "alive", ttl_s=0.2)
    assert store.lease("event:slow", "other", ttl_s=30) == "held"


def test_release_frees_only_the_owners_lease(store):
    assert store.lease("event:rel", "a", ttl_s=30) == "acquired"
    store.release("event:rel", "b")  # not b's: nothing happens
    assert store.lease("event:rel", "b", ttl_s=30) == "held"
    store.release("event:rel", "a")
    assert store.lease("event:rel", "b", ttl_s=30) == "acquired"


def test_a_key_taken_with_plain_claim_counts_as_done(store):
    assert store.claim("event:legacy", ttl_s=60)
    assert store.lease("event:legacy", "a", ttl_s=30) == "done"
