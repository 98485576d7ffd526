"""Scale-out: a real Chroma server, Redis state, and two bot processes sharing one Redis (its
Stream is their inbox): retries are answered once, a replica killed after the ack is taken
over with no retry from Slack, and a replica stopped with SIGTERM finishes its answers."""

from __future__ import annotations

import json
import signal
import uuid
from pathlib import Path

import pytest

from bot.services import build_services
from tests.conftest import KNOWLEDGE, SIGNING_SECRET, free_port, make_settings
from tests.fake_openai import Scripted, running_fake_openai
from tests.fake_slack import SignedPoster, mention
from tests.processes import clean_env, log_lines, start_serve, stop, wait_ready, wait_until

pytestmark = pytest.mark.slow


def test_ingest_and_questions_work_the_same_against_a_chroma_server(
    chroma_server, embedder, tmp_path
):
    """One folder of knowledge/ (the pay document), ingested through a Chroma server and into
    an embedded store: the same chunks, and the same answer with the same sources."""
    pay = KNOWLEDGE / "pay"
    settings = make_settings(
        tmp_path / "data", chroma_url=chroma_server, collection=f"t_{uuid.uuid4().hex[:8]}"
    )
    services = build_services(settings, embedder=embedder)
    embedded = build_services(make_settings(tmp_path / "embedded"), embedder=embedder)
    report = services.ingest([pay], progress=False)
    assert report.ok and report.chunks_added == embedded.ingest([pay], progress=False).chunks_added
    assert {c.id for c in services.store.all_chunks()} == {
        c.id for c in embedded.store.all_chunks()
    }
    assert not (tmp_path / "data" / "chroma").exists()  # nothing embedded locally
    again = services.ingest([pay], progress=False)
    assert again.texts_embedded == 0 and again.files_unchanged == 1
    question = "What does a senior AI engineer earn?"
    remote, local = services.qa.ask(question), embedded.qa.ask(question)
    assert remote.grounded and remote.answer == local.answer
    assert [s.source for s in remote.sources] == [s.source for s in local.sources]


def test_a_second_client_sees_changes_made_through_the_server(chroma_server, embedder, tmp_path):
    name = f"t_{uuid.uuid4().hex[:8]}"
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text(
        "# Rates\n\nObsidi says freelance ML developers charge $100–$250 per hour.\n"
    )
    writer = build_services(
        make_settings(tmp_path / "w", chroma_url=chroma_server, collection=name), embedder=embedder
    )
    reader = build_services(
        make_settings(tmp_path / "r", chroma_url=chroma_server, collection=name), embedder=embedder
    )
    writer.ingest([docs], progress=False)
    assert reader.store.count() == writer.store.count() > 0
    version = reader.store.version()
    (docs / "b.md").write_text(
        "# Trials\n\nCoders.dev offers a paid two-week trial for new engineers.\n"
    )
    writer.ingest([docs], progress=False)
    assert reader.store.version() != version
    reader.retriever._checked_at = 0.0
    assert any("two-week trial" in c.text for c in reader.retriever.lexical_index().chunks)


def test_unreachable_chroma_server_is_a_clear_error(tmp_path, embedder):
    from bot.errors import StoreUnavailable

    settings = make_settings(tmp_path, chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StoreUnavailable, match=r"unreachable|cannot open"):
        build_services(settings, embedder=embedder)


@pytest.fixture
def inbox_redis(redis_url):
    """The local Redis with no inbox left over from another test (or an earlier run)."""
    import redis

    db = redis.Redis.from_url(redis_url)

    def clear() -> None:
        for key in [*db.scan_iter("hirebot:inbox*"), *db.scan_iter("hirebot:event:*")]:
            db.delete(key)

    clear()
    yield db
    clear()


def replicas(env: dict[str, str], tmp_path: Path, count: int = 2):
    """`count` bot processes on free ports, ready; (procs, posters, logs)."""
    ports = [free_port() for _ in range(count)]
    logs = [tmp_path / f"replica-{n}.log" for n in range(count)]
    procs = [start_serve(env, port, log) for port, log in zip(ports, logs, strict=True)]
    try:
        for port, proc, log in zip(ports, procs, logs, strict=True):
            wait_ready(port, proc, log)
    except BaseException:
        for proc in procs:
            proc.kill()
        raise
    posters = [SignedPoster(f"http://127.0.0.1:{p}", SIGNING_SECRET) for p in ports]
    return procs, posters, logs


def replica_env(fake_slack, kb_dir, redis_url: str, **extra: str) -> dict[str, str]:
    return clean_env(
        SLACK_BOT_TOKEN="xoxb-replicas",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.url,
        HIREBOT_DATA_DIR=str(kb_dir),
        HIREBOT_REDIS_URL=redis_url,
        HIREBOT_INGEST_ON_START="false",
        HIREBOT_LOG_FORMAT="json",
        **extra,
    )


