"""Slack's agent view end to end (signed events and actions in, the Web API calls Slack would
receive out): suggested prompts when the Messages tab opens, top-level DMs answered with a
status, and Slack's native feedback buttons with the optional "what was wrong?" modal."""

from __future__ import annotations

import json

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.blocks import (
    COMMENT_BLOCK,
    COMMENT_INPUT,
    ESCALATE,
    FEEDBACK_COMMENT,
    FEEDBACK_MODAL,
    SUGGESTED_PROMPTS,
)
from bot.slack.listeners.common import STATUS
from tests.fake_slack import button_click, dm, feedback_click, mention, view_submission
from tests.slack_rules import AGENT, ASSISTANT
from tests.slack_rules import SUGGESTED_PROMPTS as MAX_PROMPTS
from tests.test_slack_app import feedback_answer_id

PROMPT = [{"title": "Pay", "message": "What does a senior AI engineer earn?"}]


def messages_tab_opened(user: str = "U0MANAGER", channel: str = "D0DM") -> dict:
    """`app_home_opened` as Slack sends it when a person opens the app's Messages tab."""
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": "messages",
        "event_ts": "1700005000.000100",
    }


# ---- agent view: prompts, top-level DMs, status --------------------------------------------


def test_opening_the_messages_tab_sets_up_to_four_prompts_without_thread_ts(slack):
    assert slack.fake.view == AGENT  # what both manifests ask for
    assert slack.poster.event(messages_tab_opened(), event_id="EvTab")[0] == 200
    (call,) = slack.fake.wait_for("assistant.threads.setSuggestedPrompts")
    assert call.ok and call.params["channel_id"] == "D0DM" and "thread_ts" not in call.params
    assert call.params["prompts"] == list(SUGGESTED_PROMPTS)
    assert len(call.params["prompts"]) <= MAX_PROMPTS and call.params["title"]
    # the Messages tab gets no greeting and no Home view; the Home tab still gets its view
    assert slack.fake.calls_to("chat.postMessage") == slack.fake.calls_to("views.publish") == []
    home = {**messages_tab_opened(), "tab": "home"}
    slack.poster.event(home, event_id="EvHomeTab")
    (publish,) = slack.fake.wait_for("views.publish")
    assert publish.params["view"]["type"] == "home"
    assert len(slack.fake.calls_to("assistant.threads.setSuggestedPrompts")) == 1


def test_the_fake_refuses_thread_ts_on_agent_view_prompts_as_slack_drops_them(fake_slack):
    client = WebClient(token="xoxb-test", base_url=fake_slack.url)
    fake_slack.expected_errors.add("invalid_arguments")
    with pytest.raises(SlackApiError) as refused:
        client.assistant_threads_setSuggestedPrompts(
            channel_id="D0DM", thread_ts="1700005000.000100", prompts=PROMPT
        )
    assert refused.value.response["error"] == "invalid_arguments"
    assert "thread_ts" in json.dumps(refused.value.response["response_metadata"])
    with pytest.raises(SlackApiError):  # more than four prompts, in any view
        client.assistant_threads_setSuggestedPrompts(channel_id="D0DM", prompts=PROMPT * 5)
    assert client.assistant_threads_setSuggestedPrompts(channel_id="D0DM", prompts=PROMPT)["ok"]
    fake_slack.view = ASSISTANT  # the older assistant view sets prompts on a thread
    assert client.assistant_threads_setSuggestedPrompts(
        channel_id="D0DM", thread_ts="1700005000.000100", prompts=PROMPT
    )["ok"]


def test_a_top_level_dm_is_answered_with_hirebots_status_while_it_works(slack):
    slack.poster.event(dm("What is MLOps?", ts="1700005100.000100"), event_id="EvAgentDm")
    (answer,) = slack.fake.wait_for("chat.postMessage")
    assert answer.params["channel"] == "D0DM" and "Sources" in json.dumps(answer.params["blocks"])
    shown, cleared = slack.fake.wait_for("assistant.threads.setStatus", 2)
    assert (shown.params["thread_ts"], shown.params["status"]) == ("1700005100.000100", STATUS)
    assert (cleared.params["thread_ts"], cleared.params["status"]) == ("1700005100.000100", "")
    assert shown.at < answer.at < cleared.at  # shown while answering, cleared after
    assert shown.ok and cleared.ok  # chat:write is enough for the status


