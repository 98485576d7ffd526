"""Pure Block Kit builders: plain values in, Slack block dicts out (tested without Slack).

Every piece of core text (answers, sources, walkthrough prompts and typed answers) is escaped
here exactly once, and every builder stays within Block Kit's limits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.conversation import EscalationRequest, FeedbackResult, NoticeView, QuestionView, Reply
from bot.services import GapGroup
from bot.slack.mrkdwn import escape, fit, mrkdwn
from bot.text import clip, with_article
from bot.types import ROLE_NAMES, Answer, Citation, point_mrkdwn

Block = dict[str, Any]
# Block Kit limits (docs.slack.dev/reference/block-kit)
SECTION_LIMIT = 3000  # section and context text
HEADER_LIMIT = 150  # header plain_text
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
BLOCK_ID_LIMIT = 255
MAX_BLOCKS = 50  # blocks in a message
TEXT_LIMIT = 3900  # message `text` fallback (Slack truncates beyond 4,000)
CARD_TITLE_LIMIT = 150  # card block title and subtitle
CARD_BODY_LIMIT = 200  # card block body
QUOTE_CHARS = 280
WHY_ANSWER_CHARS = 200  # one typed walkthrough answer, quoted under "Why"
# 👍/👎: Slack's feedback buttons (a `feedback_buttons` element in a `context_actions` block)
# carry the vote; the block id carries the answer id
FEEDBACK = "feedback_vote"
FEEDBACK_BLOCK = "feedback"
VOTE_UP, VOTE_DOWN = "up", "down"
# the 👍/👎 buttons of answers posted before Slack's feedback buttons (value: the answer id)
FEEDBACK_UP = "feedback_up"
FEEDBACK_DOWN = "feedback_down"
FEEDBACK_COMMENT = "comment_open"  # "Tell me what was wrong" (opens the modal)
FEEDBACK_MODAL = "feedback_comment"  # the modal's callback id
COMMENT_BLOCK, COMMENT_INPUT = "comment", "text"
COMMENT_CHARS = 1000
ESCALATE = "escalate"  # "Ask the recruiting team"
AFTER_VOTE = "after_vote"  # the offers after a 👎
ESCALATION_OUTCOMES = ("declined", "partial")  # answers that offer it (and a 👎)
TRIMMED = "_(trimmed to fit Slack's limits)_"
_ENTITY_TAIL = re.compile(r"&[a-z]{0,4}$")


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split text into pieces of at most `limit` chars, at line, then sentence, then word breaks
    (a hard cut never splits an escaped entity such as `&amp;`)."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n"), window.rfind(". ") + 1, 0)
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut <= 0:
            tail = _ENTITY_TAIL.search(window)
            cut = tail.start() if tail and tail.start() > 0 else limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def section(text: str) -> Block:
    """A mrkdwn section block (text must already be escaped and fit)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def sections(text: str) -> list[Block]:
    """Escaped mrkdwn of any length as as many section blocks as it needs."""
    return [section(p) for p in split_text(text)]


def context(text: str) -> Block:
    """A small-print context block (text must already be escaped and fit)."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def within_limit(body: list[Block], tail: list[Block], limit: int = MAX_BLOCKS) -> list[Block]:
    """`body` then `tail` in at most `limit` blocks: `body` is cut (with a note) to keep `tail`."""
    room = limit - len(tail)
    if len(body) > room:
        body = [*body[: room - 1], context(TRIMMED)]
    return body + tail


def joined_within(parts: Sequence[str], separator: str, limit: int) -> str:
    """Escaped parts joined while they fit in `limit` characters (then "…")."""
    out = ""
    for part in parts:
        candidate = f"{out}{separator}{part}" if out else part
        if len(candidate) > limit - 2:
            return f"{out}{separator}…" if out else fit(part, limit)
        out = candidate
    return out


def fallback_text(text: str) -> str:
    """A message's top-level `text` (notifications, screen readers): escaped and clipped."""
    return fit(text, TEXT_LIMIT)