def holder_pid(db) -> int | None:
    """The pid of the replica holding the (one) pending inbox entry."""
    try:
        pending = db.xpending_range("hirebot:inbox", "hirebot", "-", "+", 10)
    except Exception:  # the group does not exist yet
        return None
    if not pending:
        return None
    name = pending[0]["consumer"]
    return int((name.decode() if isinstance(name, bytes) else name).rsplit(":", 2)[1])


def test_two_bot_processes_sharing_redis_answer_each_event_exactly_once(
    kb_services, kb_dir, fake_slack, inbox_redis, redis_url, tmp_path
):
    """Retries to both replicas are dropped; and one post lands but its answer comes after
    the client's timeout: it is looked up by its metadata and not posted again."""
    env = replica_env(fake_slack, kb_dir, redis_url, HIREBOT_SLACK_TIMEOUT_S="1")
    procs, posters, logs = replicas(env, tmp_path)
    fake_slack.land_then("chat.postMessage", delay_s=2.5)  # the first post: landed, timed out
    try:
        events = 6
        for n in range(events):
            event = mention("What is MLOps?", ts=f"17000009{n:02d}.000100", channel="C0TWO")
            # Slack delivers to one replica, retries may land on the other: send to both, twice
            for attempt, poster in enumerate(posters + posters):
                status, _, _ = poster.event(event, event_id=f"EvTwo{n}", retry=attempt or None)
                assert status == 200
        fake_slack.wait_for("chat.postMessage", events)
        wait_until(lambda: inbox_redis.xlen("hirebot:inbox") == 0, what="an empty inbox")
        calls = fake_slack.calls_to("chat.postMessage")
        assert sorted(c.params["thread_ts"] for c in calls) == sorted(
            f"17000009{n:02d}.000100" for n in range(events)
        )
        assert all(len(fake_slack.visible("C0TWO", c.params["thread_ts"])) == 1 for c in calls)
        assert len(fake_slack.calls_to("conversations.replies")) == 1  # the timed-out post
        lines = [x for log in logs for x in log_lines(log)]
        assert [x for x in lines if x["msg"] == "the reply had been posted"]
    finally:
        for proc, log in zip(procs, logs, strict=True):
            assert stop(proc) == 0, log.read_text()


def test_slack_retries_reaching_the_other_replica_while_an_answer_runs_are_dropped(
    kb_services, kb_dir, fake_slack, inbox_redis, redis_url, tmp_path
):
    """Slack retries an event it got no timely 200 for, possibly to another replica: while
    the answer runs (a slow model), every retry is acked and dropped; one answer, one model
    call. (This test used to be called a crash test: it tests retries, not crashes.)"""
    run = uuid.uuid4().hex[:8]
    channel, ts, event_id = f"C0RETRY{run}", "1700009700.000100", f"EvRetry{run}"
    with running_fake_openai() as llm_api:
        llm_api.script(Scripted(status=500, delay_s=3))  # slow, then extractive
        env = replica_env(
            fake_slack,
            kb_dir,
            redis_url,
            HIREBOT_LLM_BASE_URL=llm_api.url,
            HIREBOT_LLM_MODEL="fake",
        )
        procs, (a, b), logs = replicas(env, tmp_path)
        try:
            event = mention("What is MLOps?", ts=ts, channel=channel)
            assert a.event(event, event_id=event_id)[0] == 200
            wait_until(lambda: len(llm_api.requests) == 1, what="the model call")
            for retry, poster in enumerate((b, a, b), 1):
                assert poster.event(event, event_id=event_id, retry=retry)[0] == 200
            (reply,) = fake_slack.wait_for("chat.postMessage", timeout=60)
            assert reply.params["channel"] == channel and reply.params["thread_ts"] == ts
            wait_until(lambda: inbox_redis.xlen("hirebot:inbox") == 0, what="an empty inbox")
            assert len(fake_slack.calls_to("chat.postMessage")) == 1
            assert len(fake_slack.visible(channel, ts)) == 1
            assert len(llm_api.requests) == 1  # no retry reached a core
            ignored = [
                x for log in logs for x in log_lines(log) if x["msg"] == "duplicate event ignored"
            ]
            assert sorted(x["retry"] for x in ignored) == ["1", "2", "3"]
        finally:
            for proc, log in zip(procs, logs, strict=True):
                assert stop(proc) == 0, log.read_text()


