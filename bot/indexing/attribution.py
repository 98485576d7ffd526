"""Attribute a sentence to the original article(s) it comes from, by the names it cites."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.types import Origin


def cited_in(text: str, origins: Sequence[Origin]) -> tuple[Origin, ...]:
    """Origins whose citation names (`cite_as`, else publisher) appear in `text`, in the order
    the text names them."""
    found: list[tuple[int, Origin]] = []
    for origin in origins:
        names = origin.cite_as or ((origin.publisher,) if origin.publisher else ())
        positions = [p for p in (_position(text, name) for name in names if name) if p >= 0]
        if positions:
            found.append((min(positions), origin))
    return tuple(origin for _, origin in sorted(found, key=lambda pair: pair[0]))


def attribute(
    sentence: str,
    *,
    context: Sequence[str] = (),
    headings: Sequence[str] = (),
    origins: Sequence[Origin],
) -> tuple[Origin, ...]:
    """Which articles a sentence draws on: its own citation, else its paragraph's, else its
    section's, else the document's single source; several only when nothing narrows it down."""
    own = cited_in(sentence, origins)
    if own:
        return own
    for earlier in reversed(context):
        found = cited_in(earlier, origins)
        if found:
            return found
    for heading in reversed(headings):
        found = cited_in(heading, origins)
        if found:
            return found
    return tuple(origins)


def _position(text: str, name: str) -> int:
    pattern = r"(?<![A-Za-z0-9])" + re.escape(name) + r"(?![A-Za-z0-9])"
    match = re.search(pattern, text, flags=re.IGNORECASE)
    return match.start() if match else -1
