"""Pure Block Kit builders: plain values in, Slack block dicts out (tested without Slack)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.conversation import Reply
from bot.gaps import GapGroup
from bot.text import clip
from bot.types import Answer, Citation

Block = dict[str, Any]
SECTION_LIMIT = 3000
MAX_BLOCKS = 50
TEXT_LIMIT = 3900  # message `text` fallback (Slack truncates beyond 4,000)
QUOTE_CHARS = 280
FEEDBACK_UP = "feedback_up"
FEEDBACK_DOWN = "feedback_down"


def to_mrkdwn(markdown: str) -> str:
    """Convert common Markdown to Slack mrkdwn (bold, links, headings, bullets)."""
    text = re.sub(r"^#{1,6}\s+(.+)$", r"*\1*", markdown, flags=re.MULTILINE)
    text = re.sub(r"\*\*(.+?)\*\*", r"*\1*", text)
    text = re.sub(r"__(.+?)__", r"*\1*", text)
    text = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r"<\2|\1>", text)
    return re.sub(r"^\s*[-*]\s+", "• ", text, flags=re.MULTILINE)


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split text into pieces of at most `limit` chars, at line, then sentence, then word breaks."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n"), window.rfind(". ") + 1, 0)
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def section(text: str) -> Block:
    """A mrkdwn section block (text must already fit)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> Block:
    """A small-print context block."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def build_sources_blocks(sources: Sequence[Citation]) -> list[Block]:
    """Compact sources: title and original article, with the quoted passage."""
    if not sources:
        return []
    lines = []
    for n, src in enumerate(sources, 1):
        quote = escape(clip(src.quote, QUOTE_CHARS))
        lines.append(f"*[{n}] {escape(src.title)}* — _{escape(src.original)}_\n>{quote}")
    return [context("*Sources*"), *[section(p) for p in split_text("\n".join(lines))]]


def build_feedback_block(answer_id: str) -> Block:
    """👍/👎 buttons carrying the answer id."""
    return {
        "type": "actions",
        "block_id": f"feedback:{answer_id}",
        "elements": [
            {
                "type": "button",
                "action_id": FEEDBACK_UP,
                "text": {"type": "plain_text", "text": "👍 Helpful", "emoji": True},
                "value": answer_id,
            },
            {
                "type": "button",
                "action_id": FEEDBACK_DOWN,
                "text": {"type": "plain_text", "text": "👎 Not helpful", "emoji": True},
                "value": answer_id,
            },
        ],
    }


def build_answer_blocks(answer: Answer, answer_id: str | None) -> list[Block]:
    """The answer, its sources and feedback buttons, within Slack's block limits."""
    body = [section(p) for p in split_text(to_mrkdwn(answer.answer))]
    tail: list[Block] = []
    if answer_id:
        tail.append(build_feedback_block(answer_id))
    sources = build_sources_blocks(answer.sources) if answer.grounded else []
    blocks = [*body, *([{"type": "divider"}] if sources else []), *sources]
    room = MAX_BLOCKS - len(tail)
    if len(blocks) > room:
        blocks = [*blocks[: room - 1], context("_(trimmed to fit Slack's limits)_")]
    return blocks + tail


def build_answer_tail_blocks(answer: Answer, answer_id: str | None) -> list[Block]:
    """What follows a streamed answer: its sources and the feedback buttons."""
    tail = build_sources_blocks(answer.sources) if answer.grounded else []
    if answer_id:
        tail.append(build_feedback_block(answer_id))
    return tail[-MAX_BLOCKS:]


def build_reply(reply: Reply) -> tuple[str, list[Block]]:
    """Fallback text and blocks for any core reply."""
    if reply.kind == "answer" and reply.answer is not None:
        text = reply.answer.answer
        return clip(text, TEXT_LIMIT), build_answer_blocks(reply.answer, reply.answer_id)
    if reply.kind == "dialog" and reply.view is not None:
        return clip(reply.text, TEXT_LIMIT), build_dialog_blocks(reply.view)
    if reply.kind == "recommendation" and reply.recommendation is not None:
        return clip(reply.text, TEXT_LIMIT), build_recommendation_blocks(reply.recommendation)
    return clip(reply.text, TEXT_LIMIT), [section(p) for p in split_text(to_mrkdwn(reply.text))]


def build_error_message() -> tuple[str, list[Block]]:
    """The fixed friendly message shown when something unexpected fails."""
    text = (
        "Sorry — something went wrong on my side while answering. Please try again in a moment; "
        "if it keeps happening, let the team that runs me know."
    )
    return text, [section(text)]


