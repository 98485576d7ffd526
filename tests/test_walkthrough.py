"""The walkthrough state machine (pure) and the dialog service over a real state store."""

import pytest

from bot.roles import walkthrough as wt
from bot.roles.dialog import NoticeView, QuestionView, ResultView
from bot.types import ROLE_IDS
from tests.clock import ManualClock, let_pass

# option index per question that points at each role
PATHS = {
    "data_scientist": [0, 0, 0, 3, 2],
    "ml_engineer": [1, 1, 1, 1, 1],
    "ai_engineer": [2, 2, 2, 0, 0],
    "ml_scientist": [3, 3, 3, 2, 3],
}


def walk_path(indexes):
    state = wt.start()
    for q, i in zip(wt.QUESTIONS, indexes, strict=True):
        state = wt.choose(state, q.id, q.options[i].id)
    return state


@pytest.mark.parametrize("role", ROLE_IDS)
def test_each_path_ends_in_its_role(role):
    state = walk_path(PATHS[role])
    assert state.done
    result = wt.outcome(state)
    assert result.role == role and result.runner_up is None
    assert len(result.supporting) == len(wt.QUESTIONS)
    assert sum(result.scores.values()) == pytest.approx(1.0)


def test_questions_are_three_to_six_with_four_options_each():
    assert 3 <= len(wt.QUESTIONS) <= 6
    assert all(len(q.options) == 4 for q in wt.QUESTIONS)
    assert len(set(wt.QUESTION_IDS)) == len(wt.QUESTIONS)


def test_invalid_choices_are_rejected():
    state = wt.start()
    with pytest.raises(wt.InvalidChoice):
        wt.choose(state, "failure", "degrading")  # not the current question
    with pytest.raises(wt.InvalidChoice):
        wt.choose(state, "output", "nonsense")


def test_back_undoes_and_scores_follow():
    state = wt.choose(wt.start(), "output", "features")
    assert wt.scores(state)["ai_engineer"] == 1.0
    state = wt.back(state)
    assert state.position == 0 and wt.scores(state)["ai_engineer"] == 0.25
    assert wt.back(state).position == 0


def test_close_results_name_a_runner_up():
    state = wt.start()
    for q, i in zip(wt.QUESTIONS, [2, 1, 2, 1, 1], strict=True):
        state = wt.choose(state, q.id, q.options[i].id)
    result = wt.outcome(state)
    assert {result.role, result.runner_up} == {"ai_engineer", "ml_engineer"}


def test_state_round_trips_through_json():
    state = wt.answer_text(
        wt.choose(wt.start(), "output", "models"),
        "we ship LLM features",
        {"ai_engineer": 0.7, "ml_engineer": 0.1, "data_scientist": 0.1, "ml_scientist": 0.1},
    )
    assert wt.Walkthrough.from_dict(state.to_dict()) == state


# ---- the dialog service: real model, real index, real SQLite state -------------------------


@pytest.fixture
def dialog(kb_services, tmp_path):
    from bot.roles.dialog import RoleDialog
    from bot.stores.state import SQLiteStateStore

    clock = ManualClock()

    def make(ttl_s=3600):
        state = SQLiteStateStore(tmp_path / "state.sqlite3", clock=clock)
        return RoleDialog(
            state, kb_services.roles.recommender, kb_services.roles.briefs, ttl_s=ttl_s
        )

    return make


def test_dialog_survives_a_restart_of_the_bot(dialog):
    first = dialog()
    view = first.start("im:D1")
    view = first.click("im:D1", view.walk.id, "output", "models")
    assert isinstance(view, QuestionView) and view.number == 2
    second = dialog()  # a new process: same SQLite file, nothing in memory
    view = second.click("im:D1", view.walk.id, "workplace", "infra")
    assert isinstance(view, QuestionView) and view.number == 3


