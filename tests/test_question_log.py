"""The question log: outcomes and votes recorded in real SQLite and real Redis, and the opt-out."""

import logging
import time
import uuid

import pytest

from bot.conversation import Conversations
from bot.gaps.question_log import QuestionLog, outcome_of
from bot.stores.state import QuestionRecord, RedisStateStore, SQLiteStateStore
from bot.types import Answer, Citation
from tests.clock import ManualClock, let_pass
from tests.conftest import REDIS_URL


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return SQLiteStateStore(tmp_path / "state.sqlite3", clock=ManualClock())
    if not RedisStateStore(REDIS_URL).ping():
        pytest.skip("no Redis server on 127.0.0.1:6379 (start it with redis-server)")
    return RedisStateStore(REDIS_URL, prefix=f"hirebot-test-{uuid.uuid4().hex[:8]}:")


def answer(question: str, *, grounded: bool = True, uncovered: tuple[str, ...] = ()) -> Answer:
    cite = Citation("knowledge/pay/compensation-and-rates.md", "Pay", "Gutierrez", 0.8, "q")
    return Answer(
        question=question,
        text="text",
        grounded=grounded,
        sources=[cite, cite] if grounded else [],
        uncovered=list(uncovered),
    )


def test_outcome_follows_grounding_and_uncovered_parts():
    assert outcome_of(answer("q", grounded=False)) == "declined"
    assert outcome_of(answer("q", uncovered=("Toronto",))) == "partial"
    assert outcome_of(answer("q")) == "answered"


def test_questions_are_recorded_with_outcome_terms_and_sources(store):
    log = QuestionLog(store, ttl_s=60)
    first = log.record(
        answer("What does an ML engineer earn in Toronto?", uncovered=("Toronto",)),
        user="U1",
        conversation="C1:1",
    )
    second = log.record(answer("How do I renew a work visa?", grounded=False), user="U2")
    records = log.since(0)
    assert [r.id for r in records] == [second, first]  # most recent first
    declined, partial = records
    assert (declined.outcome, declined.user, declined.sources) == ("declined", "U2", ())
    assert partial.outcome == "partial" and partial.uncovered == ("Toronto",)
    assert partial.sources == ("knowledge/pay/compensation-and-rates.md",)  # de-duplicated
    assert partial.conversation == "C1:1" and partial.question.endswith("Toronto?")


def test_votes_attach_to_their_question_and_a_revote_replaces(store):
    log = QuestionLog(store, ttl_s=60)
    qid = log.record(answer("What tools do AI engineers use?"), user="U1")
    assert log.record_vote(qid, user="U1", vote="up")
    assert log.record_vote(qid, user="U2", vote="down")
    assert log.record_vote(qid, user="U1", vote="down")
    assert not log.record_vote("no-such-question", user="U1", vote="down")
    (record,) = log.since(0)
    assert record.votes == {"U1": "down", "U2": "down"}


def test_since_filters_by_time(store):
    store.add_question(QuestionRecord("old", "old question", "declined", at=time.time() - 3600), 60)
    store.add_question(QuestionRecord("new", "new question", "declined", at=time.time()), 60)
    assert [r.id for r in store.questions(since=time.time() - 60)] == ["new"]
    assert [r.id for r in store.questions(since=0, limit=1)] == ["new"]


def test_records_and_their_votes_expire_with_the_state_ttl(store):
    log = QuestionLog(store, ttl_s=0.2)
    qid = log.record(answer("q?", grounded=False), user="U1")
    assert log.record_vote(qid, user="U1", vote="down")
    let_pass(store, 0.25)
    assert log.since(0) == []
    assert not log.record_vote(qid, user="U1", vote="up")


def test_turned_off_records_nothing(store):
    log = QuestionLog(store, ttl_s=60, enabled=False)
    assert log.record(answer("q?", grounded=False), user="U1") is None
    assert not log.record_vote("anything", user="U1", vote="down")
    assert store.questions(since=0) == []


def test_conversations_record_answers_declines_and_votes(store, kb_services):
    conversations = Conversations(kb_services.qa, store, ttl_s=60)
    covered = conversations.respond(
        conversation="C:1", user="U1", text="What does a senior AI engineer earn?"
    )
    declined = conversations.respond(
        conversation="C:2", user="U2", text="How do I renew a work visa in Germany?"
    )
    conversations.respond(conversation="C:3", user="U3", text="hello")  # help, not a question
    assert conversations.record_feedback(
        answer_id=covered.answer_id, user="U9", vote="down"
    ).recorded
    by_id = {r.id: r for r in conversations.questions.since(0)}
    assert set(by_id) == {covered.answer_id, declined.answer_id}
    assert by_id[covered.answer_id].outcome == "answered"
    assert by_id[covered.answer_id].votes == {"U9": "down"}
    assert by_id[declined.answer_id].outcome == "declined"
    assert by_id[declined.answer_id].user == "U2"


