"""The role walkthrough through Slack end to end: signed events and button payloads."""

from __future__ import annotations

import json
import threading

import pytest

from bot.slack.blocks import ROLE_BACK, ROLE_CHOOSE, ROLE_PICK, ROLE_RESTART, ROLE_START
from tests.conftest import SIGNING_SECRET, slack_services_for
from tests.fake_slack import SignedPoster, block_action, button_click, dm
from tests.slack_rules import shown_text
from tests.test_walkthrough import PATHS


def option_buttons(call) -> list[dict]:
    for block in call.params["blocks"]:
        if block["type"] == "actions" and block.get("block_id", "").startswith("role_options"):
            return block["elements"]
    raise AssertionError(f"no option buttons in {call.params['blocks']}")


def control(call, action_id) -> dict:
    for block in call.params["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no {action_id} button")


def click(slack, element, *, message_ts="1700000100.000100", channel="D0DM"):
    payload = block_action(
        element["action_id"], element["value"], channel=channel, message_ts=message_ts
    )
    status, _, _ = slack.poster.action(payload)
    assert status == 200


def start_in_dm(slack):
    slack.poster.event(dm("help me pick a role"), event_id="EvWalkStart")
    (card,) = slack.fake.wait_for("chat.postMessage")
    assert "Question 1 of 5" in json.dumps(card.params["blocks"])
    return card


@pytest.mark.parametrize("role", ["ai_engineer", "ml_engineer", "data_scientist", "ml_scientist"])
def test_each_button_path_ends_in_its_role_with_a_brief(slack, role):
    card = start_in_dm(slack)
    for n, index in enumerate(PATHS[role]):
        click(slack, option_buttons(card)[index])
        card = slack.fake.wait_for("chat.update", n + 1)[-1]
        assert card.params["ts"] == "1700000100.000100"  # the card is updated in place
    text = json.dumps(card.params["blocks"], ensure_ascii=False)
    from bot.types import ROLE_NAMES

    recommended = card.params["blocks"][0]
    assert recommended["type"] == "card" and recommended["subtitle"]["text"].startswith(
        "Recommended"
    )
    assert recommended["title"]["text"].lower() == ROLE_NAMES[role].lower()
    assert recommended["actions"][0]["value"] == role
    for title in ("Job description outline", "Interview plan", "Red flags", "Pay ranges"):
        assert title in text
    assert "Hiring brief" in text and "—" in text  # sources lines: title — original


def test_back_and_start_over_buttons(slack):
    card = start_in_dm(slack)
    click(slack, option_buttons(card)[1])
    second = slack.fake.wait_for("chat.update")[-1]
    assert "Question 2 of 5" in json.dumps(second.params["blocks"])
    click(slack, control(second, ROLE_BACK))
    back = slack.fake.wait_for("chat.update", 2)[-1]
    assert "Question 1 of 5" in json.dumps(back.params["blocks"])
    click(slack, control(back, ROLE_RESTART))
    restarted = slack.fake.wait_for("chat.update", 3)[-1]
    assert "Question 1 of 5" in json.dumps(restarted.params["blocks"])


def test_free_text_answer_in_the_dm_moves_the_walkthrough_on(slack):
    start_in_dm(slack)
    slack.poster.event(
        dm(
            "we are adding an LLM assistant to our product, using OpenAI's API",
            ts="1700000200.000100",
        ),
        event_id="EvWalkText",
    )
    _, second = slack.fake.wait_for("chat.postMessage", 2)
    text = json.dumps(second.params["blocks"])
    assert "Question 2 of 5" in text and "AI engineer" in text


def test_stale_and_unknown_clicks_get_an_expired_notice(slack):
    card = start_in_dm(slack)
    stale = option_buttons(card)[0]
    slack.poster.event(dm("help me pick a role", ts="1700000300.000100"), event_id="EvWalkAgain")
    slack.fake.wait_for("chat.postMessage", 2)
    click(slack, stale)
    notice = slack.fake.wait_for("chat.update")[-1]
    assert "expired" in notice.params["text"]
    assert control(notice, ROLE_START)
    slack.poster.action(block_action(f"{ROLE_CHOOSE}_9", "garbage-without-pipes", channel="D0DM"))
    assert "expired" in slack.fake.wait_for("chat.update", 2)[-1].params["text"]
    slack.poster.action(block_action("role_unheard_of", "x", channel="D0DM"))
    slack.poster.action(block_action("totally_unknown_action", "x", channel="D0DM"))
    status, _, _ = slack.poster.action(block_action("role_back", "", channel="D0DM"))
    assert status == 200