def build_sources_blocks(sources: Sequence[Citation]) -> list[Block]:
    """Compact sources: title and original article, with the quoted passage."""
    if not sources:
        return []
    lines = []
    for n, src in enumerate(sources, 1):
        quote = fit(src.quote, QUOTE_CHARS)
        lines.append(f"*[{n}] {fit(src.title, 300)}* — _{fit(src.original, 300)}_\n>{quote}")
    return [context("*Sources*"), *sections("\n".join(lines))]


def feedback_button(text: str, vote: str, label: str) -> Block:
    """One side of Slack's feedback buttons."""
    return {
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "accessibility_label": label,
        "value": vote,
    }


def build_feedback_block(answer_id: str) -> Block:
    """Slack's native 👍/👎 feedback buttons for the answer `answer_id` (a toggle: every click
    arrives, the last one counts)."""
    return {
        "type": "context_actions",
        "block_id": f"{FEEDBACK_BLOCK}:{answer_id}"[:BLOCK_ID_LIMIT],
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": FEEDBACK,
                "positive_button": feedback_button("Helpful", VOTE_UP, "This answer helped"),
                "negative_button": feedback_button(
                    "Not helpful", VOTE_DOWN, "This answer did not help"
                ),
            }
        ],
    }


def answer_of_feedback(block_id: str) -> str:
    """The answer id a feedback block carries ('' for another block)."""
    kind, _, answer_id = block_id.partition(":")
    return answer_id if kind == FEEDBACK_BLOCK else ""


def build_escalation_offer(answer_id: str) -> Block:
    """The "Ask the recruiting team" button for the answer `answer_id`."""
    return {
        "type": "actions",
        "block_id": ESCALATE,
        "elements": [button("Ask the recruiting team", ESCALATE, answer_id)],
    }