def test_stale_and_unknown_clicks_get_a_gentle_notice(dialog):
    d = dialog()
    old = d.start("im:D1").walk.id
    d.start("im:D1")  # replaced by a new walkthrough
    stale = d.click("im:D1", old, "output", "models")
    assert isinstance(stale, NoticeView) and "expired" in stale.text and stale.restart
    assert isinstance(d.click("im:D9", "nope", "output", "models"), NoticeView)
    assert isinstance(d.back("im:D9", "nope"), NoticeView)


def test_walkthrough_expires_after_inactivity(dialog):
    d = dialog(ttl_s=60)
    walk_id = d.start("im:D1").walk.id
    let_pass(d.state, 59)
    assert d.is_active("im:D1")
    let_pass(d.state, 2)
    assert not d.is_active("im:D1")
    assert isinstance(d.click("im:D1", walk_id, "output", "models"), NoticeView)


def test_free_text_answers_are_interpreted(dialog):
    d = dialog()
    d.start("im:D1")
    view = d.text("im:D1", "we want an assistant on top of GPT-4 that answers from our help docs")
    assert isinstance(view, QuestionView) and view.number == 2 and "AI engineer" in view.note
    view = d.text("im:D1", "2")  # option number
    assert view.walk.steps[-1].option == "infra"
    assert isinstance(d.text("im:D1", "back"), QuestionView)
    assert isinstance(d.text("im:D1", "cancel"), NoticeView) and not d.is_active("im:D1")


@pytest.mark.parametrize("typed", ["7", "0", "asdf qwerty", "maybe", "?!"])
def test_an_answer_that_is_no_option_and_says_nothing_is_asked_again(dialog, typed):
    d = dialog()
    d.start("im:D1")
    view = d.text("im:D1", typed)
    assert isinstance(view, QuestionView) and view.number == 1 and not view.walk.steps
    assert "didn't catch that" in view.note and "1–4" in view.note


def test_a_question_or_thanks_during_the_walkthrough_does_not_answer_it(kb_services):
    conversation = "im:walk-interrupt"
    reply = kb_services.conversations.respond(
        conversation=conversation, user="U1", text="help me pick a role"
    )
    assert reply.route == "walkthrough" and isinstance(reply.view, QuestionView)
    asked = kb_services.conversations.respond(
        conversation=conversation, user="U1", text="what does a senior AI engineer earn in the US?"
    )
    assert asked.route == "answer" and "$160" in asked.text
    thanks = kb_services.conversations.respond(conversation=conversation, user="U1", text="thanks!")
    assert thanks.route == "acknowledgement" and "walkthrough" in thanks.text
    described = kb_services.conversations.respond(
        conversation=conversation, user="U1", text="we want dashboards and analysis for the execs"
    )
    assert isinstance(described.view, QuestionView) and described.view.number == 2
    kb_services.roles.cancel(conversation)


def test_finished_walkthrough_returns_a_sourced_brief(dialog):
    d = dialog()
    view = d.start("im:D1")
    for q, i in zip(wt.QUESTIONS, PATHS["ml_scientist"], strict=True):
        view = d.click("im:D1", view.walk.id, q.id, q.options[i].id)
    assert isinstance(view, ResultView) and view.outcome.role == "ml_scientist"
    titles = [s.title for s in view.brief.sections]
    assert titles[:4] == [
        "Job description outline",
        "Must-have skills and tools",
        "Interview plan",
        "Red flags",
    ]
    interview = next(s for s in view.brief.sections if s.key == "interview").answer
    assert "Technical deep dive" in interview.answer  # the stages, shown whole
    assert "Production troubleshooting" in interview.answer  # and the core questions
    red_flags = next(s for s in view.brief.sections if s.key == "red_flags").answer
    assert red_flags.answer.count("◦") >= 4 and "black box" in red_flags.answer
    pay = next(s for s in view.brief.sections if s.key == "pay").answer
    assert "$180,000" in pay.answer or "$180k" in pay.answer
    assert all(s.answer.sources for s in view.brief.sections if s.answer.grounded)
    assert not d.is_active("im:D1")
