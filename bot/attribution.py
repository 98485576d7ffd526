"""Attribute a sentence to the original article(s) it comes from, by the names it cites."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.types import Origin


def cited_in(text: str, origins: Sequence[Origin]) -> tuple[Origin, ...]:
    """Origins whose citation names (`cite_as`, publisher) appear in `text`."""
    found = []
    for origin in origins:
        names = origin.cite_as or ((origin.publisher,) if origin.publisher else ())
        if any(_mentions(text, name) for name in names if name):
            found.append(origin)
    return tuple(found)


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


def _mentions(text: str, name: str) -> bool:
    pattern = r"(?<![A-Za-z0-9])" + re.escape(name) + r"(?![A-Za-z0-9])"
    return re.search(pattern, text, flags=re.IGNORECASE) is not None