def test_a_replica_killed_after_the_ack_is_taken_over_by_the_other_with_no_retry(
    kb_services, kb_dir, fake_slack, inbox_redis, redis_url, tmp_path
):
    """The replica answering an acked mention is SIGKILLed while it waits on the model. Slack
    sends no retry (it got its 200); the other replica takes the event over from the inbox and
    answers it, once."""
    run = uuid.uuid4().hex[:8]
    channel, ts, event_id = f"C0KILL{run}", "1700009800.000100", f"EvKill{run}"
    with running_fake_openai() as llm_api:
        llm_api.script(Scripted("never sent", delay_s=60), Scripted(status=500))
        env = replica_env(
            fake_slack,
            kb_dir,
            redis_url,
            HIREBOT_EVENT_LEASE_S="2",
            HIREBOT_LLM_BASE_URL=llm_api.url,
            HIREBOT_LLM_MODEL="fake",
        )
        procs, (a, _), logs = replicas(env, tmp_path)
        try:
            event = mention("What is MLOps?", ts=ts, channel=channel)
            status, _, elapsed = a.event(event, event_id=event_id)
            assert status == 200 and elapsed < 1.0
            wait_until(lambda: len(llm_api.requests) == 1, what="the model call")
            pid = holder_pid(inbox_redis)
            (holder,) = [p for p in procs if p.pid == pid]  # either replica may have taken it
            holder.send_signal(signal.SIGKILL)
            holder.wait(timeout=10)
            (reply,) = fake_slack.wait_for("chat.postMessage", timeout=60)
            assert reply.params["channel"] == channel and reply.params["thread_ts"] == ts
            assert "Sources" in json.dumps(reply.params["blocks"])  # the model failed: extractive
            assert reply.params["metadata"]["event_payload"] == {
                "event_id": event_id,
                "final": True,
            }
            wait_until(lambda: inbox_redis.xlen("hirebot:inbox") == 0, what="an empty inbox")
            assert len(fake_slack.calls_to("chat.postMessage")) == 1
            assert len(llm_api.requests) == 2  # the survivor ran the core again
            (survivor_log,) = [log for p, log in zip(procs, logs, strict=True) if p is not holder]
            taken = [x for x in log_lines(survivor_log) if x["msg"] == "event taken over"]
            assert [x["event_id"] for x in taken] == [event_id]
        finally:
            for proc in procs:
                if proc.poll() is None:
                    assert stop(proc) == 0


def test_sigterm_finishes_the_answers_in_flight_and_the_other_replica_answers_the_rest(
    kb_services, kb_dir, fake_slack, inbox_redis, redis_url, tmp_path
):
    """Five acked mentions, two answer threads per replica, a slow model: four answers are in
    flight (two per replica) and one waits in the inbox when replica A gets SIGTERM. A finishes
    its two and exits 0; B answers the rest. Every mention is answered exactly once."""
    run = uuid.uuid4().hex[:8]
    channel = f"C0TERM{run}"
    with running_fake_openai() as llm_api:
        llm_api.script(*[Scripted(status=500, delay_s=4) for _ in range(5)])  # slow, extractive
        env = replica_env(
            fake_slack,
            kb_dir,
            redis_url,
            HIREBOT_ANSWER_WORKERS="2",
            HIREBOT_LLM_BASE_URL=llm_api.url,
            HIREBOT_LLM_MODEL="fake",
        )
        procs, (a, _), logs = replicas(env, tmp_path)
        try:
            threads = [f"17000099{n:02d}.000100" for n in range(5)]
            for n, ts in enumerate(threads):
                event = mention("What is MLOps?", ts=ts, channel=channel)
                assert a.event(event, event_id=f"EvTerm{run}{n}")[0] == 200
            wait_until(lambda: len(llm_api.requests) == 4, what="four answers in flight")
            assert stop(procs[0]) == 0  # SIGTERM: A finishes its two answers, then exits 0
            calls = fake_slack.wait_for("chat.postMessage", 5, timeout=90)
            wait_until(lambda: inbox_redis.xlen("hirebot:inbox") == 0, what="an empty inbox")
            assert (
                sorted(c.params["thread_ts"] for c in fake_slack.calls_to("chat.postMessage"))
                == threads
            )
            assert {c.params["channel"] for c in calls} == {channel}
            assert all(len(fake_slack.visible(channel, ts)) == 1 for ts in threads)
            lines = log_lines(logs[0])
            (stopping,) = [x for x in lines if x["msg"] == "stopping"]
            assert stopping["signal"] == "SIGTERM" and stopping["in_flight"] == 2
            assert [x for x in lines if x["msg"] == "answer workers stopped"]
            assert len([x for x in lines if x["msg"] == "replied"]) == 2
        finally:
            for proc, log in zip(procs, logs, strict=True):
                if proc.poll() is None:
                    assert stop(proc) == 0, log.read_text()