def build_home_view(
    *,
    chunks: int,
    documents: int,
    feedback: dict[str, int],
    gaps: Sequence[GapGroup] | None = None,
) -> dict[str, Any]:
    """The App Home tab: what the bot does, how to start the walkthrough, knowledge stats, and
    (for admins only: `gaps` is None for everyone else) the top knowledge gaps."""
    view: dict[str, Any] = {
        "type": "home",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "hirebot", "emoji": True}},
            section(
                "I give sourced guidance on hiring AI/ML talent: pay ranges, skills, job "
                "descriptions, interview plans and red flags for *AI engineers*, *ML engineers*, "
                "*data scientists* and *ML scientists*. Every answer cites its sources."
            ),
            section(
                "*How to ask*\n• Mention me in a channel: `@hirebot what does a senior AI engineer "
                "earn?` (I reply in the thread)\n• Or send me a direct message."
            ),
            section(
                "*Not sure which role you need?* I'll ask five quick questions and finish with a "
                "sourced hiring brief: job description outline, skills, interview plan, red flags "
                "and pay ranges. Click below, or DM me *help me pick a role*."
            ),
            {
                "type": "actions",
                "elements": [
                    button("Start the role walkthrough", ROLE_START, "new", style="primary")
                ],
            },
            {"type": "divider"},
            context(
                f"Knowledge base: {documents} documents, {chunks} passages · "
                f"Feedback so far: 👍 {feedback.get('up', 0)} · 👎 {feedback.get('down', 0)}"
            ),
        ],
    }
    if gaps is not None:
        view["blocks"] += build_gap_blocks(gaps)
    return view


GAP_GROUPS_SHOWN = 5
GAP_QUESTION_CHARS = 300


def build_gap_blocks(groups: Sequence[GapGroup]) -> list[Block]:
    """The admins' part of the App Home: the top gap groups of the last 7 days, largest first."""
    blocks: list[Block] = [
        {"type": "divider"},
        {
            "type": "header",
            "text": {"type": "plain_text", "text": "Knowledge gaps · last 7 days", "emoji": True},
        },
    ]
    if not groups:
        return [*blocks, context("No gaps: every question was answered and none got a 👎.")]
    for n, g in enumerate(groups[:GAP_GROUPS_SHOWN], 1):
        question = escape(clip(g.representative, GAP_QUESTION_CHARS))
        details = [
            f"declined {g.outcomes.get('declined', 0)}",
            f"partly covered {g.outcomes.get('partial', 0)}",
            f"👎 {g.down_rate:.0%}",
        ]
        if g.uncovered:
            details.append("not covered: " + escape(clip(", ".join(g.uncovered), 300)))
        if g.closest is not None:
            details.append(f"closest: `{escape(clip(g.closest.source, 200))}`")
        blocks += [
            section(f"*{n}. {g.count} ×* {question}"),
            context(" · ".join(details)),
        ]
    blocks.append(context("Run `hirebot gaps --report gaps.md` for every group and a chart."))
    return blocks


ASSISTANT_GREETING = (
    "Hi! I help hiring managers hire AI and ML talent, with sourced answers. "
    "Ask me anything, or pick a prompt below."
)
SUGGESTED_PROMPTS: tuple[dict[str, str], ...] = (
    {"title": "Help me pick the right role", "message": "Help me pick the right role"},
    {"title": "Pay for a senior AI engineer", "message": "What does a senior AI engineer earn?"},
    {
        "title": "ML engineer vs data scientist",
        "message": "What's the difference between an ML engineer and a data scientist?",
    },
    {
        "title": "Interview red flags",
        "message": "Which red flags should I watch for when interviewing ML candidates?",
    },
)


# ---- role walkthrough and recommendations ---------------------------------------------------

ROLE_CHOOSE = "role_choose"
ROLE_BACK = "role_back"
ROLE_RESTART = "role_restart"
ROLE_CANCEL = "role_cancel"
ROLE_START = "role_start"
ROLE_BRIEF = "role_brief"


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    """A plain-text button."""
    b: Block = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": clip(text, 75), "emoji": True},
        "value": value,
    }
    if style:
        b["style"] = style
    return b