def build_answer_blocks(
    answer: Answer, answer_id: str | None, *, escalate: bool = False
) -> list[Block]:
    """The answer (its lead first, its notes in small print right after it, then the other
    points), its sources and feedback buttons (with `escalate`, "Ask the recruiting team" too),
    within Slack's block limits."""
    if answer.lead is None:
        body = sections(mrkdwn(answer.text))
    else:
        body = sections(mrkdwn(point_mrkdwn(answer.lead, bullet="")))
        notes = [fit(n.text, SECTION_LIMIT // max(1, len(answer.notes))) for n in answer.notes]
        if notes:
            body.append(context("\n".join(f"_{n}_" for n in notes)))
        if answer.points:
            body += sections(mrkdwn("\n".join(point_mrkdwn(p) for p in answer.points)))
    tail = [build_escalation_offer(answer_id)] if answer_id and escalate else []
    tail += [build_feedback_block(answer_id)] if answer_id else []
    sources = build_sources_blocks(answer.sources) if answer.grounded else []
    return within_limit([*body, *([{"type": "divider"}] if sources else []), *sources], tail)


def build_reply(reply: Reply, *, escalation: bool = False) -> tuple[str, list[Block]]:
    """Fallback text and blocks for any core reply, by its route; with `escalation` (a channel
    is configured), a declined or partly covered answer offers "Ask the recruiting team"."""
    text = fallback_text(reply.text)
    if reply.view is not None:
        return text, build_dialog_blocks(reply.view)
    if reply.answer is not None:
        escalate = escalation and reply.outcome in ESCALATION_OUTCOMES
        blocks = build_answer_blocks(reply.answer, reply.answer_id, escalate=escalate)
        if reply.route == "recommendation":
            blocks = within_limit(blocks, [build_recommendation_actions(reply.answer)])
        return fallback_text(reply.answer.answer), blocks
    if reply.recommendation is not None:
        return text, build_recommendation_blocks(reply.recommendation)
    return text, within_limit(sections(mrkdwn(reply.text)), [])


def build_error_message() -> tuple[str, list[Block]]:
    """The fixed friendly message shown when something unexpected fails."""
    text = (
        "Sorry — something went wrong on my side while answering. Please try again in a moment; "
        "if it keeps happening, let the team that runs me know."
    )
    return text, [section(text)]


def build_busy_message() -> tuple[str, list[Block]]:
    """The reply when every answer thread is busy and the queue is full."""
    text = "I'm answering a lot of questions right now. Please ask again in a minute."
    return text, [section(text)]


def build_feedback_ack(
    result: FeedbackResult,
    answer_id: str,
    *,
    escalation: bool = False,
    message_ts: str | None = None,
) -> tuple[str, list[Block]]:
    """The ephemeral answer to a 👍/👎: thanks, and after a recorded 👎 the offer to say what
    was wrong (and, with `escalation`, to ask the recruiting team); the offer's block id names
    the answer's message (`message_ts`), which the ephemeral message cannot link to itself."""
    text = escape(result.message)
    blocks = [section(text)]
    if result.recorded and result.vote == VOTE_DOWN:
        offers = [button("Tell me what was wrong", FEEDBACK_COMMENT, answer_id)]
        if escalation:
            offers.append(button("Ask the recruiting team", ESCALATE, answer_id))
        block_id = f"{AFTER_VOTE}:{message_ts}" if message_ts else AFTER_VOTE
        blocks.append({"type": "actions", "block_id": block_id, "elements": offers})
    return text, blocks


def message_of_offer(block_id: str) -> str | None:
    """The answer message a 👎 acknowledgement's offer names (None for another block)."""
    kind, _, message_ts = block_id.partition(":")
    return (message_ts or None) if kind == AFTER_VOTE else None


def plain(text: str) -> dict[str, Any]:
    """A plain_text object."""
    return {"type": "plain_text", "text": text, "emoji": True}


def build_feedback_modal(answer_id: str) -> dict[str, Any]:
    """The optional "what was wrong?" modal for the answer `answer_id` (its text goes to the
    question log, where `hirebot gaps` shows it)."""
    return {
        "type": "modal",
        "callback_id": FEEDBACK_MODAL,
        "private_metadata": answer_id,
        "title": plain("What was wrong?"),
        "submit": plain("Send"),
        "close": plain("Cancel"),
        "blocks": [
            section(
                "Missing, out of date, not what you asked? A line or two helps the people who "
                "keep my knowledge base fix it. It does not go to the recruiting team."
            ),
            {
                "type": "input",
                "block_id": COMMENT_BLOCK,
                "label": plain("What was wrong with the answer?"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": COMMENT_INPUT,
                    "multiline": True,
                    "max_length": COMMENT_CHARS,
                    "placeholder": plain("e.g. it has no figures for Europe"),
                },
            },
        ],
    }


def build_feedback_thanks_view(message: str) -> dict[str, Any]:
    """What the modal shows once the comment is kept."""
    return {
        "type": "modal",
        "callback_id": FEEDBACK_MODAL,
        "title": plain("Thank you"),
        "close": plain("Close"),
        "blocks": [section(fit(message, SECTION_LIMIT))],
    }


ESCALATION_HEADER = "Question for the recruiting team"
OUTCOME_SAID = {
    "declined": "hirebot declined it: its sources do not cover it.",
    "partial": "hirebot covered it only in part.",
    "answered": "hirebot answered it, and the answer got a 👎.",
}


def build_escalation_post(
    request: EscalationRequest, *, sender: str, link: str | None
) -> tuple[str, list[Block]]:
    """The request posted to the recruiting team's channel: the question and who asked it, a
    link to the thread, and what hirebot answered."""
    asked = fit(" ".join(request.question.split()), SECTION_LIMIT - 200)
    who = f"<@{request.asker}>" if request.asker else "Someone"
    facts = [OUTCOME_SAID.get(request.outcome, OUTCOME_SAID["declined"])]
    if request.uncovered:
        facts.append("Not covered: " + fit(", ".join(request.uncovered), 1000))
    if sender and sender != request.asker:
        facts.append(f"Sent by <@{sender}>.")
    where = (
        f"<{escape(link)}|Open the thread>" if link else "Asked in a direct message with hirebot."
    )
    answered = split_text(mrkdwn(request.answer) or "_(no answer text kept)_", SECTION_LIMIT - 40)
    blocks: list[Block] = [
        {"type": "header", "text": plain(ESCALATION_HEADER)},
        section(f"*{who} asked:*\n>{asked}"),
        context(" ".join(facts)),
        context(where),
        section(f"*hirebot answered:*\n{answered[0]}"),
        *[section(piece) for piece in answered[1:4]],
    ]
    text = fallback_text(f"{ESCALATION_HEADER}: {request.question}")
    return text, within_limit(blocks, [])


ESCALATION_SAID = {
    "posted": "I've asked the recruiting team in <#{channel}>: they have your question, "
    "my answer and a link to this thread, and will get back to you.",
    "sent": "The recruiting team already has this question; they will get back to you.",
    "sending": "I'm passing this question to the recruiting team right now.",
    "unknown": "That answer is too old to pass on now. Please ask your question again.",
    "off": "Asking the recruiting team is not set up here.",
    "failed": "Sorry — I couldn't reach the recruiting team's channel. Please ask them "
    "directly, or ask the team that runs me to invite me to that channel.",
}


def build_escalation_ack(status: str, *, channel: str | None) -> tuple[str, list[Block]]:
    """What the person who clicked "Ask the recruiting team" is told (ephemeral)."""
    said = ESCALATION_SAID.get(status, ESCALATION_SAID["failed"])
    text = said.format(channel=channel or "")
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
        if g.escalated:
            details.append(f"asked the recruiting team {g.escalated}")
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
SUGGESTED_PROMPTS_TITLE = "Try one of these:"
MAX_SUGGESTED_PROMPTS = 4  # Slack shows at most four
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
ROLE_PICK = "role_pick"  # "Pick this role" on a result card (value: the role id)
ROLE_CARD = "role_card"  # a result card's block id: role_card:<recommended|runner_up>:<walk>
RECOMMENDED, RUNNER_UP = "recommended", "runner_up"


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    """A plain-text button (label escaped and clipped; the value must fit: it is an id)."""
    if len(value) > BUTTON_VALUE_LIMIT:
        raise ValueError(f"button value longer than {BUTTON_VALUE_LIMIT} characters")
    b: Block = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": fit(text, BUTTON_TEXT_LIMIT), "emoji": True},
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
        blocks.append(context(fit(view.note, SECTION_LIMIT)))
    prompt = fit(question.prompt, SECTION_LIMIT - 40)
    blocks += [
        section(f"*Question {view.number} of {view.total}* — {prompt}"),
        context(
            f"Based on {fit(question.source, 1000)}. Click an answer or type your own in words."
        ),
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
    return ROLE_NAMES.get(role, role)


def _capitalized(text: str) -> str:
    """'AI engineer' stays, 'data scientist' -> 'Data scientist'."""
    return text[:1].upper() + text[1:]


def build_brief_blocks(brief: Any) -> list[Block]:
    """The sourced hiring brief: one part per section, each with its own sources line."""
    blocks: list[Block] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": fit(f"Hiring brief: {_role_name(brief.role)}", HEADER_LIMIT),
            },
        }
    ]
    for part in brief.sections:
        answer = part.answer
        body = (
            mrkdwn(answer.answer)
            if answer.grounded
            else "_The knowledge base has nothing on this yet._"
        )
        pieces = split_text(f"*{escape(part.title)}*\n{body}")
        blocks += [section(p) for p in pieces[:2]]
        if answer.grounded and answer.sources:
            cites = [
                f"[{n}] {escape(s.title)} — _{escape(s.original)}_"
                for n, s in enumerate(answer.sources, 1)
            ]
            blocks.append(context(joined_within(cites, " · ", 1900)))
    return within_limit(blocks, [], MAX_BLOCKS - 2)


