"""Terminal chat over the core: questions, `/role` walkthrough, `/help`, `/quit`."""

from __future__ import annotations

from typing import TextIO

from bot.conversation import Reply
from bot.errors import HirebotError
from bot.role_dialog import DialogView, NoticeView, QuestionView, ResultView
from bot.roles import ROLE_NAMES
from bot.services import Services

HELP = (
    "Ask anything about hiring AI engineers, ML engineers, data scientists or ML scientists.\n"
    "Commands: /role (guided role walkthrough), /help, /quit\n"
    "In the walkthrough: type an option number, or answer in your own words; back, start over, cancel."
)
CONVERSATION = "terminal"


def render_view(view: DialogView) -> str:
    """A walkthrough view as plain text."""
    from bot.cli import format_answer

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
    from bot.cli import format_answer, format_recommendation

    if reply.view is not None:
        return render_view(reply.view)
    if reply.recommendation is not None:
        return format_recommendation(reply.recommendation)
    if reply.answer is not None:
        return format_answer(reply.answer)
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
        try:
            if text == "/role":
                view = services.roles.start(CONVERSATION)
                stdout.write("hirebot> " + render_view(view) + "\n")
                continue
            reply = services.conversations.respond(
                conversation=CONVERSATION, user="terminal", text=text
            )
        except HirebotError as exc:
            stdout.write(f"hirebot> {exc.user_message}\n")
            continue
        stdout.write("hirebot> " + render_reply(reply) + "\n")
    return 0
