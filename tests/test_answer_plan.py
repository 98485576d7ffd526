"""The answer plan per kind over tagged sentences (pure: hand-made units, hashing vectors), then
the probes that used to lead with the wrong sentence, through the real front door."""

from __future__ import annotations

import pytest

from bot.answering.compose import Lead, compose_answer, item_name, merge_answers, prepend_lead
from bot.answering.ranker import FEATURES, SentenceRanker
from bot.evaluation.metrics import first_words
from bot.indexing.tagging import tag_unit
from bot.stores.embeddings import HashingEmbedder
from bot.stores.vectors import UnitRecord
from bot.types import Chunk, Citation, Hit, Origin

EMBED = HashingEmbedder()
ORIGIN = Origin("obsidi", "How to hire an ML developer", "Obsidi", ("Obsidi",))


def units_of(chunk_id: str, lines: list[str], *, list_from: int | None = None) -> list[UnitRecord]:
    """Sentence units of one chunk; from `list_from` on, the lines are items of the list that
    the line before introduces."""
    vectors = EMBED.embed(lines)
    out = []
    for n, (text, vector) in enumerate(zip(lines, vectors, strict=True)):
        lead = list_from - 1 if list_from is not None and n >= list_from else None
        out.append(
            UnitRecord(
                id=f"{chunk_id}:{n}",
                chunk_id=chunk_id,
                index=n,
                text=text,
                lead=lead,
                paragraph=0,
                vector=vector,
                tags=tag_unit(
                    text,
                    list_lead=list_from is not None and n == list_from - 1,
                    list_item=lead is not None,
                    lead_text=lines[lead] if lead is not None else "",
                ),
            )
        )
    return out


def compose(question: str, kind: str, chunks: dict[str, list[UnitRecord]], **kw):
    hits = [
        Hit(
            Chunk(cid, " ".join(u.text for u in us), "knowledge/x.md", "X", ("X",), (ORIGIN,)),
            0.5,
            0.5,
        )
        for cid, us in chunks.items()
    ]
    return compose_answer(question, hits, chunks, EMBED.embed([question])[0], kind=kind, **kw)


def test_pay_leads_with_an_annual_figure_for_the_asked_role():
    answer = compose(
        "What does an ML engineer earn per year?",
        "pay",
        {
            "a": units_of(
                "a", ["ML engineers build and deploy models, and what they earn varies."]
            ),
            "b": units_of("b", ["Obsidi says ML engineers earn about $150,000 per year."]),
        },
    )
    assert answer.lead is not None and "$150,000" in answer.lead.text
    assert answer.answer.splitlines()[0].startswith("Obsidi says ML engineers earn")


def test_saying_the_sources_give_no_figure_outranks_another_roles_figures():
    answer = compose(
        "What do data scientists earn?",
        "pay",
        {
            "a": units_of(
                "a",
                ["Obsidi says ML scientists earn about $180,000 per year, like data scientists."],
            ),
            "b": units_of("b", ["Obsidi gives no salary figure for data scientists."]),
        },
    )
    assert answer.lead is not None and answer.lead.text.startswith("Obsidi gives no salary figure")


def test_contracting_leads_with_an_hourly_rate():
    answer = compose(
        "What do freelance ML developers charge?",
        "contracting",
        {
            "a": units_of(
                "a", ["Obsidi says ML developers earn $130,000 per year; freelance work varies."]
            ),
            "b": units_of("b", ["Obsidi says freelance ML developers charge $100–$250 per hour."]),
        },
    )
    assert answer.lead is not None and "per hour" in answer.lead.text


def test_a_contractor_pay_question_is_answered_with_a_rate_the_list_line_with_it_first():
    answer = compose(
        "What would a senior ML engineer on a 6-month contract cost?",
        "pay",
        {
            "a": units_of(
                "a",
                [
                    "Obsidi gives these North American figures for ML developers:",
                    "Senior ML developers: often more than $200,000 USD per year.",
                    "Contractors and freelance ML developers: may charge $100–$250 per hour.",
                ],
                list_from=1,
            ),
        },
    )
    assert "$100–$250 per hour" in first_words(answer.answer, 35)


def test_with_no_rate_for_the_asked_role_the_nearest_roles_rate_leads_with_a_note():
    answer = compose(
        "What hourly rate does a freelance AI engineer charge?",
        "contracting",
        {
            "a": units_of("a", ["Obsidi says AI engineers earn about $160,000 per year."]),
            "b": units_of("b", ["Obsidi says freelance ML engineers charge $100–$250 per hour."]),
        },
    )
    assert answer.lead is not None and "per hour" in answer.lead.text
    (note,) = [n for n in answer.notes if n.kind == "role"]
    assert "no hourly figures for the AI engineer role" in note.text
    assert "ML engineer" in note.text


def test_a_sentence_saying_a_source_gives_nothing_about_another_role_never_leads():
    answer = compose(
        "How should an ML engineer interview loop be structured?",
        "interviewing",
        {
            "a": units_of(
                "a",
                [
                    "hirebot's note: none of the articles gives interview guidance for ML "
                    "scientists; the stages were written for ML engineers and data scientists."
                ],
            ),
            "b": units_of("b", ["Obsidi says an ML engineer loop has a technical deep dive."]),
        },
    )
    assert answer.lead is not None and answer.lead.text.startswith("Obsidi says an ML engineer")