def build_question_blocks(view: Any) -> list[Block]:
    """One walkthrough step: the question, one button per option, and back / start over / cancel."""
    walk, question = view.walk, view.question
    blocks: list[Block] = []
    if view.note:
        blocks.append(context(view.note))
    blocks += [
        section(f"*Question {view.number} of {view.total}* — {question.prompt}"),
        context(f"Based on {question.source}. Click an answer or type your own in words."),
        {
            "type": "actions",
            "block_id": f"role_options:{walk.id}:{question.id}",
            "elements": [
                button(o.label, f"{ROLE_CHOOSE}_{i}", f"{walk.id}|{question.id}|{o.id}")
                for i, o in enumerate(question.options)
            ],
        },
    ]
    controls = [button("↩︎ Back", ROLE_BACK, walk.id)] if walk.position else []
    controls += [
        button("Start over", ROLE_RESTART, walk.id),
        button("Cancel", ROLE_CANCEL, walk.id),
    ]
    blocks.append({"type": "actions", "block_id": f"role_controls:{walk.id}", "elements": controls})
    return blocks


def _role_name(role: str) -> str:
    from bot.roles import ROLE_NAMES

    return ROLE_NAMES.get(role, role)


def build_brief_blocks(brief: Any) -> list[Block]:
    """The sourced hiring brief: one part per section, each with its own sources line."""
    blocks: list[Block] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": clip(f"Hiring brief: {_role_name(brief.role)}", 150),
            },
        }
    ]
    for part in brief.sections:
        answer = part.answer
        body = (
            to_mrkdwn(answer.answer)
            if answer.grounded
            else "_The knowledge base has nothing on this yet._"
        )
        pieces = split_text(f"*{part.title}*\n{body}")
        blocks += [section(p) for p in pieces[:2]]
        if answer.grounded and answer.sources:
            cites = " · ".join(
                f"[{n}] {escape(s.title)} — _{escape(s.original)}_"
                for n, s in enumerate(answer.sources, 1)
            )
            blocks.append(context(clip(cites, 1900)))
    return blocks[: MAX_BLOCKS - 2]


def build_result_blocks(view: Any) -> list[Block]:
    """The walkthrough's result card: recommendation, runner-up, why, then the brief."""
    outcome = view.outcome
    pct = {r: f"{s:.0%}" for r, s in outcome.scores.items()}
    title = f"*Recommended: {_role_name(outcome.role)}* ({pct[outcome.role]} of the evidence)"
    if outcome.runner_up:
        title += f"\nClose second: *{_role_name(outcome.runner_up)}* ({pct[outcome.runner_up]})"
    why = (
        "\n".join(f"• You said: _{escape(step.text)}_" for step in outcome.supporting)
        or "• (no single answer dominated)"
    )
    blocks = [section(title), section(f"*Why*\n{why}"), {"type": "divider"}]
    blocks += build_brief_blocks(view.brief)
    blocks.append(
        {
            "type": "actions",
            "block_id": f"role_done:{view.walk.id}",
            "elements": [button("Start a new walkthrough", ROLE_START, "new")],
        }
    )
    return blocks[:MAX_BLOCKS]


def build_notice_blocks(view: Any) -> list[Block]:
    """A short notice, with a start button when it invites a restart."""
    blocks: list[Block] = [section(view.text)]
    if view.restart:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    button("Start the role walkthrough", ROLE_START, "new", style="primary")
                ],
            }
        )
    return blocks


def build_dialog_blocks(view: Any) -> list[Block]:
    """Blocks for any walkthrough view."""
    from bot.role_dialog import NoticeView, QuestionView

    if isinstance(view, QuestionView):
        return build_question_blocks(view)
    if isinstance(view, NoticeView):
        return build_notice_blocks(view)
    return build_result_blocks(view)


def build_recommendation_blocks(rec: Any) -> list[Block]:
    """Free-text recommendation: role, scores, rationale, sources, and next steps."""
    ranked = sorted(rec.scores.items(), key=lambda kv: -kv[1])
    bars = "  ".join(f"{_role_name(r)} {s:.0%}" for r, s in ranked)
    blocks = [
        section(f"*Suggested role: {_role_name(rec.role)}* (confidence {rec.confidence:.0%})"),
        context(bars),
        section(to_mrkdwn(rec.rationale)),
    ]
    blocks += build_sources_blocks(rec.sources)
    blocks.append(
        {
            "type": "actions",
            "elements": [
                button(
                    f"Hiring brief for {_role_name(rec.role)}",
                    ROLE_BRIEF,
                    rec.role,
                    style="primary",
                ),
                button("Guided walkthrough", ROLE_START, "new"),
            ],
        }
    )
    return blocks