def test_walkthrough_survives_a_restart_of_the_bot(kb_services, slack, tmp_path):
    card = start_in_dm(slack)
    click(slack, option_buttons(card)[2])
    second = slack.fake.wait_for("chat.update")[-1]
    # a brand-new app process: new services and server, same state database
    from bot.slack.app import create_app
    from bot.slack.server import start_http

    services = slack_services_for(kb_services, tmp_path, slack.fake.url)
    server = start_http(create_app(services), services, host="127.0.0.1", port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        poster = SignedPoster(f"http://127.0.0.1:{server.server_address[1]}", SIGNING_SECRET)
        element = option_buttons(second)[2]
        poster.action(
            block_action(
                element["action_id"],
                element["value"],
                channel="D0DM",
                message_ts="1700000100.000100",
            )
        )
        third = slack.fake.wait_for("chat.update", 2)[-1]
        assert "Question 3 of 5" in json.dumps(third.params["blocks"])
    finally:
        server.shutdown()
        server.server_close()


def test_app_home_button_starts_the_walkthrough_in_a_dm(slack):
    payload = block_action(ROLE_START, "new", channel="")
    payload.pop("channel")
    payload.pop("message")
    payload["container"] = {"type": "view", "view_id": "V1"}
    payload["view"] = {"id": "V1", "type": "home"}
    slack.fake.script("conversations.open", 200, {"ok": True, "channel": {"id": "D0NEW"}})
    assert slack.poster.action(payload)[0] == 200
    (post,) = slack.fake.wait_for("chat.postMessage")
    assert post.params["channel"] == "D0NEW" and "Question 1 of 5" in json.dumps(
        post.params["blocks"]
    )


def test_slash_command_opens_the_walkthrough_in_a_dm(slack):
    from urllib.parse import urlencode

    slack.fake.script("conversations.open", 200, {"ok": True, "channel": {"id": "D0CMD"}})
    body = urlencode(
        {
            "command": "/hirebot-role",
            "text": "",
            "user_id": "U0MANAGER",
            "channel_id": "C0CHAN",
            "team_id": "T0TEAM",
            "response_url": slack.fake.url + "response_url",
            "trigger_id": "1.2",
        }
    )
    status, _, _ = slack.poster.post(body, "application/x-www-form-urlencoded")
    assert status == 200
    (post,) = slack.fake.wait_for("chat.postMessage")
    assert post.params["channel"] == "D0CMD" and "Question 1 of 5" in json.dumps(
        post.params["blocks"]
    )


def test_described_need_gets_a_recommendation_card(slack):
    slack.poster.event(
        dm("We need someone to research novel model architectures and publish papers"),
        event_id="EvRec",
    )
    (post,) = slack.fake.wait_for("chat.postMessage")
    text = json.dumps(post.params["blocks"])
    assert post.params["blocks"][0]["text"]["text"].startswith("*Hire an ML scientist*")
    assert "role_brief" in text and "Sources" in text


def test_suggested_prompt_in_an_assistant_thread_starts_the_walkthrough_there(slack):
    event = dm("Help me pick the right role", ts="1700000401.000100", thread_ts="1700000400.000100")
    slack.poster.event(event, event_id="EvAssistRole")
    (card,) = slack.fake.wait_for("chat.postMessage")
    assert card.params["thread_ts"] == "1700000400.000100"
    assert "Question 1 of 5" in json.dumps(card.params["blocks"])
    payload = block_action(
        option_buttons(card)[3]["action_id"],
        option_buttons(card)[3]["value"],
        channel="D0DM",
        thread_ts="1700000400.000100",
    )
    slack.poster.action(payload)
    assert "Question 2 of 5" in json.dumps(slack.fake.wait_for("chat.update")[-1].params["blocks"])


RUNNER_UP_PATH = (0, 0, 1, 1, 0)  # data scientist, with ML engineer a close second


def test_the_result_cards_pick_a_role_for_its_brief_and_the_follow_ups(slack):
    card = start_in_dm(slack)
    for n, index in enumerate(RUNNER_UP_PATH):
        click(slack, option_buttons(card)[index])
        card = slack.fake.wait_for("chat.update", n + 1)[-1]
    assert card.ok  # the result, cards included, is within Block Kit's limits
    cards = [b for b in card.params["blocks"] if b["type"] == "card"]
    assert [c["title"]["text"] for c in cards] == ["Data scientist", "ML engineer"]
    # "Pick this role" on the runner-up: its brief, in the result's thread
    pick = button_click([cards[1]], ROLE_PICK, channel="D0DM", message_ts="1700000100.000100")
    assert slack.poster.action(pick)[0] == 200
    brief = slack.fake.wait_for("chat.postMessage", 2)[-1]
    assert brief.ok and brief.params["thread_ts"] == "1700000100.000100"
    shown = shown_text(brief.params["blocks"])
    assert "you're hiring an *ML engineer*" in shown and "Hiring brief: ML engineer" in shown
    # follow-ups in the DM are now about the picked role
    slack.poster.event(dm("what do they earn?", ts="1700000500.000100"), event_id="EvPickedPay")
    pay = slack.fake.wait_for("chat.postMessage", 3)[-1]
    assert "ML engineer" in shown_text(pay.params["blocks"])
    # the recommended role's brief is in the result already: picking it only notes it
    pick = button_click([cards[0]], ROLE_PICK, channel="D0DM", message_ts="1700000100.000100")
    slack.poster.action(pick)
    noted = slack.fake.wait_for("chat.postMessage", 4)[-1]
    assert "brief is in the result above" in shown_text(noted.params["blocks"])
    assert "Hiring brief" not in shown_text(noted.params["blocks"])
