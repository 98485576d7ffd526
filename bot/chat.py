"""Terminal chat over the core (the same front door as Slack): questions, `/role` walkthrough,
`/help`, `/quit`; answers rendered for a terminal (bold and italics where the terminal shows
them, wrapped at word boundaries), with line editing and history on an interactive terminal."""

from __future__ import annotations

import contextlib
import re
import shutil
import sys
import textwrap
from collections.abc import Callable
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
from bot.types import ROLE_NAMES, Answer, Point

HELP = (
    "Ask anything about hiring AI engineers, ML engineers, data scientists or ML scientists.\n"
    "Commands: /role (guided role walkthrough), /help, /quit\n"
    "In the walkthrough: type an option number, or answer in your own words; back, start over, cancel."
)
CONVERSATION = "terminal"
MAX_WIDTH = 100
_BOLD = re.compile(r"\*([^*\n]+)\*")
_ITALIC = re.compile(r"(?<![\w])_([^_\n]+)_(?![\w])")
_ROLE_ID = re.compile(r"\b(" + "|".join(ROLE_NAMES) + r")\b")


class Style:
    """How emphasis shows: ANSI bold/italic on a terminal, plain text otherwise."""

    def __init__(self, *, ansi: bool, width: int) -> None:
        self.ansi = ansi
        self.width = width

    @classmethod
    def for_stream(cls, stream: TextIO) -> Style:
        """ANSI when `stream` is a terminal; the terminal's width (at most MAX_WIDTH)."""
        tty = hasattr(stream, "isatty") and stream.isatty()
        width = min(shutil.get_terminal_size((80, 24)).columns, MAX_WIDTH) if tty else MAX_WIDTH
        return cls(ansi=tty, width=width)

    def text(self, mrkdwn: str) -> str:
        """Slack-style *bold* and _italics_ as the terminal shows them; internal ids as names."""
        bold = (r"\033[1m\1\033[0m", r"\033[3m\1\033[0m") if self.ansi else (r"\1", r"\1")
        text = _BOLD.sub(bold[0], mrkdwn)
        text = _ITALIC.sub(bold[1], text)
        return _ROLE_ID.sub(lambda m: ROLE_NAMES[m.group(1)], text)

    def wrap(self, text: str, *, first: str = "", rest: str = "") -> str:
        """Wrapped at word boundaries, with a first-line and a continuation indent."""
        return textwrap.fill(
            text,
            width=self.width,
            initial_indent=first,
            subsequent_indent=rest,
            break_long_words=False,
            break_on_hyphens=False,
        )


PLAIN = Style(ansi=False, width=MAX_WIDTH)


def format_point(point: Point, style: Style, *, bullet: str = "• ") -> str:
    """One point: a wrapped bullet (the lead: a paragraph) with its source numbers, its items
    indented below."""
    marks = "".join(f" [{n}]" for n in point.citations)
    rest = " " * len(bullet)
    lines = [style.wrap(style.text(point.text) + marks, first=bullet, rest=rest)]
    lines += [style.wrap(style.text(item), first="    ◦ ", rest="      ") for item in point.items]
    if point.more:
        lines.append("    ◦ …")
    return "\n".join(lines)


def format_answer(answer: Answer, style: Style = PLAIN) -> str:
    """The answer for a terminal: the lead, its notes (italic), the other points, then a
    numbered source list."""
    if answer.lead is None:
        lines = [style.wrap(style.text(answer.text))]
    else:
        lines = [format_point(answer.lead, style, bullet="")]
        lines += [
            style.wrap(style.text(f"_{n.text}_"), first="  ", rest="  ") for n in answer.notes
        ]
        lines += [format_point(p, style) for p in answer.points]
    if answer.sources:
        lines.append("\nSources:")
        for i, src in enumerate(answer.sources, 1):
            lines.append(
                style.wrap(
                    f"[{i}] {src.title} — {src.original} ({src.source})", first="  ", rest="      "
                )
            )
    return "\n".join(lines)


