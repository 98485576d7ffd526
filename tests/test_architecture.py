"""Imports go one way: only bot/slack/ knows Slack; core modules know nothing of it."""

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[1] / "bot"
SLACK_PACKAGES = ("slack_bolt", "slack_sdk")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


ENTRY_POINTS = {"cli.py"}  # the CLI may start the Slack app (through bot.slack only)


def test_only_the_slack_package_imports_slack_libraries():
    core = [p for p in BOT.rglob("*.py") if p.relative_to(BOT).parts[0] != "slack"]
    offenders = set()
    for path in core:
        modules = imported_modules(path)
        if any(m.startswith(SLACK_PACKAGES) for m in modules):
            offenders.add(path.name)
        if path.name not in ENTRY_POINTS and any(m.startswith("bot.slack") for m in modules):
            offenders.add(path.name)
    assert offenders == set()


def test_the_slack_package_does_import_them():
    slack_files = list((BOT / "slack").rglob("*.py"))
    assert any(m.startswith(SLACK_PACKAGES) for p in slack_files for m in imported_modules(p))


def test_listeners_are_thin():
    for path in (BOT / "slack" / "listeners").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("handle_"):
                length = node.end_lineno - node.lineno + 1
                assert length <= 40, f"{path.name}:{node.name} is {length} lines"