def build_role_card(role: str, *, which: str, walk_id: str, subtitle: str, body: str) -> Block:
    """One role of the walkthrough's result as a card with a "Pick this role" button
    (`which`: the recommended role or the runner-up)."""
    card: Block = {
        "type": "card",
        "block_id": f"{ROLE_CARD}:{which}:{walk_id}"[:BLOCK_ID_LIMIT],
        "title": {"type": "mrkdwn", "text": fit(_capitalized(_role_name(role)), CARD_TITLE_LIMIT)},
        "subtitle": {"type": "mrkdwn", "text": fit(subtitle, CARD_TITLE_LIMIT)},
        "actions": [
            button(
                "Pick this role", ROLE_PICK, role, style="primary" if which == RECOMMENDED else None
            )
        ],
    }
    if body:
        card["body"] = {"type": "mrkdwn", "text": fit(body, CARD_BODY_LIMIT)}
    return card


def card_of(block_id: str) -> str:
    """Which result card a block id names (RECOMMENDED or RUNNER_UP; '' for another block)."""
    kind, _, rest = block_id.partition(":")
    which = rest.partition(":")[0]
    return which if kind == ROLE_CARD and which in (RECOMMENDED, RUNNER_UP) else ""


def build_result_blocks(view: Any) -> list[Block]:
    """The walkthrough's result: the recommended role and the runner-up as cards (each with
    "Pick this role"), why, then the brief for the recommended role."""
    outcome = view.outcome
    pct = {r: f"{s:.0%}" for r, s in outcome.scores.items()}
    said = [" ".join(step.text.split()) for step in outcome.supporting if step.text.strip()]
    cards = [
        build_role_card(
            outcome.role,
            which=RECOMMENDED,
            walk_id=view.walk.id,
            subtitle=f"Recommended · {pct[outcome.role]} of the evidence",
            body=f"You said: {said[0]}" if said else "The best fit for your answers.",
        )
    ]
    if outcome.runner_up:
        cards.append(
            build_role_card(
                outcome.runner_up,
                which=RUNNER_UP,
                walk_id=view.walk.id,
                subtitle=f"Close second · {pct[outcome.runner_up]} of the evidence",
                body="Close enough to consider. Pick it for its own hiring brief.",
            )
        )
    why = (
        "\n".join(
            f"• You said: _{fit(' '.join(step.text.split()), WHY_ANSWER_CHARS)}_"
            for step in outcome.supporting
        )
        or "• (no single answer dominated)"
    )
    blocks = [*cards, *sections(f"*Why*\n{why}")[:2], {"type": "divider"}]
    blocks += build_brief_blocks(view.brief)
    done = {
        "type": "actions",
        "block_id": f"role_done:{view.walk.id}",
        "elements": [button("Start a new walkthrough", ROLE_START, "new")],
    }
    return within_limit(blocks, [done])


