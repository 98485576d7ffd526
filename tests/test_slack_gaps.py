"""Slack end to end (signed requests in, fake Web API out): questions and votes are logged, and the
App Home shows the top knowledge gaps to admins only."""

import json

from tests.fake_slack import dm, feedback_click, mention
from tests.test_slack_app import feedback_answer_id

ADMIN = "U0ADMIN"
VISA = "Can we sponsor an H-1B visa for an ML engineer?"
VISA_TOO = "how does visa sponsorship work for our data scientist hire?"


def open_home(slack, user: str, event_id: str) -> dict:
    before = len(slack.fake.calls_to("views.publish"))
    event = {"type": "app_home_opened", "user": user, "tab": "home", "event_ts": "1.0"}
    slack.poster.event(event, event_id=event_id)
    call = slack.fake.wait_for("views.publish", count=before + 1)[-1]
    assert call.params["user_id"] == user
    return call.params["view"]


def make_admin(slack, *users: str) -> None:
    """As HIREBOT_ADMIN_USERS would (the admin list is read when the Home tab is built)."""
    settings = slack.services.settings
    slack.services.settings = settings.model_copy(update={"admin_users": frozenset(users)})


def test_mentions_dms_and_votes_are_logged_with_their_outcome(slack):
    slack.poster.event(mention("What tools do AI engineers use?"), event_id="EvQ1")
    (answer,) = slack.fake.wait_for("chat.postMessage")
    answer_id = feedback_answer_id(answer)
    slack.poster.action(feedback_click(answer, "down", thread_ts="1700000001.000100"))
    slack.fake.wait_for("chat.postEphemeral")
    slack.poster.event(
        dm("How do I renew a work visa in Germany?", user="U0OTHER"), event_id="EvQ2"
    )
    slack.fake.wait_for("chat.postMessage", 2)
    by_user = {r.user: r for r in slack.services.questions.since(0)}
    assert set(by_user) == {"U0MANAGER", "U0OTHER"}
    answered, declined = by_user["U0MANAGER"], by_user["U0OTHER"]
    assert answered.id == answer_id and answered.outcome == "answered"
    assert answered.votes == {"U0MANAGER": "down"} and answered.sources
    assert answered.conversation == "C0CHAN:1700000001.000100"
    assert declined.outcome == "declined" and declined.question.startswith("How do I renew")


def test_admins_see_the_top_gaps_in_the_app_home(slack):
    make_admin(slack, ADMIN, "U0OTHERADMIN")
    slack.poster.event(mention(VISA), event_id="EvG1")
    slack.poster.event(
        mention(VISA_TOO, ts="2.0"),
        event_id="EvG2",
    )
    slack.fake.wait_for("chat.postMessage", 2)
    view = open_home(slack, ADMIN, "EvHomeAdmin")
    text = json.dumps(view, ensure_ascii=False)
    assert "Knowledge gaps · last 7 days" in text
    (group,) = [b for b in view["blocks"] if b["type"] == "section" and "×*" in b["text"]["text"]]
    assert group["text"]["text"] in (f"*1. 2 ×* {VISA}", f"*1. 2 ×* {VISA_TOO}")
    assert "declined 2" in text and "partly covered 0" in text
    assert len(view["blocks"]) <= 100


def test_a_non_admin_home_shows_no_gaps(slack):
    make_admin(slack, ADMIN)
    slack.poster.event(mention(VISA), event_id="EvG3")
    slack.fake.wait_for("chat.postMessage")
    view = open_home(slack, "U0MANAGER", "EvHomeUser")
    text = json.dumps(view, ensure_ascii=False)
    assert "Knowledge gaps" not in text and "visa" not in text.lower()
    assert "15 documents" in text  # the ordinary Home tab is still there
