"""Pure Block Kit builders, tested on their dicts."""

import json

from bot.conversation import Reply
from bot.slack.blocks import (
    MAX_BLOCKS,
    SECTION_LIMIT,
    build_answer_blocks,
    build_home_view,
    build_reply,
    split_text,
    to_mrkdwn,
)
from bot.types import Answer, Citation


def answer(text: str, n_sources: int = 2) -> Answer:
    sources = [
        Citation(f"knowledge/doc{i}.md", f"Doc {i}", f"Publisher {i}", 0.8, "quote <b> & more " * 5)
        for i in range(n_sources)
    ]
    return Answer(question="q", answer=text, grounded=True, sources=sources)


def test_markdown_becomes_mrkdwn():
    assert to_mrkdwn("## Pay\n**bold** and [link](https://x.test)\n- item") == (
        "*Pay*\n*bold* and <https://x.test|link>\n• item"
    )


def test_split_text_respects_the_limit_and_loses_nothing():
    text = "\n".join(f"• point number {i} " + "word " * 30 for i in range(60))
    parts = split_text(text, 500)
    assert all(len(p) <= 500 for p in parts)
    assert "".join(parts).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(
        " ", ""
    )


def test_answer_blocks_have_answer_sources_and_feedback():
    blocks = build_answer_blocks(answer("• A point [1]\n• Another [2]"), "abc123")
    kinds = [b["type"] for b in blocks]
    assert kinds[0] == "section" and kinds[-1] == "actions" and "divider" in kinds
    dumped = json.dumps(blocks)
    assert "Doc 0" in dumped and "Publisher 1" in dumped
    assert "&lt;b&gt; &amp;" in dumped  # quotes are escaped
    assert {e["value"] for e in blocks[-1]["elements"]} == {"abc123"}


def test_huge_answers_stay_within_slack_limits():
    huge = answer("\n".join(f"• point {i} " + "x" * 400 for i in range(400)), n_sources=30)
    blocks = build_answer_blocks(huge, "id")
    assert len(blocks) <= MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in blocks if b["type"] == "section")
    assert blocks[-1]["type"] == "actions"
    assert "trimmed" in json.dumps(blocks[-2])


def test_declines_show_no_sources_section():
    declined = Answer(question="q", answer="I don't have sourced guidance", grounded=False)
    assert "Sources" not in json.dumps(build_answer_blocks(declined, "id"))


def test_help_and_error_replies_are_plain_sections():
    text, blocks = build_reply(Reply(kind="help", text="Hi **there**"))
    assert text == "Hi **there**" and blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Hi *there*"}}
    ]


def test_home_view_shows_counts():
    view = build_home_view(chunks=190, documents=15, feedback={"up": 3, "down": 1})
    dumped = json.dumps(view, ensure_ascii=False)
    assert view["type"] == "home" and "15 documents, 190 passages" in dumped and "👍 3" in dumped