def test_a_dm_in_a_thread_shows_the_status_in_that_thread_and_the_reply_ends_it(slack):
    event = dm("What is MLOps?", ts="1700005201.000100", thread_ts="1700005200.000100")
    slack.poster.event(event, event_id="EvAgentThread")
    (answer,) = slack.fake.wait_for("chat.postMessage")
    assert answer.params["thread_ts"] == "1700005200.000100"
    (status,) = slack.fake.calls_to("assistant.threads.setStatus")
    assert status.params["thread_ts"] == "1700005200.000100" and status.at < answer.at


# ---- native feedback buttons -----------------------------------------------------------------


def test_votes_are_last_write_wins_per_user_and_answer(slack):
    slack.poster.event(mention("What tools do AI engineers use?"), event_id="EvVotes")
    (answer,) = slack.fake.wait_for("chat.postMessage")
    answer_id = feedback_answer_id(answer)
    clicks = [("up", "U0MANAGER"), ("down", "U0MANAGER"), ("up", "U0OTHER")]
    for n, (vote, user) in enumerate(clicks, 1):  # every click of the toggle arrives
        slack.poster.action(feedback_click(answer, vote, user=user, thread_ts="1700000001.000100"))
        slack.fake.wait_for("chat.postEphemeral", n)
    first, second, third = slack.fake.calls_to("chat.postEphemeral")
    assert "Glad" in first.params["text"] and "replaced" in second.params["text"]
    votes = {(f.answer_id, f.user): f.vote for f in slack.services.state.feedback()}
    assert votes == {(answer_id, "U0MANAGER"): "down", (answer_id, "U0OTHER"): "up"}
    (record,) = slack.services.questions.since(0)
    assert record.votes == {"U0MANAGER": "down", "U0OTHER": "up"}
    # only the 👎 offers to say what was wrong (escalation is off: no recruiting-team button)
    offers = json.dumps(second.params["blocks"])
    assert FEEDBACK_COMMENT in offers and ESCALATE not in offers
    assert FEEDBACK_COMMENT not in json.dumps(first.params["blocks"] + third.params["blocks"])
    assert second.params["thread_ts"] == "1700000001.000100"


def test_a_thumbs_down_comment_goes_through_the_modal_to_hirebot_gaps(slack):
    question = "What does an ML engineer earn in Berlin?"
    slack.poster.event(mention(question), event_id="EvComment")
    (answer,) = slack.fake.wait_for("chat.postMessage")
    answer_id = feedback_answer_id(answer)
    slack.poster.action(feedback_click(answer, "down", thread_ts="1700000001.000100"))
    (ack,) = slack.fake.wait_for("chat.postEphemeral")
    slack.poster.action(
        button_click(ack.params["blocks"], FEEDBACK_COMMENT, ephemeral=True, channel="C0CHAN")
    )
    (opened,) = slack.fake.wait_for("views.open")
    assert opened.ok and opened.params["trigger_id"] == "123.456"
    modal = opened.params["view"]
    assert modal["callback_id"] == FEEDBACK_MODAL and modal["private_metadata"] == answer_id
    # an empty comment is refused under the text box; a real one is kept, with thanks
    status, body, _ = slack.poster.action(
        view_submission(modal, {COMMENT_BLOCK: {COMMENT_INPUT: "  "}})
    )
    assert status == 200 and json.loads(body)["response_action"] == "errors"
    typed = {COMMENT_BLOCK: {COMMENT_INPUT: "No figures for Germany & the EU"}}
    status, body, _ = slack.poster.action(view_submission(modal, typed))
    assert status == 200
    thanks = json.loads(body)
    assert thanks["response_action"] == "update" and thanks["view"]["type"] == "modal"
    (record,) = slack.services.questions.since(0)
    assert record.comments == {"U0MANAGER": "No figures for Germany & the EU"}
    (group,) = slack.services.gaps(since_s=3600).groups  # what `hirebot gaps` reports
    assert group.comments == ["No figures for Germany & the EU"] and group.down_voted == 1
