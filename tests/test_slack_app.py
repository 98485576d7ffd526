"""End-to-end Slack tests: signed HTTP requests in, recorded Web API calls out (no real Slack)."""

from __future__ import annotations

import json
import time

import pytest

from bot.slack.blocks import FEEDBACK, FEEDBACK_UP, answer_of_feedback
from tests.fake_slack import BOT_ID, BOT_USER_ID, block_action, dm, feedback_click, mention
from tests.slack_rules import ASSISTANT


def blocks_text(call) -> str:
    return json.dumps(call.params.get("blocks", []), ensure_ascii=False)


def feedback_answer_id(call) -> str:
    for block in call.params["blocks"]:
        if block["type"] == "context_actions":
            return answer_of_feedback(block["block_id"])
    raise AssertionError("no feedback buttons")


def test_mention_gets_a_threaded_cited_answer(slack):
    status, _, _ = slack.poster.event(
        mention("What does a senior AI engineer earn?"), event_id="Ev1"
    )
    assert status == 200
    (call,) = slack.fake.wait_for("chat.postMessage")
    assert call.params["channel"] == "C0CHAN"
    assert call.params["thread_ts"] == "1700000001.000100"
    text = blocks_text(call)
    assert "$160,000" in text or "$160k" in text
    assert "Sources" in text and "Gutierrez" in text
    (feedback,) = [b for b in call.params["blocks"] if b["type"] == "context_actions"]
    assert [e["type"] for e in feedback["elements"]] == ["feedback_buttons"]
    assert feedback["elements"][0]["action_id"] == FEEDBACK
    assert call.headers["authorization"] == "Bearer xoxb-test-token"


def test_slack_retry_of_a_handled_event_gets_no_second_reply(slack):
    event = mention("What red flags should I watch for with ML candidates?")
    assert slack.poster.event(event, event_id="EvRetry")[0] == 200
    slack.fake.wait_for("chat.postMessage")
    for attempt in (1, 2):
        assert slack.poster.event(event, event_id="EvRetry", retry=attempt)[0] == 200
    slack.poster.settled()
    assert len(slack.fake.calls_to("chat.postMessage")) == 1


def test_bad_signature_is_rejected_and_nothing_is_posted(slack):
    status, _, _ = slack.poster.event(mention("hello?"), event_id="EvBad", signature="v0=deadbeef")
    assert status == 401
    stale = int(time.time()) - 3600
    assert slack.poster.event(mention("hello?"), event_id="EvOld", timestamp=stale)[0] == 401
    slack.poster.settled()
    assert slack.fake.calls_to("chat.postMessage") == []


def test_url_verification_echoes_the_challenge(slack):
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"})
    status, text, _ = slack.poster.post(body, "application/json")
    assert status == 200 and "c-123" in text


def test_direct_message_is_answered_in_the_dm(slack):
    slack.poster.event(dm("What should an ML engineer job description include?"), event_id="EvDm")
    (call,) = slack.fake.wait_for("chat.postMessage")
    assert call.params["channel"] == "D0DM" and "thread_ts" not in call.params
    assert "Sources" in blocks_text(call)


@pytest.mark.parametrize(
    "event",
    [
        dm("my own echo", user=BOT_USER_ID, bot_id=BOT_ID),
        dm("edited", subtype="message_changed"),
        dm("joined", subtype="channel_join"),
        dict(dm("a channel message"), channel_type="channel"),
    ],
    ids=["own-message", "edit", "subtype", "not-a-dm"],
)
def test_bot_messages_edits_and_other_subtypes_are_ignored(slack, event):
    assert slack.poster.event(event, event_id=f"EvIgnore-{event.get('subtype')}")[0] == 200
    slack.poster.settled()
    assert slack.fake.calls_to("chat.postMessage") == []


def test_out_of_scope_question_is_declined_politely(slack):
    slack.poster.event(mention("How do I renew a work visa in Germany?"), event_id="EvOos")
    (call,) = slack.fake.wait_for("chat.postMessage")
    text = blocks_text(call)
    assert "don't have sourced guidance" in text
    assert "Sources" not in text


def test_empty_mention_gets_help_text(slack):
    slack.poster.event(mention(""), event_id="EvEmpty")
    (call,) = slack.fake.wait_for("chat.postMessage")
    assert "help me pick a role" in call.params["text"]
    assert call.params["thread_ts"] == "1700000001.000100"


def test_feedback_click_is_stored_and_acknowledged_ephemerally(slack):
    slack.poster.event(mention("What tools do AI engineers use?"), event_id="EvFb")
    (answer,) = slack.fake.wait_for("chat.postMessage")
    answer_id = feedback_answer_id(answer)
    status, _, _ = slack.poster.action(
        feedback_click(answer, "down", thread_ts="1700000001.000100")
    )
    assert status == 200
    (ack,) = slack.fake.wait_for("chat.postEphemeral")
    assert ack.params["user"] == "U0MANAGER" and "feedback" in ack.params["text"]
    assert ack.params["thread_ts"] == "1700000001.000100"
    (stored,) = slack.services.state.feedback()
    assert (stored.answer_id, stored.user, stored.vote) == (answer_id, "U0MANAGER", "down")
    assert stored.question == "What tools do AI engineers use?"


