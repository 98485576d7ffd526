"""Terminal chat over the core: questions, `/help`, `/quit` (and `/role` for the walkthrough)."""

from __future__ import annotations

from typing import TextIO

from bot.errors import HirebotError
from bot.services import Services

HELP = (
    "Ask anything about hiring AI engineers, ML engineers, data scientists or ML scientists.\n"
    "Commands: /help, /quit"
)


def run_chat(services: Services, stdin: TextIO, stdout: TextIO) -> int:
    """Read questions until EOF or /quit; every answer cites its sources."""
    from bot.cli import format_answer

    interactive = stdin.isatty()
    stdout.write("hirebot — sourced guidance on hiring AI/ML talent. Type /help for help.\n")
    previous: str | None = None
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
            answer = services.qa.ask(text, context=previous)
        except HirebotError as exc:
            stdout.write(f"hirebot> {exc.user_message}\n")
            continue
        stdout.write("hirebot> " + format_answer(answer) + "\n")
        previous = text
    return 0