def test_conversations_with_recording_off_log_nothing_but_still_answer(store, kb_services):
    conversations = Conversations(
        kb_services.qa, store, ttl_s=60, questions=QuestionLog(store, ttl_s=60, enabled=False)
    )
    reply = conversations.respond(conversation="C:1", user="U1", text="What is MLOps?")
    assert reply.route == "answer" and reply.answer is not None and reply.answer.grounded
    assert conversations.record_feedback(answer_id=reply.answer_id, user="U1", vote="up").recorded
    assert store.questions(since=0) == []


def test_logging_a_question_never_logs_its_text(store, caplog):
    caplog.set_level(logging.DEBUG, logger="bot.gaps.question_log")
    log = QuestionLog(store, ttl_s=60)
    qid = log.record(answer("What is the salary of a secret-project engineer?"), user="U1")
    log.record_vote(qid, user="U1", vote="down")
    assert any(getattr(r, "id", None) == qid for r in caplog.records)  # it did log, by id
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "secret-project" not in logged


def test_comments_and_escalations_attach_per_user_and_a_later_one_replaces(store):
    log = QuestionLog(store, ttl_s=60)
    qid = log.record(
        answer("What does an ML engineer earn in Berlin?", uncovered=("Berlin",)), user="U1"
    )
    assert log.record_vote(qid, user="U1", vote="down")
    assert log.record_comment(qid, user="U1", text="no figures for Germany")
    assert log.record_comment(qid, user="U2", text="out of date")
    assert log.record_comment(qid, user="U1", text="no figures for Europe at all")
    assert log.record_escalation(qid, user="U1", where="C0RECRUIT/1.2")
    assert not log.record_comment("no-such-question", user="U1", text="x")
    assert not log.record_escalation("no-such-question", user="U1", where="C/1")
    (record,) = log.since(0)
    assert record.votes == {"U1": "down"}  # the other notes leave the vote alone
    assert record.comments == {"U1": "no figures for Europe at all", "U2": "out of date"}
    assert record.escalations == {"U1": "C0RECRUIT/1.2"}


def test_conversations_keep_a_comment_only_for_a_known_answer(store, kb_services):
    conversations = Conversations(kb_services.qa, store, ttl_s=60)
    reply = conversations.respond(conversation="C:1", user="U1", text="What is MLOps?")
    kept = conversations.record_feedback_comment(
        answer_id=reply.answer_id, user="U1", text="  too   vague \n"
    )
    assert kept.recorded
    assert not conversations.record_feedback_comment(answer_id="nope", user="U1", text="x").recorded
    assert not conversations.record_feedback_comment(
        answer_id=reply.answer_id, user="U1", text="   "
    ).recorded
    (record,) = conversations.questions.since(0)
    assert record.comments == {"U1": "too vague"}


def test_an_answer_is_escalated_once_and_again_only_after_a_failed_post(store, kb_services):
    conversations = Conversations(kb_services.qa, store, ttl_s=60)
    reply = conversations.respond(
        conversation="C:1", user="U1", text="What does an ML engineer earn in Berlin?"
    )
    assert reply.outcome == "partial"
    first = conversations.claim_escalation(answer_id=reply.answer_id)
    assert first.status == "claimed" and first.request is not None
    assert first.request.question == "What does an ML engineer earn in Berlin?"
    assert first.request.asker == "U1" and first.request.outcome == "partial"
    assert first.request.uncovered == ("Berlin",) and first.request.answer
    assert conversations.claim_escalation(answer_id=reply.answer_id).status == "sending"
    conversations.abandon_escalation(first)  # the post failed: the next click tries again
    again = conversations.claim_escalation(answer_id=reply.answer_id)
    assert again.status == "claimed"
    conversations.complete_escalation(again, user="U2", where="C0RECRUIT/1.2")
    assert conversations.claim_escalation(answer_id=reply.answer_id).status == "sent"
    assert conversations.claim_escalation(answer_id="nope").status == "unknown"
    (record,) = conversations.questions.since(0)
    assert record.escalations == {"U2": "C0RECRUIT/1.2"}
