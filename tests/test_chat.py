"""The terminal chat's rendering: emphasis as the terminal shows it, wrapped at word
boundaries, no internal ids (pure: no model needed)."""

from __future__ import annotations

import io

from bot.chat import Style, format_answer, format_recommendation, render_reply
from bot.conversation import Reply
from bot.roles.recommender import RoleRecommendation
from bot.types import Answer, Citation, Note, Point

LONG = "Obsidi says " + " ".join(["senior ML developers often earn more than $200,000"] * 6)


def answer() -> Answer:
    return Answer(
        question="q",
        grounded=True,
        lead=Point(f"*{LONG}*", (1,)),
        points=[Point("Gutierrez lists these skills:", (2,), ("Python", "SQL"), more=True)],
        notes=[Note("uncovered", "The sources give no figures for *Toronto*.")],
        sources=[
            Citation("knowledge/pay.md", "Pay", "Obsidi", 0.9, "q"),
            Citation("knowledge/skills.md", "Skills", "Gutierrez", 0.8, "q"),
        ],
    )


def test_a_terminal_shows_bold_and_italics_and_wraps_at_word_boundaries():
    text = format_answer(answer(), Style(ansi=True, width=60))
    assert "\033[1m" in text and "\033[3m" in text and "*" not in text and "_The" not in text
    lines = text.splitlines()
    assert all(len(line) <= 60 + len("\033[1m\033[0m") for line in lines)
    assert not any(line.endswith(("$200,", "devel")) for line in lines)  # no word cut in two
    assert lines[0].startswith("\033[1mObsidi says")  # the lead first, then its note
    assert text.index("[1]") < text.index("Toronto") < text.index("Gutierrez")


def test_a_pipe_gets_plain_text_and_the_order_lead_notes_points_sources():
    plain = format_answer(answer())
    assert "\033[" not in plain and "*" not in plain
    order = [
        plain.index(s) for s in ("Obsidi says", "Toronto", "• Gutierrez", "◦ Python", "Sources:")
    ]
    assert order == sorted(order)


def test_no_internal_ids_reach_the_terminal():
    rec = RoleRecommendation(
        situation="s",
        role="ml_engineer",
        confidence=0.8,
        scores={
            "ml_engineer": 0.8,
            "ai_engineer": 0.1,
            "data_scientist": 0.05,
            "ml_scientist": 0.05,
        },
        rationale="This sounds like an *ML engineer*.",
    )
    text = format_recommendation(rec)
    assert "ml_engineer" not in text and "ai_engineer" not in text and "ML engineer" in text
    note = render_reply(Reply(route="acknowledgement", text="Try the data_scientist brief"))
    assert "data_scientist" not in note and "data scientist" in note


def test_the_chat_reads_lines_until_quit(kb_services):
    from bot.chat import run_chat

    out = io.StringIO()
    assert run_chat(kb_services, io.StringIO("/help\nthanks!\n/quit\nnever\n"), out) == 0
    text = out.getvalue()
    assert "Commands:" in text and "hirebot>" in text and "never" not in text
