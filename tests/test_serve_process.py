"""`hirebot serve --http` as a real process against the fake Slack Web API (slow: few tests)."""

from __future__ import annotations

import json
import socket
import subprocess
import urllib.error
import urllib.request

import pytest

from tests.conftest import ROOT, SIGNING_SECRET
from tests.fake_slack import SignedPoster, mention
from tests.processes import HIREBOT, clean_env, own_data_dir, start_serve, stop, wait_ready

pytestmark = pytest.mark.slow
BOT_TOKEN = "xoxb-process-test-token-123456"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture
def served(kb_services, kb_dir, fake_slack, tmp_path):
    port = free_port()
    env = clean_env(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.url,
        HIREBOT_DATA_DIR=str(own_data_dir(kb_dir, tmp_path / "data")),
        HIREBOT_INGEST_ON_START="false",
        HIREBOT_LOG_FORMAT="json",
    )
    log = tmp_path / "serve.log"
    proc = start_serve(env, port, log)
    wait_ready(port, proc, log, timeout_s=120)
    base = f"http://127.0.0.1:{port}"
    yield base, fake_slack, log
    assert stop(proc) == 0, log.read_text()  # SIGTERM: a graceful stop


def test_signed_mention_is_answered_once_in_its_thread_even_with_retries(served):
    base, fake, log = served
    status, health = get(base + "/healthz")
    assert status == 200 and health["status"] == "ok"
    status, ready = get(base + "/readyz")
    assert ready["ready"] and ready["index_chunks"] > 50 and ready["state_store"]

    poster = SignedPoster(base, SIGNING_SECRET)
    event = mention("What does a senior AI engineer earn?", ts="1700000500.000100")
    status, _, elapsed = poster.event(event, event_id="EvProc1")
    assert status == 200 and elapsed < 3.0  # acked well within Slack's 3 s
    for retry in (1, 2):
        assert poster.event(event, event_id="EvProc1", retry=retry)[0] == 200
    (call,) = fake.wait_for("chat.postMessage")
    assert call.params["thread_ts"] == "1700000500.000100"
    assert "Gutierrez" in json.dumps(call.params["blocks"])
    poster.settled()
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert fake.calls_to("auth.test"), "the token is verified at startup"

    bad = poster.event(event, event_id="EvProc2", signature="v0=" + "0" * 64)
    assert bad[0] == 401
    request = urllib.request.Request(  # no X-Slack-Request-Timestamp: an answer, and no traceback
        base + "/slack/events", data=b'{"type": "event_callback"}', method="POST"
    )
    try:
        urllib.request.urlopen(request, timeout=5)
    except urllib.error.HTTPError as err:
        assert err.code == 401
    else:
        raise AssertionError("an unsigned request was accepted")
    status, ready = get(base + "/readyz")
    assert ready["queue"] == 0 and ready["in_flight"] == 0 and ready["inbox"]

    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    replied = [x for x in lines if x.get("msg") == "replied"]
    assert replied and replied[0]["outcome"] == "answer" and replied[0]["channel"] == "C0CHAN"
    assert replied[0]["event_id"] == "EvProc1"
    assert "latency_ms" in replied[0]
    text = log.read_text()
    assert BOT_TOKEN not in text and SIGNING_SECRET not in text
    assert "senior AI engineer earn" not in text  # no message text unless debug
    assert "Traceback" not in text


def serve_once(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HIREBOT, "serve", "--http", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_a_rejected_token_or_an_unreachable_slack_ends_with_one_line_and_exit_1(
    kb_dir, fake_slack, tmp_path
):
    fake_slack.script("auth.test", 200, {"ok": False, "error": "invalid_auth"})
    env = clean_env(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.url,
        HIREBOT_DATA_DIR=str(tmp_path / "data"),
    )
    run = serve_once(env)
    assert run.returncode == 1, run.stderr
    assert run.stderr.strip().splitlines() == [
        "hirebot: Slack rejected the bot token (auth.test failed: invalid_auth)"
    ]
    assert BOT_TOKEN not in run.stderr
    run = serve_once({**env, "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/"})
    assert run.returncode == 1, run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith("hirebot: cannot reach the Slack API at http://127.0.0.1:")


def test_a_follow_up_resolves_after_the_server_restarts(kb_services, kb_dir, fake_slack, tmp_path):
    """The structured reading of a thread lives in the state store, so another process (a
    restart, or another replica) continues the thread."""
    env = clean_env(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.url,
        HIREBOT_DATA_DIR=str(own_data_dir(kb_dir, tmp_path / "data")),
        HIREBOT_INGEST_ON_START="false",
    )
    thread = "1700000900.000100"
    turns = [
        ("what does a senior AI engineer make in the US?", thread, "EvRestart1"),
        ("and an ML scientist?", "1700000901.000100", "EvRestart2"),
    ]
    for n, (text, ts, event_id) in enumerate(turns, 1):
        port = free_port()
        log = tmp_path / f"serve-{n}.log"
        proc = start_serve(env, port, log)
        try:
            wait_ready(port, proc, log, timeout_s=120)
            poster = SignedPoster(f"http://127.0.0.1:{port}", SIGNING_SECRET)
            event = mention(text, ts=ts, thread_ts=thread)
            assert poster.event(event, event_id=event_id)[0] == 200
            fake_slack.wait_for("chat.postMessage", count=n, timeout=60)
        finally:
            assert stop(proc) == 0
    reply = json.dumps(fake_slack.calls_to("chat.postMessage")[1].params["blocks"])
    assert "Reading this as: what does a senior ML scientist make in the US?" in reply
    assert "$180,000" in reply
    assert fake_slack.calls_to("conversations.replies") == []  # the thread was known