def format_recommendation(rec: RoleRecommendation, style: Style = PLAIN) -> str:
    """Role, scores, rationale and sources for terminals."""
    ranked = sorted(rec.scores.items(), key=lambda kv: -kv[1])
    lines = [
        f"Suggested role: {ROLE_NAMES[rec.role]} (confidence {rec.confidence:.0%})",
        "  " + "  ".join(f"{ROLE_NAMES[r]} {s:.0%}" for r, s in ranked),
        "",
        style.wrap(style.text(rec.rationale)),
    ]
    if rec.sources:
        lines.append("\nSources:")
        lines += [
            f"  [{i}] {s.title} — {s.original} ({s.source})" for i, s in enumerate(rec.sources, 1)
        ]
    return "\n".join(lines)


def render_view(view: DialogView, style: Style = PLAIN) -> str:
    """A walkthrough view as text."""
    if isinstance(view, NoticeView):
        return style.text(view.text) + (" Type /role to start." if view.restart else "")
    if isinstance(view, QuestionView):
        lines = [style.wrap(style.text(view.note))] if view.note else []
        lines.append(
            style.wrap(
                style.text(f"Question {view.number} of {view.total}: {view.question.prompt}")
            )
        )
        lines += [f"  {i}. {o.label}" for i, o in enumerate(view.question.options, 1)]
        lines.append("  (number or your own words; back / start over / cancel)")
        return "\n".join(lines)
    assert isinstance(view, ResultView)
    out = view.outcome
    lines = [f"Recommended: {ROLE_NAMES[out.role]} ({out.scores[out.role]:.0%} of the evidence)"]
    if out.runner_up:
        lines.append(f"Close second: {ROLE_NAMES[out.runner_up]} ({out.scores[out.runner_up]:.0%})")
    lines += [
        style.wrap(f"because you said: {s.text}", first="  ", rest="    ") for s in out.supporting
    ]
    lines.append(f"\n=== Hiring brief: {ROLE_NAMES[view.brief.role]} ===")
    for part in view.brief.sections:
        lines.append(f"\n## {part.title}\n{format_answer(part.answer, style)}")
    return "\n".join(lines)


def render_reply(reply: Reply, style: Style = PLAIN) -> str:
    """Any core reply as text."""
    if reply.view is not None:
        return render_view(reply.view, style)
    if reply.answer is not None:
        return format_answer(reply.answer, style)
    if reply.recommendation is not None:
        return format_recommendation(reply.recommendation, style)
    return style.wrap(style.text(reply.text))


def _line_reader(stdin: TextIO, stdout: TextIO) -> Callable[[], str | None]:
    """Lines from the user: through readline (arrow keys, history) on an interactive terminal,
    plain reads otherwise; None at the end of input."""
    if stdin is sys.stdin and stdin.isatty():
        with contextlib.suppress(ImportError):  # not on every platform
            import readline  # noqa: F401  (importing it gives input() editing and history)

        def read_tty() -> str | None:
            try:
                return input("\nyou> ")
            except EOFError:
                return None

        return read_tty

    def read_stream() -> str | None:
        line = stdin.readline()
        return line if line else None

    return read_stream


def warm_up(services: Services, stdout: TextIO) -> None:
    """Load the models and caches before the first prompt, saying so."""
    stdout.write("Loading the models and the index…\n")
    stdout.flush()
    services.embedder.embed(["warm up"])
    services.qa.classify("warm up")
    services.qa.lexicon()


def run_chat(services: Services, stdin: TextIO, stdout: TextIO) -> int:
    """Read lines until EOF or /quit; answers cite their sources."""
    style = Style.for_stream(stdout)
    read = _line_reader(stdin, stdout)
    if stdin.isatty():
        warm_up(services, stdout)
    stdout.write("hirebot — sourced guidance on hiring AI/ML talent. Type /help for help.\n")
    while True:
        stdout.flush()
        line = read()
        if line is None:
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
            view = services.roles.start(CONVERSATION)
            stdout.write("hirebot> " + render_view(view, style) + "\n")
            continue
        reply = services.conversations.respond(
            conversation=CONVERSATION, user="terminal", text=text
        )
        stdout.write("hirebot> " + render_reply(reply, style) + "\n")
    return 0