def test_feedback_on_an_unknown_answer_is_answered_not_stored(slack):
    slack.poster.action(block_action(FEEDBACK_UP, "no-such-answer"))  # an answer's older buttons
    slack.poster.action(
        block_action(FEEDBACK, "down", block_id="feedback:no-such-answer", kind="feedback_buttons")
    )
    acks = slack.fake.wait_for("chat.postEphemeral", 2)
    assert all("too old" in ack.params["text"] for ack in acks)
    assert slack.services.state.feedback() == []


def test_follow_up_in_a_thread_uses_the_earlier_question(slack):
    slack.poster.event(
        mention("What does an ML scientist do?", ts="1700000010.000100"), event_id="EvT1"
    )
    slack.fake.wait_for("chat.postMessage")
    follow = mention(
        "and what do they earn?", ts="1700000011.000100", thread_ts="1700000010.000100"
    )
    slack.poster.event(follow, event_id="EvT2")
    _, second = slack.fake.wait_for("chat.postMessage", 2)
    assert second.params["thread_ts"] == "1700000010.000100"
    text = blocks_text(second)
    assert "$180,000" in text or "$180k" in text  # ML scientist senior pay, not a decline


def test_assistant_thread_started_offers_suggested_prompts(slack):
    slack.fake.view = ASSISTANT  # a workspace still on the older assistant view
    event = {
        "type": "assistant_thread_started",
        "event_ts": "1700000020.000100",
        "assistant_thread": {
            "user_id": "U0MANAGER",
            "channel_id": "D0DM",
            "thread_ts": "1700000020.000100",
            "context": {},
        },
    }
    slack.poster.event(event, event_id="EvAssist")
    (prompts,) = slack.fake.wait_for("assistant.threads.setSuggestedPrompts")
    titles = [p["title"] for p in prompts.params["prompts"]]
    assert "Help me pick the right role" in titles
    (greeting,) = slack.fake.wait_for("chat.postMessage")
    assert greeting.params["thread_ts"] == "1700000020.000100"


def assistant_thread_started(thread_ts: str, channel: str = "D0DM") -> dict:
    return {
        "type": "assistant_thread_started",
        "event_ts": thread_ts,
        "assistant_thread": {
            "user_id": "U0MANAGER",
            "channel_id": channel,
            "thread_ts": thread_ts,
            "context": {},
        },
    }


def test_assistant_user_message_sets_status_answers_and_titles(slack):
    slack.fake.view = ASSISTANT  # a workspace still on the older assistant view
    # Slack opens every Assistant thread with assistant_thread_started (and a greeting)
    slack.poster.event(assistant_thread_started("1700000030.000100"), event_id="EvAssistOpen")
    slack.fake.wait_for("chat.postMessage")
    event = dm(
        "What does a senior AI engineer earn?",
        ts="1700000031.000100",
        thread_ts="1700000030.000100",
    )
    slack.poster.event(event, event_id="EvAssistMsg")
    _, post = slack.fake.wait_for("chat.postMessage", 2)
    assert post.params["thread_ts"] == "1700000030.000100"
    statuses = slack.fake.calls_to("assistant.threads.setStatus")
    assert statuses and "looking" in statuses[0].params["status"]
    (title,) = slack.fake.wait_for("assistant.threads.setTitle")
    assert title.params["title"].startswith("What does a senior AI engineer")
    assert statuses[0].at < post.at


def test_app_home_shows_stats(slack):
    slack.poster.event(
        {
            "type": "app_home_opened",
            "user": "U0MANAGER",
            "tab": "home",
            "channel": "D0DM",
            "event_ts": "1700000040.000100",
        },
        event_id="EvHome",
    )
    (call,) = slack.fake.wait_for("views.publish")
    view = call.params["view"]
    assert view["type"] == "home"
    stats = json.dumps(view)
    assert "15 documents" in stats and "help me pick a role" in stats


def test_rate_limited_post_is_retried_after_retry_after(slack):
    slack.fake.script(
        "chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, headers={"Retry-After": "1"}
    )
    slack.poster.event(mention("What is MLOps?"), event_id="EvRate")
    calls = slack.fake.wait_for("chat.postMessage", 2)
    assert calls[1].at - calls[0].at >= 0.9


