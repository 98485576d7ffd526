"""Scale-out: a real Chroma server, Redis state, and two bot processes sharing one Redis."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from bot.services import build_services
from tests.conftest import KNOWLEDGE, SIGNING_SECRET, free_port, make_settings
from tests.fake_slack import SignedPoster, mention
from tests.processes import clean_env, start_serve, wait_ready

pytestmark = pytest.mark.slow


def test_ingest_and_questions_work_the_same_against_a_chroma_server(
    chroma_server, embedder, kb_services, tmp_path
):
    settings = make_settings(
        tmp_path / "data", chroma_url=chroma_server, collection=f"t_{uuid.uuid4().hex[:8]}"
    )
    services = build_services(settings, embedder=embedder)
    report = services.ingest([KNOWLEDGE], progress=False)
    assert report.ok and report.chunks_added == kb_services.store.count()
    assert not (tmp_path / "data" / "chroma").exists()  # nothing embedded locally
    again = services.ingest([KNOWLEDGE], progress=False)
    assert again.texts_embedded == 0 and again.files_unchanged == 15
    question = "What does a senior AI engineer earn?"
    remote, local = services.qa.ask(question), kb_services.qa.ask(question)
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


def test_two_bot_processes_sharing_redis_answer_each_event_exactly_once(
    kb_services, kb_dir, fake_slack, redis_url, tmp_path
):
    import redis

    db = redis.Redis.from_url(redis_url)
    for key in db.scan_iter("hirebot:event:EvTwo*"):
        db.delete(key)
    env = clean_env(
        SLACK_BOT_TOKEN="xoxb-two-procs",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.url,
        HIREBOT_DATA_DIR=str(kb_dir),
        HIREBOT_REDIS_URL=redis_url,
        HIREBOT_INGEST_ON_START="false",
    )
    ports = [free_port(), free_port()]
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [start_serve(env, p, log) for p, log in zip(ports, logs, strict=True)]
    try:
        for port, proc, log in zip(ports, procs, logs, strict=True):
            wait_ready(port, proc, log)
        posters = [SignedPoster(f"http://127.0.0.1:{p}", SIGNING_SECRET) for p in ports]
        events = 6
        for n in range(events):
            event = mention("What is MLOps?", ts=f"17000009{n:02d}.000100", channel="C0TWO")
            # Slack delivers to one replica, retries may land on the other: send to both, twice
            for attempt, poster in enumerate(posters + posters):
                status, _, _ = poster.event(event, event_id=f"EvTwo{n}", retry=attempt or None)
                assert status == 200
        calls = fake_slack.wait_for("chat.postMessage", events)
        time.sleep(2.0)
        calls = fake_slack.calls_to("chat.postMessage")
        assert sorted(c.params["thread_ts"] for c in calls) == sorted(
            f"17000009{n:02d}.000100" for n in range(events)
        )
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def test_a_retry_after_a_replica_is_killed_mid_answer_is_answered_once_by_the_other(
    kb_services, kb_dir, fake_slack, redis_url, tmp_path
):
    """Replica A leases the event and hangs in the model call; A is SIGKILLed. Slack's retry
    while A's lease still runs is dropped (B cannot know A died); the retry after the lease
    expired is answered by B; a later retry gets nothing. One reply in all."""
    import signal

    from tests.fake_openai import Scripted, running_fake_openai

    run = uuid.uuid4().hex[:8]
    channel, ts, event_id = f"C0KILL{run}", "1700009800.000100", f"EvKill{run}"
    with running_fake_openai() as llm_api:
        llm_api.script(Scripted("never sent", delay_s=60), Scripted(status=500))
        env = clean_env(
            SLACK_BOT_TOKEN="xoxb-kill",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=fake_slack.url,
            HIREBOT_DATA_DIR=str(kb_dir),
            HIREBOT_REDIS_URL=redis_url,
            HIREBOT_INGEST_ON_START="false",
            HIREBOT_EVENT_LEASE_S="2",
            HIREBOT_LLM_BASE_URL=llm_api.url,
            HIREBOT_LLM_MODEL="fake",
        )
        ports = [free_port(), free_port()]
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        procs = [start_serve(env, p, log) for p, log in zip(ports, logs, strict=True)]
        try:
            for port, proc, log in zip(ports, procs, logs, strict=True):
                wait_ready(port, proc, log)
            a, b = (SignedPoster(f"http://127.0.0.1:{p}", SIGNING_SECRET) for p in ports)
            event = mention("What is MLOps?", ts=ts, channel=channel)
            assert a.event(event, event_id=event_id)[0] == 200
            deadline = time.monotonic() + 30
            while not llm_api.requests and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(llm_api.requests) == 1  # A is mid-answer, waiting on the model
            procs[0].send_signal(signal.SIGKILL)
            procs[0].wait(timeout=10)
            assert b.event(event, event_id=event_id, retry=1)[0] == 200  # A's lease still runs
            time.sleep(2.5)  # A's lease expires: nobody renews it
            assert b.event(event, event_id=event_id, retry=2)[0] == 200
            (reply,) = fake_slack.wait_for("chat.postMessage")
            assert reply.params["channel"] == channel and reply.params["thread_ts"] == ts
            assert "Sources" in json.dumps(reply.params["blocks"])
            assert b.event(event, event_id=event_id, retry=3)[0] == 200
            time.sleep(1.0)
            assert len(fake_slack.calls_to("chat.postMessage")) == 1
            assert len(llm_api.requests) == 2  # the first retry never reached B's core
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.terminate()
            for proc in procs:
                proc.wait(timeout=30)
