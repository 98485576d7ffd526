"""Pure Block Kit builders, tested on their dicts."""

import json

from bot.conversation import Reply
from bot.slack.blocks import (
    ESCALATE,
    FEEDBACK,
    MAX_BLOCKS,
    SECTION_LIMIT,
    answer_of_feedback,
    build_answer_blocks,
    build_feedback_block,
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
    assert kinds[0] == "section" and kinds[-1] == "context_actions" and "divider" in kinds
    dumped = json.dumps(blocks)
    assert "Doc 0" in dumped and "Publisher 1" in dumped
    assert "&lt;b&gt; &amp;" in dumped  # quotes are escaped
    assert blocks[-1] == build_feedback_block("abc123")
    assert ESCALATE not in dumped  # offered only when asked for


def test_feedback_is_slacks_native_feedback_buttons_with_the_answer_in_the_block_id():
    block = build_feedback_block("abc123")
    (buttons,) = block["elements"]
    assert block["type"] == "context_actions" and buttons["type"] == "feedback_buttons"
    assert buttons["action_id"] == FEEDBACK
    assert (buttons["positive_button"]["value"], buttons["negative_button"]["value"]) == (
        "up",
        "down",
    )
    assert answer_of_feedback(block["block_id"]) == "abc123"
    assert answer_of_feedback("role_next") == ""
    assert block_errors([block]) == []


def test_huge_answers_stay_within_slack_limits():
    huge = answer("\n".join(f"• point {i} " + "x" * 400 for i in range(400)), n_sources=30)
    for escalate in (False, True):
        blocks = build_answer_blocks(huge, "id", escalate=escalate)
        assert len(blocks) <= MAX_BLOCKS and block_errors(blocks) == []
        assert all(
            len(b["text"]["text"]) <= SECTION_LIMIT for b in blocks if b["type"] == "section"
        )
        assert blocks[-1]["type"] == "context_actions"
        assert "trimmed" in json.dumps(blocks[-2 - escalate])


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

from dataclasses import replace  # noqa: E402

from bot.roles import walkthrough as wt  # noqa: E402
from bot.roles.brief import BriefSection, HiringBrief  # noqa: E402
from bot.roles.dialog import NoticeView, QuestionView, ResultView  # noqa: E402
from bot.roles.recommender import RoleRecommendation  # noqa: E402
from bot.slack.blocks import (  # noqa: E402
    RECOMMENDED,
    ROLE_PICK,
    RUNNER_UP,
    build_brief_blocks,
    build_dialog_blocks,
    build_pick_blocks,
    build_recommendation_blocks,
    card_of,
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


def test_the_result_shows_the_pick_and_the_runner_up_as_cards_with_pick_this_role():
    blocks = build_dialog_blocks(result_view(["we do R&D <fast>"]))
    cards = [b for b in blocks if b["type"] == "card"]
    assert [c["title"]["text"] for c in cards] == ["ML scientist", "AI engineer"]
    assert [card_of(c["block_id"]) for c in cards] == [RECOMMENDED, RUNNER_UP]
    assert cards[0]["subtitle"]["text"] == "Recommended · 60% of the evidence"
    assert cards[1]["subtitle"]["text"] == "Close second · 30% of the evidence"
    assert cards[0]["body"]["text"] == "You said: we do R&amp;D &lt;fast&gt;"
    picks = [(a["action_id"], a["value"]) for c in cards for a in c["actions"]]
    assert picks == [(ROLE_PICK, "ml_scientist"), (ROLE_PICK, "ai_engineer")]
    assert blocks.index(cards[1]) == 1  # the cards lead, before why and the brief
    assert block_errors(blocks) == []


def test_a_result_without_a_close_second_has_one_card():
    view = result_view([])
    view = ResultView(view.walk, replace(view.outcome, runner_up=None), view.brief)
    cards = [b for b in build_dialog_blocks(view) if b["type"] == "card"]
    assert len(cards) == 1 and cards[0]["body"]["text"] == "The best fit for your answers."


def test_cards_stay_within_the_card_limits_with_huge_typed_answers():
    blocks = build_dialog_blocks(result_view([LONG_WORDS[:1500]] * 5))
    (card, _) = [b for b in blocks if b["type"] == "card"]
    assert len(card["body"]["text"]) <= 200 and len(card["title"]["text"]) <= 150
    assert block_errors(blocks) == []


def test_picking_a_role_notes_it_and_shows_its_brief_unless_the_result_shows_it():
    brief = result_view([]).brief
    text, blocks = build_pick_blocks("ai_engineer", brief)
    assert text == "Hiring brief: AI engineer" and "you're hiring an *AI engineer*" in json.dumps(
        blocks
    )
    assert "Job &amp; description" in json.dumps(blocks) and len(blocks) <= MAX_BLOCKS
    text, blocks = build_pick_blocks("ml_scientist", None)
    assert len(blocks) == 1 and "brief is in the result above" in blocks[0]["text"]["text"]
    assert build_pick_blocks("data_scientist", None)[0] == "Noted: you're hiring a data scientist."
    assert block_errors(blocks) == []


def test_the_why_section_keeps_every_typed_answer_but_clips_each():
    blocks = build_dialog_blocks(result_view([LONG_WORDS[:1500]] * 5))
    why = [b for b in blocks if "You said" in b.get("text", {}).get("text", "")]
    said = "\n".join(b["text"]["text"] for b in why)
    assert said.count("You said") == 5 and len(said) < 3000
    assert blocks[-1]["type"] == "actions"  # the "start a new walkthrough" button survives


# ---- feedback, escalation and the streamed task step: pure builders, Slack's limits ----------

from bot.conversation import EscalationRequest, FeedbackResult  # noqa: E402
from bot.slack.blocks import (  # noqa: E402
    ESCALATION_SAID,
    build_escalation_ack,
    build_escalation_post,
    build_feedback_ack,
    build_feedback_modal,
    build_feedback_thanks_view,
    message_of_offer,
)
from bot.slack.streaming import search_step  # noqa: E402
from tests.slack_rules import chunk_errors, view_errors  # noqa: E402


def test_a_thumbs_down_ack_offers_a_comment_and_with_escalation_the_recruiting_team():
    down = FeedbackResult(True, True, "Noted R&D", "down")
    text, blocks = build_feedback_ack(down, "a1", escalation=True, message_ts="17.5")
    assert text == "Noted R&amp;D" and block_errors(blocks) == []
    (offer,) = [b for b in blocks if b["type"] == "actions"]
    assert [(e["action_id"], e["value"]) for e in offer["elements"]] == [
        ("comment_open", "a1"),
        (ESCALATE, "a1"),
    ]
    assert message_of_offer(offer["block_id"]) == "17.5"
    assert message_of_offer("escalate") is None
    _, without = build_feedback_ack(down, "a1")
    assert ESCALATE not in json.dumps(without)
    for quiet in (FeedbackResult(True, True, "Glad", "up"), FeedbackResult(False, False, "old")):
        assert [b["type"] for b in build_feedback_ack(quiet, "a1", escalation=True)[1]] == [
            "section"
        ]


def test_the_comment_modal_and_its_thanks_are_valid_views():
    modal = build_feedback_modal("a" * 16)
    assert view_errors(modal) == [] and modal["private_metadata"] == "a" * 16
    thanks = build_feedback_thanks_view(LONG_WORDS * 10)
    assert view_errors(thanks) == [] and not [
        t for t in posted_texts({"view": thanks}) if unescaped(t)
    ]


def test_the_escalation_post_holds_question_link_and_answer_within_limits():
    request = EscalationRequest(
        answer_id="a1",
        question=LONG_WORDS[:1500],
        asker="U0ASKER",
        answer=LONG_WORDS * 3,
        outcome="partial",
        uncovered=tuple(f"term{i} & <x>" for i in range(300)),
    )
    link = "https://x.slack.com/archives/C1/p1?thread_ts=1.2&cid=C1"
    text, blocks = build_escalation_post(request, sender="U0OTHER", link=link)
    assert block_errors(blocks) == [] and len(text) <= 3900
    assert not [t for t in posted_texts({"text": text, "blocks": blocks}) if unescaped(t)]
    shown = shown_text(blocks)
    assert "@U0ASKER asked:" in shown and "Sent by @U0OTHER." in shown
    assert "covered it only in part" in shown and "Not covered: term0 & <x>" in shown
    assert "Open the thread" in shown and "&amp;cid=C1|Open the thread>" in json.dumps(blocks)
    _, in_dm = build_escalation_post(request, sender="U0ASKER", link=None)
    assert "Asked in a direct message" in shown_text(in_dm) and "Sent by" not in shown_text(in_dm)


def test_every_escalation_outcome_has_its_own_words():
    for status in ESCALATION_SAID:
        text, blocks = build_escalation_ack(status, channel="C0RECRUIT")
        assert block_errors(blocks) == [] and not unescaped(text)
    assert "<#C0RECRUIT>" in build_escalation_ack("posted", channel="C0RECRUIT")[0]


def test_the_search_step_lists_the_cited_sources_within_a_tasks_limits():
    many = [Citation(f"k/{i}.md", "T&" * 100, "O<" * 100, 0.5, "q") for i in range(30)]
    done = search_step(many, done=True)
    assert done["status"] == "complete" and done["output"].startswith("[1] T&T&")
    assert chunk_errors([search_step(()), done, search_step((), done=True)]) == []
    assert len(done["output"]) <= 256