def test_core_failure_still_leaves_the_user_a_reply(slack, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(slack.services.qa, "ask", boom)
    slack.poster.event(mention("What does a data scientist do?"), event_id="EvBoom")
    (call,) = slack.fake.wait_for("chat.postMessage")
    assert "something went wrong" in call.params["text"]
    assert "secret internal detail" not in json.dumps(call.params)


def test_a_thread_joined_late_is_answered_with_its_earlier_messages(slack, caplog):
    from tests.fake_slack import typed

    slack.fake.script(
        "conversations.replies",
        200,
        {
            "ok": True,
            "messages": [
                {"user": "U0LEAD", "ts": "1700000000.000100", "text": typed("hey team")},
                {
                    "user": "U0LEAD",
                    "ts": "1700000000.000200",
                    "text": typed("what should we pay a senior ML scientist in the US?"),
                },
                {"user": "U0PEER", "ts": "1700000000.000300", "text": typed("no clue tbh")},
                {"bot_id": "B0OTHER", "ts": "1700000000.000400", "text": "a bot's message"},
            ],
        },
    )
    event = mention("what do you think?", ts="1700000000.000500", thread_ts="1700000000.000100")
    assert slack.poster.event(event, event_id="EvLate")[0] == 200
    (call,) = slack.fake.wait_for("chat.postMessage")
    (replies,) = slack.fake.calls_to("conversations.replies")
    assert replies.params["channel"] == "C0CHAN" and replies.params["ts"] == "1700000000.000100"
    text = blocks_text(call)
    assert "Reading this as" in text and "senior ML scientist in the US?" in text
    assert "$180,000" in text and call.params["thread_ts"] == "1700000000.000100"
    # the thread is now known: the next mention there does not read the history again
    follow = mention("and an AI engineer?", ts="1700000000.000700", thread_ts="1700000000.000100")
    assert slack.poster.event(follow, event_id="EvLate2")[0] == 200
    slack.fake.wait_for("chat.postMessage", count=2)
    assert len(slack.fake.calls_to("conversations.replies")) == 1
    assert "$160,000" in blocks_text(slack.fake.calls_to("chat.postMessage")[1])


@pytest.mark.parametrize("error", ["missing_scope", "not_in_channel"])
def test_without_thread_history_the_question_is_answered_alone(slack, caplog, error):
    slack.fake.script("conversations.replies", 200, {"ok": False, "error": error})
    event = mention(
        "What does a senior AI engineer earn?",
        ts="1700000000.000500",
        thread_ts="1700000000.000100",
    )
    with caplog.at_level("WARNING", logger="bot.slack"):
        assert slack.poster.event(event, event_id=f"Ev-{error}")[0] == 200
        (call,) = slack.fake.wait_for("chat.postMessage")
    assert "$160,000" in blocks_text(call) and "Reading this as" not in blocks_text(call)
    assert any(getattr(r, "reason", "") == error for r in caplog.records)


# ---- one front door: Slack routes by the classifier like every other surface ------------------


def test_a_statement_form_question_in_a_channel_is_answered_not_taken_for_a_need(slack):
    slack.poster.event(
        mention("I need the salary range for a senior AI engineer in the US."), event_id="EvSt"
    )
    (call,) = slack.fake.wait_for("chat.postMessage")
    text = blocks_text(call)
    assert "$160,000" in text or "$160k" in text
    assert "Hire an" not in text and "Suggested role" not in text


def test_a_described_need_in_a_dm_leads_with_the_pick_and_offers_the_brief(slack):
    slack.poster.event(
        dm("we need someone to put a GPT assistant on our help centre"), event_id="EvNd"
    )
    (call,) = slack.fake.wait_for("chat.postMessage")
    first = call.params["blocks"][0]["text"]["text"]
    assert first.startswith("*Hire an AI engineer*")
    actions = [
        e["action_id"]
        for b in call.params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert "role_brief" in actions
    assert any(b["type"] == "context_actions" for b in call.params["blocks"])


def test_an_off_topic_turn_in_a_thread_is_declined_and_thanks_gets_a_short_reply(slack):
    root = "1700000100.000100"
    slack.poster.event(
        mention("what does a senior AI engineer make in the US?", ts=root), event_id="EvT1"
    )
    slack.fake.wait_for("chat.postMessage")
    slack.poster.event(
        mention("ok and how do I fire someone?", ts="1700000101.000100", thread_ts=root),
        event_id="EvT2",
    )
    calls = slack.fake.wait_for("chat.postMessage", count=2)
    declined = blocks_text(calls[1])
    assert "$160" not in declined and "won't guess" in declined
    slack.poster.event(
        mention("thanks, that helps", ts="1700000102.000100", thread_ts=root), event_id="EvT3"
    )
    calls = slack.fake.wait_for("chat.postMessage", count=3)
    assert calls[2].params["thread_ts"] == root
    assert (
        "Glad to help" in calls[2].params["text"] and "won't guess" not in calls[2].params["text"]
    )
