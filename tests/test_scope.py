"""The scope gate: off-topic questions are declined; unknown words only become a note."""

import numpy as np

from bot.answering.classify import QuestionKind
from bot.answering.scope import (
    ScopeConfig,
    assess,
    mentions_ai_work,
    other_roles_named,
    uncovered,
    unknown_terms,
)
from bot.text import tokenize
from bot.types import Chunk, Hit

VOCAB = set(tokenize("salary engineer data ml hire senior experience"))


def _kind(in_scope: bool) -> QuestionKind:
    p = 0.9 if in_scope else 0.1
    return QuestionKind("pay" if in_scope else "benefits", in_scope, 0.9, p, {})


def _hit(dense: float) -> Hit:
    return Hit(Chunk(id="c", text="t", source="s", title="t"), score=1.0, dense=dense)


def test_unknown_terms_are_runs_of_words_the_knowledge_never_uses():
    terms = unknown_terms("Senior ML engineer salary at Hugging Face in Toronto?", VOCAB)
    assert [t.text for t in terms] == ["Hugging Face", "Toronto"]
    assert terms[0].without == "Senior ML engineer salary at in Toronto?"
    assert unknown_terms("What salary for a senior ML engineer?", VOCAB) == []


def test_off_topic_is_declined_whatever_the_retrieval_says():
    config = ScopeConfig()
    assert not assess(_kind(False), [_hit(0.9)], 0.9, config=config).in_scope
    decision = assess(_kind(True), [_hit(0.9)], 0.9, config=config)
    assert decision.in_scope and decision.reason.startswith("on topic")


def test_on_topic_but_nothing_close_is_declined():
    config = ScopeConfig(min_chunk=0.3, min_unit=0.3)
    decision = assess(_kind(True), [_hit(0.1)], 0.1, config=config)
    assert not decision.in_scope and "nothing close" in decision.reason
    assert not assess(_kind(True), [], 0.0, config=config).in_scope


def test_a_term_is_uncovered_when_it_is_a_name_that_carries_meaning():
    terms = unknown_terms("ML engineer salary in Toronto, tbh", VOCAB | {"in"})
    assert [t.text for t in terms] == ["Toronto", "tbh"]
    question = np.array([1.0, 0.0])
    config = ScopeConfig(max_kept_meaning=0.9, min_entity=0.2)
    moved, kept = np.array([0.6, 0.8]), np.array([0.99, 0.141])
    english = frozenset({"toronto", "tbh"})
    # dropping 'Toronto' changes the question and it is written as a name; 'tbh' changes nothing
    found = uncovered(
        terms, question, np.stack([moved, kept]), np.zeros(2), english=english, config=config
    )
    assert found == ["Toronto"]
    # a lower-case ordinary word that changes the meaning is not a name, unless typed like one
    lower = unknown_terms("ML engineer salary in toronto", VOCAB | {"in"})
    assert (
        uncovered(
            lower, question, np.stack([moved]), np.array([0.0]), english=english, config=config
        )
        == []
    )
    assert uncovered(
        lower, question, np.stack([moved]), np.array([0.3]), english=english, config=config
    ) == ["toronto"]
    # a word that is not English (a product) counts as a name
    tool = unknown_terms("Do ML engineers need kubeflow", VOCAB | {"need"})
    assert uncovered(
        tool, question, np.stack([moved]), np.array([0.0]), english=english, config=config
    ) == ["kubeflow"]


def test_names_are_told_from_numbers_and_sentence_starts():
    terms = unknown_terms("Toronto pay? Hi from ACME, 10k rows, H-1B and GPT-4o", set())
    by_text = {t.text: t.looks_like_a_name() for t in terms}
    assert by_text["Toronto pay"] is False  # only capitalised because it starts the sentence
    assert by_text["ACME"] and by_text["H-1B"] and by_text["GPT-4o"]
    assert by_text["10k rows"] is False


def test_titles_of_other_jobs_are_told_from_the_four_roles_and_their_variants():
    assert other_roles_named("salary for a data engineer in Berlin") == ["a data engineer"]
    assert other_roles_named("how do we hire ICU nurses faster") == ["hire ICU nurses"]
    assert other_roles_named("frontend developer salary") == ["frontend developer"]
    for ours in (
        "senior ML engineer pay",
        "data scientist or data analyst?",
        "MLOps engineer interview questions",
        "prompt engineer salary",
        "NLP engineer or research scientist",
        "our engineers keep shipping notebooks",
        "a senior developer who knows PyTorch",
    ):
        assert other_roles_named(ours) == [], ours


def test_a_question_about_other_jobs_only_is_declined():
    config = ScopeConfig()
    other = assess(_kind(True), [_hit(0.9)], 0.9, config=config, other_roles=["data engineer"])
    assert not other.in_scope and "not an AI/ML role" in other.reason
    both = assess(
        _kind(True),
        [_hit(0.9)],
        0.9,
        config=config,
        other_roles=["Python developers"],
        about_ai=mentions_ai_work("Can Python developers cover our AI and ML projects?"),
    )
    assert both.in_scope
    assert not mentions_ai_work("salary for a data engineer in Berlin")