RED_FLAGS = [
    "Obsidi names these red flags in ML candidates:",
    *[f"Flag {n} name: a candidate who shows warning {n}." for n in range(1, 9)],
    "Black box problem: the candidate cannot explain the model's decisions.",
]


def test_a_list_kind_leads_with_the_list_its_item_names_first_ranked_and_capped():
    answer = compose(
        "Which red flags should I watch for in ML candidates?",
        "red_flags",
        {
            "a": units_of("a", RED_FLAGS, list_from=1),
            "b": units_of("b", ["Interview loops have four stages."]),
        },
    )
    lead = answer.lead
    assert lead is not None and lead.text.startswith(RED_FLAGS[0])
    assert len(lead.items) == 6 and lead.more  # capped, and says there is more


def test_a_question_about_one_item_leads_with_that_line_then_the_rest_of_its_list():
    answer = compose(
        "A candidate cannot explain the model's decisions - black box problem. Red flag?",
        "red_flags",
        {
            "a": units_of("a", RED_FLAGS, list_from=1),
            "b": units_of("b", ["Interview loops have four stages."]),
        },
    )
    assert answer.lead is not None and answer.lead.text.startswith("Black box problem")
    (rest,) = [p for p in answer.points if p.text.startswith(RED_FLAGS[0])]
    assert not any(i.startswith("Black box problem") for i in rest.items)  # not shown twice


def test_meta_sentences_never_lead_and_no_point_is_shown_twice():
    answer = compose(
        "What does an AI engineer do?",
        "role_difference",
        {
            "a": units_of(
                "a", ["hirebot's note: the articles cover what an AI engineer does differently."]
            ),
            "b": units_of("b", ["Obsidi says an AI engineer builds product features on LLM APIs."]),
            "c": units_of("c", ["Obsidi says an AI engineer builds product features on LLM APIs."]),
        },
    )
    assert answer.lead is not None and answer.lead.text.startswith("Obsidi says an AI engineer")
    texts = [p.text for p in answer.all_points]
    assert len(texts) == len(set(texts))


def test_notes_follow_the_lead():
    answer = compose(
        "What does an ML engineer earn in Austin?",
        "pay",
        {"a": units_of("a", ["Obsidi says U.S. ML engineers earn about $150,000 per year."])},
        uncovered=["Austin"],
    )
    lines = answer.answer.splitlines()
    assert lines[0].startswith("Obsidi says") and lines[1].startswith(
        "_The sources give no figures for *Austin*"
    )
    assert "U.S." in lines[1]  # which region the nearest figures are for


def test_a_pick_leads_and_combined_answers_keep_one_lead():
    base = compose(
        "What does an ML engineer earn per year?",
        "pay",
        {"b": units_of("b", ["Obsidi says ML engineers earn about $150,000 per year."])},
    )
    cite = Citation("knowledge/y.md", "Y", "Vector Talent Partners", 0.9, "quote")
    led = prepend_lead(
        base, Lead("*Hire an ML engineer*.", (cite,), role="ml_engineer", confidence=0.8)
    )
    assert (
        led.lead is not None
        and led.lead.text == "*Hire an ML engineer*."
        and led.lead.citations == (1,)
    )
    assert led.points[0].citations == (2,) and led.recommended_role == "ml_engineer"
    merged = merge_answers([base, led])
    assert merged.lead == base.lead and len(merged.sources) == 2


def test_item_names():
    assert (
        item_name("Silo mentality: the candidate has never worked with others.") == "Silo mentality"
    )
    assert item_name("this is no name because it runs on and on past eight words: text") is None
    assert item_name("No colon here.") is None


def test_the_committed_ranker_is_fresh_and_uses_these_features():
    from pathlib import Path

    from bot.answering.ranker import DEFAULT_ARTIFACT
    from bot.evaluation import ranker_training as rt

    ranker = SentenceRanker.load(DEFAULT_ARTIFACT)
    assert len(ranker.weights) == len(FEATURES)
    assert rt.is_fresh(ranker, rt.training_items(Path("evals"))), (
        "bot/data/sentence_ranker.json is stale: run `hirebot train-ranker`"
    )
    assert ranker.meta["trained_on"].startswith("dev halves")


# ---- the probes: each leads with its answer, through the front door ------------------------------


@pytest.mark.parametrize(
    ("question", "expected", "not_expected"),
    [
        ("What's the typical hourly rate for a freelance ML developer?", "$100–$250", None),
        (
            "What's the single biggest red flag when interviewing an ML engineer?",
            "red flag",
            "not as red flags",
        ),
        ("How many interview rounds should an ML engineer loop have?", "stage", "this document"),
        ("what would AI engineers cost us? we're US based", "$160,000", None),
        ("what's the risk of a bad ML hire, cost-wise?", "bad", None),
        ("What do data scientists earn in the US?", "no", "$180,000"),
    ],
)
def test_probes_lead_with_their_answer(kb_services, question, expected, not_expected):
    reply = kb_services.conversations.respond(conversation=None, user="U1", text=question)
    assert reply.answer is not None and reply.answer.grounded
    first = first_words(reply.answer.answer, 35)
    assert expected.lower() in first.lower(), first
    if not_expected:
        assert not_expected.lower() not in first.lower(), first
    assert not reply.answer.answer.startswith("_")  # a note never comes first
