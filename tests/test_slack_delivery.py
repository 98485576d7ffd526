"""Durable delivery in one process: the inbox is written before the ack, a stop leaves unstarted
events to the next start, a takeover finds the reply (or the placeholder) an earlier attempt
left, a post whose answer was lost is looked up before any repost, and no request gets a 5xx
or no answer at all."""

from __future__ import annotations

import dataclasses
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from bot.slack.inbox import SQLiteInbox
from bot.slack.replies import REPLY_EVENT_TYPE
from tests.conftest import SIGNING_SECRET, free_port, slack_services_for
from tests.fake_slack import DROP, SignedPoster, dm, event_payload, mention
from tests.test_slack_fidelity import gated_services


@dataclasses.dataclass
class Served:
    app: Any
    server: Any
    poster: SignedPoster
    base: str


@contextmanager
def served(services) -> Iterator[Served]:
    """`services`' Slack app over HTTP on a free port, with its answer workers."""
    from bot.slack.app import create_app
    from bot.slack.server import start_http

    app = create_app(services)
    server = start_http(app, services, host="127.0.0.1", port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield Served(app, server, SignedPoster(base, SIGNING_SECRET), base)
    finally:
        server.shutdown()
        server.server_close()


def get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def until(condition, timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def final_metadata(event_id: str, *, final: bool = True) -> dict[str, Any]:
    return {"event_type": REPLY_EVENT_TYPE, "event_payload": {"event_id": event_id, "final": final}}


def held_by_a_dead_process(services, event: dict, event_id: str, note: dict | None = None) -> None:
    """Put `event` in the app's inbox as a replica that took it and then died left it."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    owner = f"{socket.gethostname()}:{dead.pid}:deadbeef"
    inbox = SQLiteInbox(services.settings.inbox_path, lease_s=services.settings.event_lease_s)
    assert inbox.put(event_id, event_payload(event, event_id))
    entry = inbox.take(owner, wait_s=1)
    assert entry is not None
    if note:
        inbox.note(entry, note)


# ---- the inbox before the ack ----------------------------------------------------------------


def test_events_are_in_the_inbox_before_the_ack_and_readyz_shows_the_queue(
    kb_services, fake_slack, tmp_path
):
    services, qa = gated_services(kb_services, tmp_path, fake_slack.url, answer_workers=1)
    with served(services) as s:
        try:
            for n in range(3):
                event = mention("What is MLOps?", ts=f"17000030{n:02d}.000100")
                status, _, elapsed = s.poster.event(event, event_id=f"EvQ{n}")
                assert status == 200 and elapsed < 1.0
            assert qa.entered.acquire(timeout=30)  # one answer runs; two wait in the inbox
            status, ready = get(s.base + "/readyz")
            assert status == 200 and ready["queue"] == 3 and ready["in_flight"] == 1
            assert ready["inbox"] is True and ready["stopping"] is False
        finally:
            qa.gate.set()
        calls = fake_slack.wait_for("chat.postMessage", 3)
        assert sorted(c.params["thread_ts"] for c in calls) == [
            f"17000030{n:02d}.000100" for n in range(3)
        ]
        until(lambda: get(s.base + "/readyz")[1]["queue"] == 0, what="an empty inbox")


def test_a_stop_finishes_the_answer_in_flight_and_the_next_start_answers_the_rest(
    kb_services, fake_slack, tmp_path
):
    from bot.slack.app import create_app

    services, qa = gated_services(kb_services, tmp_path, fake_slack.url, answer_workers=1)
    app = create_app(services)
    with served(services) as s:
        s.app.start_workers()
        for n in range(2):
            event = mention("What is MLOps?", ts=f"17000031{n:02d}.000100")
            assert s.poster.event(event, event_id=f"EvStop{n}")[0] == 200
        assert qa.entered.acquire(timeout=30)
        drained: list[bool] = []
        stopping = threading.Thread(target=lambda: drained.append(s.app.stop_workers(30)))
        stopping.start()
        until(lambda: s.app.delivery.status()["stopping"], what="the stop")
        assert get(s.base + "/readyz")[0] == 503  # a stopping replica is not ready
        qa.gate.set()  # the answer in flight finishes within the grace period
        stopping.join(30)
        assert drained == [True]
        (first,) = fake_slack.wait_for("chat.postMessage")
        assert first.params["thread_ts"] == "1700003100.000100"
        assert s.app.delivery.status()["queue"] == 1  # the other one never started
    app.start_workers()  # the next start (same data dir) answers what was left
    try:
        _, second = fake_slack.wait_for("chat.postMessage", 2)
        assert second.params["thread_ts"] == "1700003101.000100"
    finally:
        app.stop_workers(10)
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


# ---- a takeover: look before answering again -------------------------------------------------


def test_a_takeover_that_finds_the_final_reply_posts_nothing(kb_services, fake_slack, tmp_path):
    services = slack_services_for(kb_services, tmp_path, fake_slack.url)
    ts = "1700003200.000100"
    event = mention("What is MLOps?", ts=ts)
    fake_slack.add_message("C0CHAN", "the answer", thread_ts=ts, metadata=final_metadata("EvT1"))
    held_by_a_dead_process(services, event, "EvT1")
    with served(services) as s:
        (lookup,) = fake_slack.wait_for("conversations.replies")
        until(lambda: s.app.delivery.status()["queue"] == 0, what="the entry to be done")
    assert lookup.params["ts"] == ts and lookup.params["include_all_metadata"]
    assert fake_slack.calls_to("chat.postMessage") == []
    assert fake_slack.calls_to("chat.update") == []
    assert len(fake_slack.visible("C0CHAN", ts)) == 1


def test_a_placeholder_left_by_a_dead_replica_is_completed_not_duplicated(
    kb_services, fake_slack, tmp_path
):
    services = slack_services_for(kb_services, tmp_path, fake_slack.url)
    event = dm("What is MLOps?", ts="1700003300.000100")
    placeholder = fake_slack.add_message(
        "D0DM", "MLOps is", metadata=final_metadata("EvT2", final=False)
    )
    held_by_a_dead_process(services, event, "EvT2")
    with served(services):
        (update,) = fake_slack.wait_for("chat.update")
    (lookup,) = fake_slack.calls_to("conversations.history")  # a DM's top level
    assert lookup.params["oldest"] == "1700003300.000100"
    assert update.params["ts"] == placeholder and "Sources" in json.dumps(update.params["blocks"])
    assert update.params["metadata"]["event_payload"] == {"event_id": "EvT2", "final": True}
    assert fake_slack.calls_to("chat.postMessage") == []
    (shown,) = fake_slack.visible("D0DM")
    assert shown["metadata"]["event_payload"]["final"] is True


def test_an_open_stream_left_by_a_dead_replica_is_closed_and_completed(
    kb_services, fake_slack, tmp_path
):
    services = slack_services_for(kb_services, tmp_path, fake_slack.url)
    ts = "1700003400.000100"
    event = mention("What is MLOps?", ts=ts)
    stream = fake_slack.add_message("C0CHAN", "MLOps is", thread_ts=ts, streaming=True)
    note = {"placeholder": {"ts": stream, "streaming": True}}  # a stream carries no metadata
    held_by_a_dead_process(services, event, "EvT3", note=note)
    with served(services):
        (update,) = fake_slack.wait_for("chat.update")
    (stop,) = fake_slack.calls_to("chat.stopStream")
    assert stop.params["ts"] == stream and stop.at < update.at
    assert update.ok and update.params["ts"] == stream
    assert fake_slack.calls_to("chat.postMessage") == []
    assert len(fake_slack.visible("C0CHAN", ts)) == 1


# ---- a post whose answer was lost --------------------------------------------------------------


@pytest.mark.parametrize("lost", ["timeout", "dropped"])
def test_a_post_that_landed_but_whose_answer_was_lost_is_not_posted_twice(
    kb_services, fake_slack, tmp_path, lost
):
    base = slack_services_for(kb_services, tmp_path, fake_slack.url)
    services = dataclasses.replace(
        base, settings=base.settings.model_copy(update={"slack_timeout_s": 1.0})
    )
    if lost == "timeout":
        fake_slack.land_then("chat.postMessage", delay_s=3.0)  # posted; the answer is late
    else:
        fake_slack.land_then("chat.postMessage", drop=True)  # posted; the connection drops
    ts = "1700003500.000100"
    with served(services) as s:
        assert s.poster.event(mention("What is MLOps?", ts=ts), event_id="EvLand")[0] == 200
        fake_slack.wait_for("conversations.replies", timeout=30)
        until(lambda: s.app.delivery.status()["queue"] == 0, what="the entry to be done")
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    (shown,) = fake_slack.visible("C0CHAN", ts)
    assert shown["metadata"]["event_payload"] == {"event_id": "EvLand", "final": True}


def test_a_reply_whose_outcome_cannot_be_told_stays_in_the_inbox_and_is_tried_again(
    kb_services, fake_slack, tmp_path
):
    services = slack_services_for(kb_services, tmp_path, fake_slack.url)
    fake_slack.script("chat.postMessage", DROP, {})  # nothing posted, the answer lost...
    fake_slack.script("conversations.replies", DROP, {})  # ...and Slack cannot be asked
    ts = "1700003600.000100"
    with served(services) as s:
        assert s.poster.event(mention("What is MLOps?", ts=ts), event_id="EvUnsure")[0] == 200
        _, answer = fake_slack.wait_for("chat.postMessage", 2, timeout=30)  # a later attempt
        until(lambda: s.app.delivery.status()["queue"] == 0, what="the entry to be done")
    assert answer.ok and answer.params["thread_ts"] == ts
    assert len(fake_slack.calls_to("conversations.replies")) == 2  # looked before the repost
    assert len(fake_slack.visible("C0CHAN", ts)) == 1


# ---- the HTTP front: one signature check, a 4xx for anything malformed ------------------------


def raw_request(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
            if b"\r\n\r\n" in answer:
                head, _, rest = answer.partition(b"\r\n\r\n")
                length = [
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ]
                if length and len(rest) >= length[0]:
                    break
        return answer


def post_without(port: int, *, timestamp: bytes | None, body: bytes = b'{"type": "x"}') -> bytes:
    headers = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    if timestamp is not None:
        headers += b"X-Slack-Request-Timestamp: " + timestamp + b"\r\n"
    headers += b"X-Slack-Signature: v0=" + b"0" * 64 + b"\r\n"
    return raw_request(port, headers + b"Content-Length: %d\r\n\r\n" % len(body) + body)


def test_unsigned_or_malformed_requests_get_a_4xx_answer_never_silence(slack, caplog):
    port = int(slack.base_url.rsplit(":", 1)[1])
    for timestamp in (None, b"", b"yesterday", b"-5", b"1e9"):
        answer = post_without(port, timestamp=timestamp)
        assert answer.startswith(b"HTTP/1.1 401"), (timestamp, answer[:80])
    huge = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n"
    assert raw_request(port, huge).startswith(b"HTTP/1.1 413")
    assert get(slack.base_url + "/slack/events")[0] == 405
    body = json.dumps({"type": "event_callback", "event_id": "EvNoEvent", "event": [1]})
    assert slack.poster.post(body, "application/json")[0] == 400
    assert not [r for r in caplog.records if r.exc_info], "no traceback for a client's mistake"
    slack.poster.event(mention("What is MLOps?"), event_id="EvAfterBad")
    assert slack.fake.wait_for("chat.postMessage")[0].ok


def test_an_event_the_inbox_cannot_take_is_refused_so_that_slack_resends_it(
    kb_services, fake_slack, tmp_path
):
    base = slack_services_for(kb_services, tmp_path, fake_slack.url)
    down = f"redis://127.0.0.1:{free_port()}/0"
    services = dataclasses.replace(
        base, settings=base.settings.model_copy(update={"redis_url": down})
    )
    with served(services) as s:
        status, _, _ = s.poster.event(mention("What is MLOps?"), event_id="EvDown")
        assert status == 503
        status, ready = get(s.base + "/readyz")
        assert status == 503 and ready["inbox"] is False
    assert fake_slack.calls_to("chat.postMessage") == []


# ---- Socket Mode: ack once in the inbox, close the connection first on stop --------------------


def test_socket_mode_acks_after_the_inbox_write_and_closes_the_connection_on_stop(
    kb_services, fake_slack, tmp_path
):
    from pydantic import SecretStr
    from websockets.sync.server import serve as websocket_server

    from bot.slack.server import StopSignal, serve

    ts = "1700003700.000100"
    envelope = {
        "envelope_id": "env-1",
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": 0,
        "retry_reason": "",
        "payload": event_payload(mention("What is MLOps?", ts=ts), "EvSocket"),
    }
    acks: list[tuple[float, dict]] = []
    closed = threading.Event()

    def slack_side(connection) -> None:  # what Slack's Socket Mode endpoint does
        connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        connection.send(json.dumps(envelope))
        try:
            for message in connection:
                acks.append((time.monotonic(), json.loads(message)))
        finally:
            closed.set()

    with websocket_server(slack_side, "127.0.0.1", 0) as endpoint:
        threading.Thread(target=endpoint.serve_forever, daemon=True).start()
        url = f"ws://127.0.0.1:{endpoint.socket.getsockname()[1]}/link"
        fake_slack.script("apps.connections.open", 200, {"ok": True, "url": url}, times=3)
        base = slack_services_for(kb_services, tmp_path, fake_slack.url)
        settings = base.settings.model_copy(
            update={
                "slack_app_token": SecretStr("xapp-1-A0APP-1-test"),
                "slack_signing_secret": None,
            }
        )
        services = dataclasses.replace(base, settings=settings)
        stop, exit_code = StopSignal(), []
        running = threading.Thread(
            target=lambda: exit_code.append(
                serve(services, http=False, port=0, host="127.0.0.1", prepared=True, stop=stop)
            )
        )
        running.start()
        try:
            (answer,) = fake_slack.wait_for("chat.postMessage", timeout=60)
        finally:
            stop.request("SIGTERM")
            running.join(60)
        endpoint.shutdown()
    assert answer.params["thread_ts"] == ts
    (acked_at, ack), *_ = acks
    assert ack == {"envelope_id": "env-1"} and acked_at < answer.at  # acked before answered
    assert exit_code == [0] and closed.is_set()  # the connection was closed on stop
