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
)
from bot.slack.mrkdwn import to_mrkdwn
from bot.types import Answer, Citation, Point


def answer(text: str, n_sources: int = 2) -> Answer:
    sources = [
        Citation(f"knowledge/doc{i}.md", f"Doc {i}", f"Publisher {i}", 0.8, "quote <b> & more " * 5)
        for i in range(n_sources)
    ]
    return Answer(question="q", grounded=True, lead=Point(text, (1,)), sources=sources)


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
    declined = Answer(question="q", text="I don't have sourced guidance", grounded=False)
    assert "Sources" not in json.dumps(build_answer_blocks(declined, "id"))


def test_help_and_error_replies_are_plain_sections():
    text, blocks = build_reply(Reply(route="acknowledgement", text="Hi **there**"))
    assert text == "Hi **there**" and blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Hi *there*"}}
    ]


def test_home_view_shows_counts():
    view = build_home_view(chunks=190, documents=15, feedback={"up": 3, "down": 1})
    dumped = json.dumps(view, ensure_ascii=False)
    assert view["type"] == "home" and "15 documents, 190 passages" in dumped and "👍 3" in dumped


# ---- escaping: core text escaped exactly once -------------------------------------------------

from bot.roles import walkthrough as wt  # noqa: E402
from bot.roles.brief import BriefSection, HiringBrief  # noqa: E402
from bot.roles.dialog import NoticeView, QuestionView, ResultView  # noqa: E402
from bot.roles.recommender import RoleRecommendation  # noqa: E402
from bot.slack.blocks import (  # noqa: E402
    build_brief_blocks,
    build_dialog_blocks,
    build_recommendation_blocks,
)
from tests.slack_rules import (  # noqa: E402
    block_errors,
    posted_texts,
    rendered,
    shown_text,
    unescaped,
)

AMPERSANDS = "R&D labs use Weights & Biases; <b>bold</b> is not HTML"


def result_view(typed: list[str], brief_answer: str = AMPERSANDS, sources: int = 2) -> ResultView:
    steps = tuple(
        wt.Step(q.id, None, text, {"ml_scientist": 1.0})
        for q, text in zip(wt.QUESTIONS, typed, strict=False)
    )
    walk = wt.Walkthrough(id="w1", steps=steps)
    outcome = wt.Outcome(
        role="ml_scientist",
        runner_up="ai_engineer",
        scores={
            "ml_scientist": 0.6,
            "ai_engineer": 0.3,
            "ml_engineer": 0.05,
            "data_scientist": 0.05,
        },
        supporting=steps,
    )
    sections = tuple(
        BriefSection(key, title, answer(brief_answer, n_sources=sources))
        for key, title in (("jd", "Job & description"), ("pay", "Pay <ranges>"))
    )
    return ResultView(walk, outcome, HiringBrief(role="ml_scientist", sections=sections))


def test_answer_text_is_escaped_once_and_shows_exactly_what_the_knowledge_says():
    blocks = build_answer_blocks(answer(AMPERSANDS), "id1")
    body = blocks[0]["text"]["text"]
    assert body == "R&amp;D labs use Weights &amp; Biases; &lt;b&gt;bold&lt;/b&gt; is not HTML [1]"
    assert "&amp;amp;" not in json.dumps(blocks)
    assert rendered(body) == f"{AMPERSANDS} [1]"


def test_typed_walkthrough_answers_are_escaped_once_in_the_why_section():
    typed = ["we do R&D <fast>", "Weights & Biases"]
    blocks = build_dialog_blocks(result_view(typed))
    why = next(b["text"]["text"] for b in blocks if "*Why*" in b.get("text", {}).get("text", ""))
    assert "_we do R&amp;D &lt;fast&gt;_" in why and "&amp;amp;" not in why
    shown = shown_text(blocks)
    assert "You said: _we do R&D <fast>_" in shown
    assert "Job & description" in shown and "Pay <ranges>" in shown


def test_question_prompt_note_and_option_labels_are_escaped():
    question = wt.QUESTIONS[0]
    weird = wt.Question(
        question.id,
        "Build <models> & ship?",
        "Gutierrez & Obsidi",
        tuple(wt.Option(o.id, f"{o.label} & <more>", o.weights) for o in question.options),
    )
    view = QuestionView(wt.Walkthrough(id="w2"), weird, note="Noted: R&D <lab>")
    blocks = build_dialog_blocks(view)
    dumped = json.dumps(blocks)
    assert "Build &lt;models&gt; &amp; ship?" in dumped and "Gutierrez &amp; Obsidi" in dumped
    assert "Noted: R&amp;D &lt;lab&gt;" in dumped and "&amp; &lt;more&gt;" in dumped
    assert "&amp;amp;" not in dumped


def test_fallback_text_is_escaped_too():
    text, _ = build_reply(Reply(route="acknowledgement", text="R&D <lead>"))
    assert text == "R&amp;D &lt;lead&gt;"


# ---- Block Kit limits: every builder, with the largest inputs the core can produce ------------

LONG_WORDS = " ".join(f"word{i}&<x>" for i in range(400))  # long, and longer once escaped


def test_every_builder_stays_within_block_kit_limits_with_huge_inputs():
    huge = answer("\n".join(f"• point {i} R&D " + "x" * 400 for i in range(400)), n_sources=30)
    many_sources = [
        Citation(f"k/{i}.md", "T&" * 200, "O<" * 200, 0.5, "Q>" * 300) for i in range(30)
    ]
    rec = RoleRecommendation(
        situation=LONG_WORDS,
        role="ai_engineer",
        confidence=0.7,
        scores={"ai_engineer": 0.7, "ml_engineer": 0.1, "data_scientist": 0.1, "ml_scientist": 0.1},
        rationale=LONG_WORDS * 3,
        sources=many_sources,
    )
    five_long_typed = [LONG_WORDS[:1500]] * 5  # the longest answers the core accepts
    question = wt.QUESTIONS[0]
    long_question = wt.Question(
        question.id,
        LONG_WORDS * 3,
        LONG_WORDS,
        tuple(wt.Option(o.id, LONG_WORDS, o.weights) for o in question.options),
    )
    outputs = {
        "answer": build_answer_blocks(huge, "id"),
        "declined": build_answer_blocks(
            Answer(question="q", text=LONG_WORDS * 20, grounded=False), "id"
        ),
        "recommendation": build_recommendation_blocks(rec),
        "result": build_dialog_blocks(result_view(five_long_typed, LONG_WORDS * 10, 30)),
        "brief": build_brief_blocks(result_view([], LONG_WORDS * 10, 30).brief),
        "question": build_dialog_blocks(
            QuestionView(wt.Walkthrough(id="w3"), long_question, note=LONG_WORDS * 10)
        ),
        "notice": build_dialog_blocks(NoticeView(LONG_WORDS * 20, restart=True)),
        "help": build_reply(Reply(route="acknowledgement", text=LONG_WORDS * 20))[1],
    }
    for name, blocks in outputs.items():
        assert block_errors(blocks) == [], name
        assert [t for t in posted_texts({"blocks": blocks}) if unescaped(t)] == [], name


def test_the_why_section_keeps_every_typed_answer_but_clips_each():
    blocks = build_dialog_blocks(result_view([LONG_WORDS[:1500]] * 5))
    why = [b for b in blocks if "You said" in b.get("text", {}).get("text", "")]
    said = "\n".join(b["text"]["text"] for b in why)
    assert said.count("You said") == 5 and len(said) < 3000
    assert blocks[-1]["type"] == "actions"  # the "start a new walkthrough" button survives
