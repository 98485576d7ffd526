"""The front door: every message is validated, judged for scope, then routed by its label."""

from __future__ import annotations

import uuid

import pytest

from bot.answering.classify import QuestionKind
from bot.answering.compose import DECLINE_TEXT
from bot.conversation import ACK_AFTER_ANSWER, HELP_TEXT, QuestionView, Reply
from bot.evaluation.metrics import fact_present
from bot.routing import decide_route

IN = frozenset({"pay", "role_choice", "need_description", "walkthrough_request", "interviewing"})


def reading(**probabilities: float) -> QuestionKind:
    """A classifier reading over a few labels: in-scope ones from IN, social 'acknowledgement'."""
    best = max(probabilities, key=lambda k: probabilities[k])
    p_in = sum(p for k, p in probabilities.items() if k in IN)
    return QuestionKind(
        label=best,
        in_scope=p_in >= 0.5,
        probability=probabilities[best],
        in_scope_probability=p_in,
        probabilities=probabilities,
        social_probability=probabilities.get("acknowledgement", 0.0),
    )


@pytest.mark.parametrize(
    ("probabilities", "route", "kind"),
    [
        ({"pay": 0.7, "need_description": 0.2, "immigration": 0.1}, "answer", "pay"),
        (
            {"need_description": 0.6, "pay": 0.3, "immigration": 0.1},
            "recommendation",
            "role_choice",
        ),
        ({"role_choice": 0.5, "pay": 0.3, "immigration": 0.2}, "recommendation", "role_choice"),
        # a need goes to the recommender only when no other on-topic kind is more probable
        (
            {"need_description": 0.3, "interviewing": 0.4, "small_talk": 0.3},
            "answer",
            "interviewing",
        ),
        ({"walkthrough_request": 0.8, "role_choice": 0.2}, "walkthrough", "walkthrough_request"),
        # off topic whatever the on-topic labels say
        ({"immigration": 0.6, "need_description": 0.4}, "declined", "immigration"),
        ({"acknowledgement": 0.9, "small_talk": 0.1}, "acknowledgement", "acknowledgement"),
        # a most likely social label that does not outweigh the rest is no acknowledgement
        (
            {"acknowledgement": 0.3, "small_talk": 0.25, "pay": 0.2, "tech_help": 0.25},
            "declined",
            "acknowledgement",
        ),
    ],
)
def test_decide_route_orders_scope_before_label(probabilities, route, kind):
    decision = decide_route(reading(**probabilities), bar=0.5, in_scope_labels=IN)
    assert (decision.route, decision.kind) == (route, kind)


def test_the_in_thread_bar_admits_what_the_standard_bar_declines():
    kind = reading(pay=0.35, small_talk=0.65)
    assert decide_route(kind, bar=0.5, in_scope_labels=IN).route == "declined"
    assert decide_route(kind, bar=0.3, in_scope_labels=IN).route == "answer"


# ---- through the real front door: real classifier, real index ----------------------------------


def send(services, text: str, conversation: str | None = None) -> Reply:
    return services.conversations.respond(conversation=conversation, user="U1", text=text)


@pytest.mark.parametrize(
    ("message", "fact"),
    [
        # statement-form questions are answered, not taken for a described need
        ("I need the salary range for a senior AI engineer in the US.", ["$160,000", "$160k"]),
        # it lists questions to ask (each ends in a question mark)
        ("We want to know what interview questions to ask an ML engineer.", ["?"]),
        ("give me the typical hourly rate for a freelance ML developer", ["$100"]),
    ],
)
def test_statement_form_questions_are_answered_with_their_facts(kb_services, message, fact):
    reply = send(kb_services, message)
    assert reply.route == "answer", reply.reason
    assert reply.answer is not None and reply.answer.grounded
    assert fact_present(fact, reply.answer.answer)


def test_a_described_need_gets_a_pick_that_leads_the_answer(kb_services):
    reply = send(kb_services, "we need someone to put a GPT assistant on our help centre")
    assert reply.route == "recommendation"
    assert reply.answer is not None and reply.answer.recommended_role == "ai_engineer"
    assert reply.answer.answer.startswith("*Hire an AI engineer*")
    payload = reply.to_dict()
    assert payload["route"] == "recommendation" and payload["role"] == "ai_engineer"
    assert 0.5 < payload["confidence"] <= 1.0 and payload["sources"]


@pytest.mark.parametrize(
    "message",
    [
        "we want to hire an ML engineer from Brazil, how does the visa sponsorship work?",
        "we want to hire a data scientist, who owns the IP they create?",
        "our data scientist is underperforming and we need to let her go, what's the process?",
    ],
)
def test_off_topic_requests_phrased_as_needs_are_declined(kb_services, message):
    reply = send(kb_services, message)
    assert reply.route == "declined" and reply.answer is not None
    assert not reply.answer.grounded and reply.to_dict()["grounded"] is False


def test_a_walkthrough_request_starts_the_walkthrough(kb_services):
    conversation = f"t-{uuid.uuid4().hex}"
    reply = send(kb_services, "can you walk me through picking the right role?", conversation)
    assert reply.route == "walkthrough" and isinstance(reply.view, QuestionView)
    assert kb_services.roles.is_active(conversation)
    kb_services.roles.cancel(conversation)


@pytest.mark.parametrize("message", ["thanks!", "ok cool, that helps", "👍"])
def test_acknowledgements_get_a_short_reply_never_the_decline(kb_services, message):
    alone = send(kb_services, message)
    assert alone.route == "acknowledgement" and alone.text == HELP_TEXT
    conversation = f"t-{uuid.uuid4().hex}"
    send(kb_services, "what does a senior AI engineer make in the US?", conversation)
    after = send(kb_services, message, conversation)
    assert after.route == "acknowledgement" and after.text == ACK_AFTER_ANSWER
    assert DECLINE_TEXT not in after.text and after.to_dict()["grounded"] is False


def test_an_off_topic_turn_in_an_on_topic_thread_is_declined(kb_services):
    conversation = f"t-{uuid.uuid4().hex}"
    first = send(kb_services, "what does a senior AI engineer make in the US?", conversation)
    assert first.route == "answer"
    fired = send(kb_services, "ok and how do I fire someone?", conversation)
    assert fired.route == "declined", fired.reason
    assert fired.answer is not None and "$160" not in fired.answer.answer


def test_a_variant_in_an_on_topic_thread_is_answered_as_what_it_varies(kb_services):
    conversation = f"t-{uuid.uuid4().hex}"
    send(kb_services, "what does a senior AI engineer make in the US?", conversation)
    variant = send(kb_services, "and for an ML engineer?", conversation)
    assert variant.route == "answer" and variant.answer is not None
    assert variant.answer.resolved_question and "ML engineer" in variant.answer.resolved_question


@pytest.mark.parametrize("text", ["???", "x" * 5000])
def test_bad_input_gets_an_error_reply_with_a_reason(kb_services, text):
    reply = send(kb_services, text)
    assert reply.route == "error" and reply.text
    assert reply.to_dict()["error"] == reply.text


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_message_gets_what_hirebot_can_do(kb_services, text):
    reply = send(kb_services, text)
    assert reply.route == "acknowledgement" and reply.text == HELP_TEXT
