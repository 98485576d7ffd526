"""Tags on every sentence unit: pure taggers on examples, then every unit of knowledge/."""

from __future__ import annotations

import pytest

from bot.indexing.tagging import FORMS, figure_types, sentence_form, tag_unit
from bot.types import UnitTags
from bot.vocabulary import vocabulary

KINDS = {
    "role_choice",
    "role_difference",
    "pay",
    "contracting",
    "skills",
    "job_description",
    "interviewing",
    "red_flags",
    "sourcing",
    "industries",
    "concepts",
}


@pytest.mark.parametrize(
    ("text", "figures"),
    [
        ("Senior U.S. AI engineers: about $160,000–$210,000 per year.", ("annual",)),
        ("Contractors may charge $100–$250 per hour, depending on scope.", ("hourly",)),
        ("Gartner found that 72% of leaders name talent as the main barrier.", ("percent",)),
        ("Coders.dev offers a paid 2-week trial with an engineer.", ("duration",)),
        ("Obsidi names four red flags and 3 stages.", ("count",)),
        ("An AI engineer builds product features on foundation models.", ()),
        (  # each amount is typed by the words right after it
            "Mid-level ML developers earn $130,000–$180,000 USD per year, and contractors "
            "may charge $100–$250 per hour.",
            ("annual", "hourly"),
        ),
        ("Typical hourly rates run $100 to $250 for freelancers.", ("hourly",)),
    ],
)
def test_figure_types(text, figures):
    assert figure_types(text) == figures


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("Gutierrez gives no dedicated salary range for data scientists.", "absence"),
        ("The Coders.dev article does not give offshore rate figures.", "absence"),
        (
            "hirebot's note: none of the five articles gives interview guidance for ML scientists.",
            "absence",
        ),
        ("hirebot's note: the pay figures from the three sources cover different ground.", "meta"),
        (
            "Obsidi says data scientists analyse data, whereas ML developers ship models.",
            "comparison",
        ),
        ("An AI engineer is a software engineer with an AI toolkit.", "definition"),
        ("Coders.dev claims its vetting cuts hiring costs.", "caveat"),
        (  # hedged, but it states figures: a figure statement that may lead a pay answer
            "Obsidi says ML developers typically earn $130,000–$180,000 per year, and "
            "contractors may charge $100–$250 per hour.",
            "statement",
        ),
        (
            "Silo mentality: the candidate has never worked with data engineering teams.",
            "statement",
        ),
    ],
)
def test_sentence_forms(text, form):
    assert sentence_form(text, list_lead=False, list_item=False) == form


def test_roles_come_from_the_sentence_else_its_headings_else_its_document():
    named = tag_unit(
        "Senior ML engineers earn more.", headings=("Pay",), document_roles=("ai_engineer",)
    )
    assert named.roles == named.roles_named == ("ml_engineer",)
    heading = tag_unit("They earn more.", headings=("Data scientist", "Pay"), document_roles=())
    assert heading.roles == ("data_scientist",) and heading.roles_named == ()
    document = tag_unit("Pay varies.", headings=("Pay",), document_roles=("ml_scientist",))
    assert document.roles == ("ml_scientist",)
    several = tag_unit(
        "Pay varies.", headings=("Pay",), document_roles=("ai_engineer", "ml_engineer")
    )
    assert several.roles == ()
    cited = tag_unit(
        "The AI vs ML Developers article gives no figure for data scientists.",
        cited_names=["AI vs ML Developers article"],
    )
    assert cited.roles_named == ("data_scientist",)  # the article's name names no role


def test_levels_and_regions_use_the_one_vocabulary():
    tags = tag_unit("Entry-level ML developers in the Bay Area earn less than seniors.")
    assert tags.levels == ("junior", "senior") and tags.regions == ("Silicon Valley",)
    assert vocabulary().broader("Silicon Valley") == ("Silicon Valley", "U.S.")
    assert vocabulary().roles_in("DS&A questions for new grads") == ()  # not a data scientist


def test_tags_round_trip_through_json():
    tags = UnitTags(
        topics={"pay": 0.8}, roles=("ai_engineer",), levels=("senior",), figures=("annual",)
    )
    assert UnitTags.from_json(tags.to_json()) == tags
    assert UnitTags.from_json(None) == UnitTags()


def test_every_unit_of_the_knowledge_base_is_tagged(kb_services):
    """The table test: every sentence unit of knowledge/ as ingest stored it."""
    chunks = kb_services.store.all_chunks()
    units = kb_services.store.units_for([c.id for c in chunks])
    by_id = {c.id: c for c in chunks}
    words = vocabulary()
    seen = 0
    for chunk_id, records in units.items():
        chunk = by_id[chunk_id]
        names = [n for o in chunk.origins for n in o.cite_as]
        for unit in records:
            seen += 1
            tags, where = unit.tags, f"{chunk.source}: {unit.text[:80]}"
            assert tags.form in FORMS, where
            assert tags.topics and set(tags.topics) <= KINDS, where
            if "$" in unit.text:
                assert {"annual", "hourly"} & set(tags.figures), where
            mentioned = words.roles_in(unit.text)
            if mentioned and not any(n.lower() in unit.text.lower() for n in names):
                assert set(mentioned) <= set(tags.roles_named), where
            if len(chunk.roles) == 1 and not tags.roles_named:
                assert tags.roles, where  # a single-role document's sentences are about it
            assert tags.note == unit.text.lower().startswith("hirebot's note"), where
            if unit.lead is not None:
                assert tags.form in ("list_item", "absence", "meta"), where
    assert seen > 300