def build_pick_blocks(role: str, brief: Any | None) -> tuple[str, list[Block]]:
    """The answer to "Pick this role": the role noted for follow-ups, with its hiring brief
    when the result did not show it already."""
    name = _role_name(role)
    article = with_article(name).removesuffix(name)
    note = (
        f"Noted: you're hiring {article}*{escape(name)}*. Ask me follow-ups here (what they "
        "earn, how to interview them) and I'll answer for this role."
    )
    if brief is None:
        note += " Its hiring brief is in the result above."
        return fallback_text(f"Noted: you're hiring {with_article(name)}."), [section(note)]
    blocks = within_limit(build_brief_blocks(brief), [], MAX_BLOCKS - 1)
    return fallback_text(f"Hiring brief: {name}"), [section(note), *blocks]


def build_notice_blocks(view: Any) -> list[Block]:
    """A short notice, with a start button when it invites a restart."""
    blocks: list[Block] = sections(mrkdwn(view.text))[:3]
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
    if isinstance(view, QuestionView):
        return build_question_blocks(view)
    if isinstance(view, NoticeView):
        return build_notice_blocks(view)
    return build_result_blocks(view)


def build_recommendation_actions(answer: Answer) -> Block:
    """Next steps after a recommended role: its hiring brief, or the guided walkthrough."""
    role = answer.recommended_role or ""
    elements = [button(f"Hiring brief for {_role_name(role)}", ROLE_BRIEF, role, style="primary")]
    elements.append(button("Guided walkthrough", ROLE_START, "new"))
    return {"type": "actions", "block_id": "role_next", "elements": elements}


def build_recommendation_blocks(rec: Any) -> list[Block]:
    """Free-text recommendation: role, scores, rationale, sources, and next steps."""
    ranked = sorted(rec.scores.items(), key=lambda kv: -kv[1])
    bars = "  ".join(f"{_role_name(r)} {s:.0%}" for r, s in ranked)
    blocks = [
        section(f"*Suggested role: {_role_name(rec.role)}* (confidence {rec.confidence:.0%})"),
        context(bars),
        *sections(mrkdwn(rec.rationale)),
    ]
    blocks += build_sources_blocks(rec.sources)
    actions = [
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
    ]
    return within_limit(blocks, actions)
