"""Terminal chat over the core: questions, `/role` walkthrough, `/help`, `/quit`."""

from __future__ import annotations

from typing import TextIO

from bot.conversation import (
    DialogView,
    NoticeView,
    QuestionView,
    Reply,
    ResultView,
    RoleRecommendation,
)
from bot.services import Services
from bot.types import ROLE_NAMES, Answer

HELP = (
    "Ask anything about hiring AI engineers, ML engineers, data scientists or ML scientists.\n"
    "Commands: /role (guided role walkthrough), /help, /quit\n"
    "In the walkthrough: type an option number, or answer in your own words; back, start over, cancel."
)
CONVERSATION = "terminal"


def format_answer(answer: Answer) -> str:
    """Answer text plus a numbered source list, for terminals."""
    lines = [answer.answer]
    if answer.sources:
        lines.append("\nSources:")
        for i, src in enumerate(answer.sources, 1):
            lines.append(f"  [{i}] {src.title} — {src.original} ({src.source})")
    return "\n".join(lines)


def format_recommendation(rec: RoleRecommendation) -> str:
    """Role, scores, rationale and sources for terminals."""
    ranked = sorted(rec.scores.items(), key=lambda kv: -kv[1])
    lines = [
        f"Suggested role: {rec.role} (confidence {rec.confidence:.0%})",
        "  " + "  ".join(f"{r} {s:.0%}" for r, s in ranked),
        "",
        rec.rationale,
    ]
    if rec.sources:
        lines.append("\nSources:")
        lines += [
            f"  [{i}] {s.title} — {s.original} ({s.source})" for i, s in enumerate(rec.sources, 1)
        ]
    return "\n".join(lines)


def render_view(view: DialogView) -> str:
    """A walkthrough view as plain text."""
    if isinstance(view, NoticeView):
        return view.text + (" Type /role to start." if view.restart else "")
    if isinstance(view, QuestionView):
        lines = [view.note] if view.note else []
        lines.append(
            f"Question {view.number} of {view.total}: {view.question.prompt.replace('*', '')}"
        )
        lines += [f"  {i}. {o.label}" for i, o in enumerate(view.question.options, 1)]
        lines.append("  (number or your own words; back / start over / cancel)")
        return "\n".join(lines)
    assert isinstance(view, ResultView)
    out = view.outcome
    lines = [f"Recommended: {ROLE_NAMES[out.role]} ({out.scores[out.role]:.0%} of the evidence)"]
    if out.runner_up:
        lines.append(f"Close second: {ROLE_NAMES[out.runner_up]} ({out.scores[out.runner_up]:.0%})")
    lines += [f"  because you said: {s.text}" for s in out.supporting]
    lines.append(f"\n=== Hiring brief: {ROLE_NAMES[view.brief.role]} ===")
    for part in view.brief.sections:
        lines.append(f"\n## {part.title}\n{format_answer(part.answer)}")
    return "\n".join(lines)


def render_reply(reply: Reply) -> str:
    """Any core reply as plain text."""
    if reply.view is not None:
        return render_view(reply.view)
    if reply.answer is not None:
        return format_answer(reply.answer)
    if reply.recommendation is not None:
        return format_recommendation(reply.recommendation)
    return reply.text


def run_chat(services: Services, stdin: TextIO, stdout: TextIO) -> int:
    """Read lines until EOF or /quit; answers cite their sources."""
    interactive = stdin.isatty()
    stdout.write("hirebot — sourced guidance on hiring AI/ML talent. Type /help for help.\n")
    while True:
        if interactive:
            stdout.write("\nyou> ")
        stdout.flush()
        line = stdin.readline()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit"):
            break
        if text == "/help":
            stdout.write(HELP + "\n")
            continue
        if text == "/role":
            stdout.write("hirebot> " + render_view(services.roles.start(CONVERSATION)) + "\n")
            continue
        reply = services.conversations.respond(
            conversation=CONVERSATION, user="terminal", text=text
        )
        stdout.write("hirebot> " + render_reply(reply) + "\n")
    return 0
