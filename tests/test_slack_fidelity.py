"""The Slack app against a fake Web API that behaves like a real workspace: escaped text and
encoded mentions in, escaped mrkdwn out, Assistant threads told apart from DM threads, acks
never starved by answers, no blind retries, malformed bodies refused with a 4xx."""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.conversation import Conversations
from bot.slack.blocks import FEEDBACK_UP
from tests.conftest import SIGNING_SECRET, slack_services_for
from tests.fake_slack import (
    BOT_USER_ID,
    DROP,
    FakeSlackAPI,
    SignedPoster,
    block_action,
    dm,
    feedback_click,
    mention,
    running_fake_slack,
)
from tests.slack_rules import ASSISTANT, manifest_scopes, shown_text
from tests.test_slack_app import assistant_thread_started
from tests.test_slack_walkthrough import option_buttons


@contextmanager
def served(services) -> Iterator[SignedPoster]:
    """`services`' Slack app over HTTP on a free port."""
    from bot.slack.app import create_app
    from bot.slack.server import start_http

    server = start_http(create_app(services), services, host="127.0.0.1", port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield SignedPoster(f"http://127.0.0.1:{server.server_address[1]}", SIGNING_SECRET)
    finally:
        server.shutdown()
        server.server_close()


class GatedQA:
    """The real question answerer behind a gate: answers wait until the test opens it (a slow
    model, without timing)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.gate = threading.Event()
        self.entered = threading.Semaphore(0)

    def ask(self, *args: Any, **kwargs: Any) -> Any:
        self.entered.release()
        assert self.gate.wait(60), "the test never opened the gate"
        return self.inner.ask(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def gated_services(kb_services, tmp_path, api_url: str, **settings: Any):
    base = slack_services_for(kb_services, tmp_path, api_url)
    qa = GatedQA(base.qa)
    services = dataclasses.replace(
        base,
        settings=base.settings.model_copy(update=settings),
        conversations=Conversations(qa, base.state, ttl_s=3600, dialog=base.roles),  # type: ignore[arg-type]
    )
    return services, qa


# ---- 1. escaped text in, escaped mrkdwn out ---------------------------------------------------


def test_typed_text_reaches_the_core_as_typed_and_the_reply_shows_knowledge_unescaped(slack):
    said = "what tools do R&D <research> hires use for experiment tracking? cc @alice @here"
    slack.poster.event(mention(said), event_id="EvAmp")
    (post,) = slack.fake.wait_for("chat.postMessage")
    assert "&amp;" in json.dumps(post.params["blocks"])  # "&" is escaped on the wire...
    shown = shown_text(post.params["blocks"])
    assert "Weights & Biases" in shown  # ...and shown as written
    assert "&amp;" not in shown and "&lt;" not in shown
    status, _, _ = slack.poster.action(feedback_click(post, "up", thread_ts="1700000001.000100"))
    assert status == 200
    slack.fake.wait_for("chat.postEphemeral")
    (vote,) = slack.services.state.feedback()
    assert vote.question == "what tools do R&D <research> hires use for experiment tracking? cc"


def test_the_assistant_title_is_the_question_as_typed(slack):
    slack.fake.view = ASSISTANT  # a workspace still on the older assistant view
    slack.poster.event(assistant_thread_started("1700000600.000100"), event_id="EvTitleOpen")
    slack.fake.wait_for("chat.postMessage")
    event = dm(
        "@hirebot What does a senior AI engineer at an R&D lab earn?",
        ts="1700000601.000100",
        thread_ts="1700000600.000100",
    )
    slack.poster.event(event, event_id="EvTitle")
    (title,) = slack.fake.wait_for("assistant.threads.setTitle")
    assert title.params["title"] == "What does a senior AI engineer at an R&D lab earn?"


def test_a_walkthrough_typed_in_words_ends_in_a_card_slack_accepts(slack):
    slack.poster.event(dm("help me pick a role"), event_id="EvTypedStart")
    slack.fake.wait_for("chat.postMessage")
    answer = (
        "we run an R&D lab <internal> & need someone to invent new model architectures, "
        "publish papers and run long experiments on novel algorithms; " * 12
    )[:1400]
    for n in range(5):
        event = dm(answer, ts=f"17000007{n:02d}.000100")
        slack.poster.event(event, event_id=f"EvTyped{n}")
        slack.fake.wait_for("chat.postMessage", n + 2)
    card = slack.fake.calls_to("chat.postMessage")[-1]
    assert card.ok, card.response  # Block Kit limits kept with five long typed answers
    shown = shown_text(card.params["blocks"])
    assert "ML scientist\nRecommended · " in shown  # the result card
    assert "You said: _we run an R&D lab <internal> & need someone" in shown
    assert "&amp;" not in shown


# ---- 2. threads in a DM are not Assistant threads unless Slack opened them as such -----------


def test_a_reply_under_the_bots_dm_answer_is_answered_in_the_dm_thread(slack):
    slack.poster.event(dm("What does an ML scientist do?", ts="1700000800.000100"), event_id="EvD1")
    (first,) = slack.fake.wait_for("chat.postMessage")
    reply_ts = first.response["ts"]
    slack.poster.settled()  # the first answer's status is cleared before the reader replies
    follow = dm(
        "and what do they earn?",
        ts="1700000801.000100",
        thread_ts=reply_ts,
        parent_user_id=BOT_USER_ID,
    )
    slack.poster.event(follow, event_id="EvD2")
    _, second = slack.fake.wait_for("chat.postMessage", 2)
    assert second.params["thread_ts"] == reply_ts
    text = shown_text(second.params["blocks"])
    assert "$180,000" in text or "$180k" in text  # the DM's earlier question is the context
    assert slack.fake.calls_to("assistant.threads.setTitle") == []  # not an Assistant thread
    # the status shows on the DM message (then its thread) while hirebot answers; the reply in
    # the thread removes it, a reply at the DM's top level is followed by clearing it
    statuses = [
        (c.params["thread_ts"], c.params["status"])
        for c in slack.fake.calls_to("assistant.threads.setStatus")
    ]
    assert statuses[-1] == (reply_ts, "is looking through the hiring knowledge base…")
    assert statuses[:2] == [
        ("1700000800.000100", "is looking through the hiring knowledge base…"),
        ("1700000800.000100", ""),
    ]


def test_a_typed_walkthrough_answer_in_a_thread_under_the_card_moves_it_on(slack):
    slack.poster.event(dm("help me pick a role"), event_id="EvCardStart")
    (card,) = slack.fake.wait_for("chat.postMessage")
    typed = dm(
        "we are adding an LLM assistant to our product, using OpenAI's API",
        ts="1700000901.000100",
        thread_ts=card.response["ts"],
        parent_user_id=BOT_USER_ID,
    )
    slack.poster.event(typed, event_id="EvCardTyped")
    _, second = slack.fake.wait_for("chat.postMessage", 2)
    assert "Question 2 of 5" in shown_text(second.params["blocks"])
    assert second.params["thread_ts"] == card.response["ts"]
    assert slack.fake.calls_to("assistant.threads.setTitle") == []
    click = option_buttons(second)[0]
    slack.poster.action(
        block_action(
            click["action_id"],
            click["value"],
            channel="D0DM",
            message_ts=second.response["ts"],
            thread_ts=card.response["ts"],
        )
    )
    assert "Question 3 of 5" in shown_text(slack.fake.wait_for("chat.update")[-1].params["blocks"])


def test_a_message_slack_marks_as_in_an_assistant_thread_takes_the_assistant_path(slack):
    event = dm(
        "What is MLOps?",
        ts="1700001001.000100",
        thread_ts="1700001000.000100",
        assistant_thread={"action_token": "10647138185092.960436384805.afce3599"},
    )
    slack.poster.event(event, event_id="EvMarked")
    slack.fake.wait_for("assistant.threads.setTitle")
    assert slack.fake.calls_to("assistant.threads.setStatus")


def test_without_the_assistant_scope_the_answer_still_arrives(kb_services, tmp_path):
    scopes = manifest_scopes() - {"assistant:write"}
    fake = FakeSlackAPI(scopes=scopes, view=ASSISTANT).start()
    try:
        services = slack_services_for(kb_services, tmp_path, fake.url)
        with served(services) as poster:
            poster.event(assistant_thread_started("1700001100.000100"), event_id="EvNoScope0")
            fake.wait_for("chat.postMessage")
            event = dm("What is MLOps?", ts="1700001101.000100", thread_ts="1700001100.000100")
            poster.event(event, event_id="EvNoScope1")
            _, answer = fake.wait_for("chat.postMessage", 2)
            assert answer.ok and "Sources" in shown_text(answer.params["blocks"])
            (title,) = fake.wait_for("assistant.threads.setTitle")
            assert title.response["error"] == "missing_scope"
            assert title.response["needed"] == "assistant:write"
    finally:
        fake.stop()


# ---- 3. answers never starve acks ----------------------------------------------------------


def test_commands_and_buttons_are_acked_while_slow_answers_fill_every_worker(
    kb_services, fake_slack, tmp_path
):
    services, qa = gated_services(kb_services, tmp_path, fake_slack.url)
    with served(services) as poster:
        slack_votes = []
        try:
            for n in range(8):  # more than the 4 listener threads and the 4 answer threads
                event = mention("What is MLOps?", ts=f"17000012{n:02d}.000100")
                assert poster.event(event, event_id=f"EvSlow{n}")[0] == 200
            for _ in range(4):  # every answer thread is now stuck in a "model call"
                assert qa.entered.acquire(timeout=30)
            command = urlencode(
                {
                    "command": "/hirebot-role",
                    "text": "",
                    "user_id": "U0MANAGER",
                    "channel_id": "C0CHAN",
                    "team_id": "T0TEAM",
                    "response_url": fake_slack.url + "response_url",
                    "trigger_id": "1.2",
                }
            )
            status, _, _ = poster.post(command, "application/x-www-form-urlencoded")
            assert status == 200  # acked (bolt answers 404 when ack() is not called in 3 s)
            (card,) = fake_slack.wait_for("chat.postMessage")
            assert "Question 1 of 5" in shown_text(card.params["blocks"])
            status, _, _ = poster.action(block_action(FEEDBACK_UP, "no-such-answer"))
            assert status == 200
            slack_votes = fake_slack.wait_for("chat.postEphemeral")
            assert qa.gate.is_set() is False  # all of this happened while answers were stuck
        finally:
            qa.gate.set()
        answers = fake_slack.wait_for("chat.postMessage", 1 + 8)
        assert len({c.params.get("thread_ts") for c in answers[1:]}) == 8
        assert slack_votes


def test_when_every_answer_thread_is_busy_the_user_is_told_to_ask_again(
    kb_services, fake_slack, tmp_path
):
    services, qa = gated_services(
        kb_services, tmp_path, fake_slack.url, answer_workers=1, answer_queue=0
    )
    with served(services) as poster:
        try:
            poster.event(mention("What is MLOps?", ts="1700001300.000100"), event_id="EvBusy1")
            assert qa.entered.acquire(timeout=30)
            poster.event(mention("What is RAG?", ts="1700001301.000100"), event_id="EvBusy2")
            (busy,) = fake_slack.wait_for("chat.postMessage")
            assert busy.params["thread_ts"] == "1700001301.000100"
            assert "ask again in a minute" in busy.params["text"]
        finally:
            qa.gate.set()
        fake_slack.wait_for("chat.postMessage", 2)


# ---- 6. the inbox: a slow answer is not duplicated, a lost post is looked up before a repost ----


def test_a_retry_while_a_slow_answer_runs_gets_no_second_reply(kb_services, fake_slack, tmp_path):
    services, qa = gated_services(kb_services, tmp_path, fake_slack.url, event_lease_s=0.6)
    with served(services) as poster:
        event = mention("What is MLOps?", ts="1700001400.000100")
        try:
            poster.event(event, event_id="EvLease")
            assert qa.entered.acquire(timeout=30)
            time.sleep(1.5)  # well past the first expiry: only renewals keep the lease
            for attempt in (1, 2):
                assert poster.event(event, event_id="EvLease", retry=attempt)[0] == 200
        finally:
            qa.gate.set()
        fake_slack.wait_for("chat.postMessage")
        poster.settled()
        assert len(fake_slack.calls_to("chat.postMessage")) == 1
        assert qa.entered.acquire(timeout=0) is False  # the retries never reached the core


def test_a_post_lost_before_it_landed_is_looked_up_then_posted_once(slack):
    slack.fake.script("chat.postMessage", DROP, {})  # the request arrived; nothing was posted
    event = mention("What is MLOps?", ts="1700001500.000100")
    slack.poster.event(event, event_id="EvDrop")
    first, second = slack.fake.wait_for("chat.postMessage", 2)
    assert first.status == DROP and second.ok
    (lookup,) = slack.fake.calls_to("conversations.replies")  # is it there? no: post again
    assert lookup.params["ts"] == "1700001500.000100" and lookup.params["include_all_metadata"]
    assert second.params["metadata"]["event_payload"] == {"event_id": "EvDrop", "final": True}
    assert slack.poster.event(event, event_id="EvDrop", retry=1)[0] == 200
    slack.poster.settled()
    assert len(slack.fake.calls_to("chat.postMessage")) == 2
    assert len(slack.fake.visible("C0CHAN", "1700001500.000100")) == 1


def test_an_idempotent_update_whose_answer_was_lost_is_retried(slack):
    slack.fake.script("chat.update", DROP, {})
    slack.poster.event(dm("help me pick a role"), event_id="EvUpdDrop")
    (card,) = slack.fake.wait_for("chat.postMessage")
    click = option_buttons(card)[0]
    slack.poster.action(
        block_action(click["action_id"], click["value"], channel="D0DM", message_ts="17.1")
    )
    first, second = slack.fake.wait_for("chat.update", 2)
    assert first.status == DROP and second.ok and second.params == first.params


def test_a_reply_slack_refuses_is_released_for_a_retry(slack):
    slack.fake.script("chat.postMessage", 200, {"ok": False, "error": "internal_error"})
    event = mention("What is MLOps?", ts="1700001600.000100")
    slack.poster.event(event, event_id="EvRefused")
    slack.fake.wait_for("chat.postMessage")
    slack.poster.settled(queue_empty=False)  # the refused answer is given back to the inbox
    slack.poster.event(event, event_id="EvRefused", retry=1)  # nothing was posted: answer now
    _, again = slack.fake.wait_for("chat.postMessage", 2)
    assert again.ok and again.params["thread_ts"] == "1700001600.000100"


# ---- 7. malformed bodies: 4xx, never 5xx; a stalled client is cut off ------------------------

MALFORMED = [
    ("{not json", "application/json"),
    ("[]", "application/json"),
    ('"just a string"', "application/json"),
    ("123", "application/json"),
    (
        '{"type": "event_callback", "event": "not an object", "event_id": "EvM1"}',
        "application/json",
    ),
    ('{"type": "event_callback", "event_id": "EvM2"}', "application/json"),
    (
        '{"type": "event_callback", "event": {"type": "app_mention"}, "event_id": "EvM3"}',
        "application/json",
    ),
    (
        '{"type": "event_callback", "event": {"type": "message", "channel_type": "im"}, "event_id": ["x"]}',
        "application/json",
    ),
    ("payload=%7Bnot+json", "application/x-www-form-urlencoded"),
    ("payload=%5B%5D", "application/x-www-form-urlencoded"),
    ('payload={"type": "block_actions"}', "application/x-www-form-urlencoded"),
    (
        'payload={"type": "block_actions", "actions": "x", "user": 5}',
        "application/x-www-form-urlencoded",
    ),
    ("command=%2Fhirebot-role", "application/x-www-form-urlencoded"),
    ("", "application/json"),
    ("", "text/plain"),
]


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
def test_no_malformed_body_gets_a_5xx(slack, body, content_type):
    status, _, _ = slack.poster.post(body, content_type)
    assert 200 <= status < 500, status


def test_after_malformed_bodies_the_app_still_answers(slack):
    for body, content_type in MALFORMED:
        assert slack.poster.post(body, content_type)[0] < 500
    slack.poster.event(mention("What is MLOps?"), event_id="EvAfterJunk")
    (post,) = slack.fake.wait_for("chat.postMessage")
    assert post.ok


def test_non_utf8_and_unsigned_junk_are_refused_with_4xx(slack):
    request_line = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    with socket.create_connection(("127.0.0.1", int(slack.base_url.rsplit(":", 1)[1]))) as sock:
        sock.sendall(request_line + b"Content-Length: 4\r\n\r\n\xff\xfe\xfd\xfc")
        assert sock.recv(100).startswith(b"HTTP/1.1 400")
    assert slack.poster.post("{not json", "application/json", signature="v0=bad")[0] == 401


def read_until_closed(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data


def test_a_client_that_stalls_mid_body_is_cut_off(kb_services, tmp_path):
    from bot.slack.app import create_app
    from bot.slack.server import start_http

    with running_fake_slack() as fake:
        services = slack_services_for(kb_services, tmp_path, fake.url)
        server = start_http(
            create_app(services), services, host="127.0.0.1", port=0, read_timeout_s=0.5
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            port = server.server_address[1]
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(
                    b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"
                    b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ty'
                )
                sock.settimeout(10)
                answer = read_until_closed(sock)  # the server gives up on the body, closes
                assert answer.startswith(b"HTTP/1.1 408")
            with socket.create_connection(("127.0.0.1", port)) as idle:
                idle.settimeout(10)
                assert read_until_closed(idle) == b""  # an idle connection is closed too
            poster = SignedPoster(f"http://127.0.0.1:{port}", SIGNING_SECRET)
            poster.event(mention("What is MLOps?"), event_id="EvAfterStall")
            fake.wait_for("chat.postMessage")
        finally:
            server.shutdown()
            server.server_close()


def test_a_finished_answer_leaves_the_inbox(slack):
    slack.poster.event(mention("What is MLOps?"), event_id="EvKeep")
    slack.fake.wait_for("chat.postMessage")
    slack.poster.settled()
    assert slack.poster.event(mention("What is MLOps?"), event_id="EvKeep", retry=1)[0] == 200
    slack.poster.settled()
    assert len(slack.fake.calls_to("chat.postMessage")) == 1  # remembered after it left
