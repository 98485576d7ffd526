"""The README's configuration table, generated from the typed `Settings` (never typed by hand).

`settings_table()` renders one Markdown row per field of `bot.settings.Settings`: the
environment variable(s) it is read from (Slack's usual names included), its
`Field(description=...)` and its default. `python -m bot.settings_doc` rewrites the block
between the markers in README.md; tests/test_settings_doc.py fails while the two differ.
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import AliasChoices, AliasPath, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from bot.settings import Settings

START = "<!-- settings-table:start -->"
END = "<!-- settings-table:end -->"
README = Path(__file__).resolve().parents[1] / "README.md"
HEADER = ("variable", "meaning", "default")
# pydantic's numeric constraints (Field(ge=..., le=...)) as they read in the table
BOUNDS: tuple[tuple[type, str, str], ...] = (
    (Gt, "gt", ">"),
    (Ge, "ge", "≥"),
    (Lt, "lt", "<"),
    (Le, "le", "≤"),
)


def env_names(name: str, field: FieldInfo) -> list[str]:
    """The environment variables a field is read from: its alias choices (Slack's own names
    first), else the `HIREBOT_` prefix and the field name."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [c for c in alias.choices if isinstance(c, str)]
    if isinstance(alias, str):
        return [alias]
    if isinstance(alias, AliasPath):
        return [str(alias.path[0])]
    prefix = str(Settings.model_config.get("env_prefix") or "")
    return [f"{prefix}{field.alias or name}".upper()]


def meaning(name: str, field: FieldInfo) -> str:
    """The field's description, with its allowed values or bounds; a placeholder made from the
    field name when it has no description yet."""
    text = " ".join((field.description or "").split())
    if not text:
        text = f"{name.replace('_', ' ').capitalize()} (no description yet)."
    limits = _limits(field)
    return f"{text} {limits}" if limits else text


def default(field: FieldInfo) -> str:
    """The default as it would be written in the environment ('unset' for None)."""
    value: Any = field.default
    if value is PydanticUndefined:
        value = field.default_factory() if field.default_factory else None  # type: ignore[call-arg]
    if value is None:
        return "unset"
    if isinstance(value, SecretStr):
        return "(secret)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, frozenset | set | list | tuple):
        return ", ".join(f"`{v}`" for v in sorted(map(str, value))) if value else "empty"
    return f"`{value}`"


def _limits(field: FieldInfo) -> str:
    """'One of `text`, `json`.' for a Literal; 'Range: ≥ 1, ≤ 20.' for numeric bounds."""
    choices = _literal_choices(field.annotation)
    if choices:
        return "One of " + ", ".join(f"`{c}`" for c in choices) + "."
    bounds = [
        f"{sign} {getattr(item, attr)}"
        for item in field.metadata
        for kind, attr, sign in BOUNDS
        if isinstance(item, kind)
    ]
    return f"Range: {', '.join(bounds)}." if bounds else ""


def _literal_choices(annotation: Any) -> list[str]:
    if typing.get_origin(annotation) is typing.Literal:
        return [str(a) for a in typing.get_args(annotation)]
    return []


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def settings_table() -> str:
    """The configuration table in Markdown: one row per `Settings` field, in declaration order."""
    rows = [
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
    ]
    for name, field in Settings.model_fields.items():
        names = ", ".join(f"`{n}`" for n in env_names(name, field))
        cells = (names, meaning(name, field), default(field))
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(rows)


def readme_block(text: str) -> str:
    """What stands between the markers in `text` (without the newlines next to them)."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the markers {START} and {END} are missing or out of order")
    return text[start + len(START) : end].strip("\n")


def with_table(text: str, table: str) -> str:
    """`text` with the block between the markers replaced by `table`."""
    readme_block(text)  # checks the markers
    start, end = text.find(START), text.find(END)
    return f"{text[: start + len(START)]}\n{table}\n{text[end:]}"


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite the settings table in README.md (or the file given as the first argument)."""
    args = list(sys.argv[1:] if argv is None else argv)
    path = Path(args[0]) if args else README
    try:
        text = path.read_text(encoding="utf-8")
        updated = with_table(text, settings_table())
    except (OSError, ValueError) as exc:
        print(f"settings_doc: {path}: {exc}", file=sys.stderr)
        return 2
    if updated == text:
        print(f"{path}: settings table already up to date")
        return 0
    path.write_text(updated, encoding="utf-8")
    print(f"{path}: settings table rewritten ({len(Settings.model_fields)} settings)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
