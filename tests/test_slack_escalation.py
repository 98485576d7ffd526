"""Escalation end to end (signed events and actions in, the Web API calls Slack would receive
out): with HIREBOT_ESCALATION_CHANNEL set, declined and partly covered answers (and a 👎)
offer "Ask the recruiting team", which posts the question, a link to the thread and hirebot's
answer to that channel once, tells the asker, and is recorded for `hirebot gaps`."""

from __future__ import annotations

import json
import threading

from bot.slack.blocks import ESCALATE, FEEDBACK_COMMENT
from bot.slack.mrkdwn import escape
from tests.fake_slack import button_click, feedback_click, mention
from tests.slack_rules import rendered, shown_text
from tests.test_slack_app import feedback_answer_id

RECRUITING = "C0RECRUIT"
DECLINED = "How do I renew a work visa in Germany?"
PARTIAL = "What does an ML engineer earn in Berlin?"
ANSWERED = "What tools do AI engineers use?"


def escalation_on(slack) -> None:
    """As HIREBOT_ESCALATION_CHANNEL would (the listeners read the setting on every click)."""
    settings = slack.services.settings
    slack.services.settings = settings.model_copy(update={"escalation_channel": RECRUITING})


def ask(slack, text: str, ts: str, event_id: str):
    """Mention hirebot in #C0CHAN; the answer posted in the thread."""
    before = len(slack.fake.calls_to("chat.postMessage"))
    slack.poster.event(mention(text, ts=ts), event_id=event_id)
    return slack.fake.wait_for("chat.postMessage", before + 1)[-1]


def offers_escalation(call) -> bool:
    return ESCALATE in json.dumps(call.params["blocks"])


def posts_to_recruiting(slack) -> list:
    return [c for c in slack.fake.calls_to("chat.postMessage") if c.params["channel"] == RECRUITING]


def test_without_the_setting_nothing_offers_it(slack):
    declined = ask(slack, DECLINED, "1700006000.000100", "EvOff")
    assert not offers_escalation(declined)
    slack.poster.action(feedback_click(declined, "down", thread_ts="1700006000.000100"))
    (ack,) = slack.fake.wait_for("chat.postEphemeral")
    assert FEEDBACK_COMMENT in json.dumps(ack.params["blocks"]) and ESCALATE not in json.dumps(
        ack.params["blocks"]
    )


def test_declined_and_partly_covered_answers_offer_it_and_full_answers_do_not(slack):
    escalation_on(slack)
    assert offers_escalation(ask(slack, DECLINED, "1700006100.000100", "EvD"))
    assert offers_escalation(ask(slack, PARTIAL, "1700006200.000100", "EvP"))
    assert not offers_escalation(ask(slack, ANSWERED, "1700006300.000100", "EvA"))


def test_a_declined_question_reaches_the_recruiting_team_once_however_often_it_is_clicked(slack):
    escalation_on(slack)
    thread = "1700006400.000100"
    answer = ask(slack, DECLINED, thread, "EvEsc")
    answer_id = feedback_answer_id(answer)
    clicks = [
        button_click(
            answer.params["blocks"],
            ESCALATE,
            user=user,
            channel="C0CHAN",
            message_ts=answer.response["ts"],
            thread_ts=thread,
        )
        for user in ("U0MANAGER", "U0MANAGER", "U0PEER")
    ]
    sent = [threading.Thread(target=slack.poster.action, args=(c,)) for c in clicks]
    for t in sent:  # three clicks at once, handled on different listener threads
        t.start()
    for t in sent:
        t.join()
    acks = slack.fake.wait_for("chat.postEphemeral", 3)
    (post,) = posts_to_recruiting(slack)
    shown = shown_text(post.params["blocks"])
    assert "Question for the recruiting team" in shown and DECLINED in shown
    assert "don't have sourced guidance" in shown  # what hirebot answered
    assert "declined" in shown
    (link,) = slack.fake.calls_to("chat.getPermalink")
    assert (link.params["channel"], link.params["message_ts"]) == ("C0CHAN", answer.response["ts"])
    assert f"{escape(link.response['permalink'])}|Open the thread>" in json.dumps(
        post.params["blocks"]
    )
    assert f"thread_ts={thread}" in link.response["permalink"]
    said = sorted(rendered(a.params["text"]) for a in acks)
    assert sum("I've asked the recruiting team in #" in s for s in said) == 1
    assert all(a.params["thread_ts"] == thread for a in acks)
    assert {a.params["user"] for a in acks} == {"U0MANAGER", "U0PEER"}
    # recorded for `hirebot gaps`
    (record,) = slack.services.questions.since(0)
    assert record.id == answer_id and list(record.escalations.values()) == [
        f"{RECRUITING}/{post.response['ts']}"
    ]
    (group,) = slack.services.gaps(since_s=3600).groups
    assert group.escalated == 1
    # later clicks are told it went already, and nothing is posted again
    slack.poster.action(clicks[0])
    again = slack.fake.wait_for("chat.postEphemeral", 4)[-1]
    assert "already has this question" in again.params["text"]
    assert len(posts_to_recruiting(slack)) == 1


def test_after_a_thumbs_down_the_acknowledgement_offers_it_with_a_link_to_the_answer(slack):
    escalation_on(slack)
    thread = "1700006500.000100"
    answer = ask(slack, ANSWERED, thread, "EvDown")
    assert not offers_escalation(answer)
    slack.poster.action(feedback_click(answer, "down", thread_ts=thread))
    (ack,) = slack.fake.wait_for("chat.postEphemeral")
    click = button_click(ack.params["blocks"], ESCALATE, ephemeral=True, channel="C0CHAN")
    slack.poster.action(click)
    told = slack.fake.wait_for("chat.postEphemeral", 2)[-1]
    assert "I've asked the recruiting team" in told.params["text"]
    (post,) = posts_to_recruiting(slack)
    shown = shown_text(post.params["blocks"])
    assert ANSWERED in shown and "the answer got a 👎" in shown
    (link,) = slack.fake.calls_to("chat.getPermalink")
    assert link.params["message_ts"] == answer.response["ts"]  # the answer, not the ack


def test_a_post_the_channel_refuses_is_reported_and_the_next_click_tries_again(slack):
    escalation_on(slack)
    answer = ask(slack, PARTIAL, "1700006600.000100", "EvRefused")
    click = button_click(
        answer.params["blocks"],
        ESCALATE,
        channel="C0CHAN",
        message_ts=answer.response["ts"],
        thread_ts="1700006600.000100",
    )
    slack.fake.script("chat.postMessage", 200, {"ok": False, "error": "not_in_channel"})
    slack.poster.action(click)
    (failed,) = slack.fake.wait_for("chat.postEphemeral")
    assert "couldn't reach the recruiting team" in failed.params["text"]
    slack.poster.action(click)
    told = slack.fake.wait_for("chat.postEphemeral", 2)[-1]
    assert "I've asked the recruiting team" in told.params["text"]
    (post,) = [p for p in posts_to_recruiting(slack) if p.ok]
    assert "Not covered: Berlin" in shown_text(post.params["blocks"])
    assert "covered it only in part" in shown_text(post.params["blocks"])
