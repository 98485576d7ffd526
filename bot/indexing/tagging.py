"""Tags on every sentence unit, set at ingest: what it is about and what kind of sentence it is.

- topics: the in-scope question kinds the sentence answers, with probabilities (the question
  classifier over the sentence and its heading path; passed in as a `TopicReader`);
- roles, levels, regions: from the one domain vocabulary (bot/vocabulary.py), found in the
  sentence, else in its heading path, else the document's front matter when it names one role;
- figures: the kinds of number it states (annual, hourly, percent, duration, count);
- form: definition, list lead, list item, comparison, absence ("no source gives ..."), caveat,
  note about the knowledge itself, or a plain statement.

Everything here works on any Markdown document a team adds: no tag is set by hand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from bot.types import UnitTags
from bot.vocabulary import vocabulary

FIGURE_TYPES = ("annual", "hourly", "percent", "duration", "count")
FORMS = (
    "definition",
    "list_lead",
    "list_item",
    "comparison",
    "absence",
    "caveat",
    "meta",
    "statement",
)
MIN_TOPIC_PROBABILITY = 0.05

# an amount or a range of money: '$100–$250', '$160,000 - $210,000', '$200k+', '$1.2M'
_AMOUNT = re.compile(
    r"\$\s?\d[\d,.]*\s?[kKmM]?\+?(?:\s?(?:[–—-]|to)\s?\$?\s?\d[\d,.]*\s?[kKmM]?\+?)?"
)
_HOURLY_BEFORE = re.compile(r"\bhourly\b", re.I)  # 'hourly rates of $100–$250'
RATE_WINDOW = 40  # characters after an amount that may say what it is per
_HOURLY = re.compile(r"\b(?:per|an|/)\s?(?:hour|hr)\b|\bhourly\b", re.I)
_PERCENT = re.compile(r"\d\s?%|\bper ?cent\b", re.I)
_DURATION = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|a few)[- ](?:to[- ]\d+[- ])?(?:day|week|month|year)s?\b",
    re.I,
)
_COUNT = re.compile(r"\b\d+(?:\.\d+)?\+?\s(?!%|percent|per\b)[a-z]", re.I)
# closed word classes that mark a sentence's form
_NEGATED = re.compile(
    r"\b(?:gives?|offers?|provides?|includes?|mentions?|covers?|discuss(?:es)?|reports?|"
    r"names?|says?) no\b|"
    r"\b(?:does|do|did) not (?:give|offer|provide|include|mention|cover|discuss|report|name|"
    r"say)\b|"
    r"\bnone of the (?:\w+ )?(?:articles|sources)\b|\bno (?:article|source)s? (?:gives?|"
    r"offers?|mentions?|covers?|discuss(?:es)?)\b",
    re.I,
)
_COMPARATIVE = re.compile(
    r"\b(?:whereas|while|than|compared (?:to|with)|versus|vs\.?|unlike|differ(?:s|ent|ence)?|"
    r"overlaps?|similar|same as|both)\b",
    re.I,
)
_CAVEAT = re.compile(
    r"\b(?:claims?|claimed|vendor|depends?|depending|varies|vary|may|might|can vary|caveat|"
    r"not advice|reportedly|outliers?)\b",
    re.I,
)
_META = re.compile(
    r"^hirebot['’]s note\b|\b(?:kept (?:apart|separate)|the (?:five )?(?:articles|sources) "
    r"(?:cover|differ|disagree|give different)|this (?:document|page|section))\b",
    re.I,
)
_DEFINITION = re.compile(
    r"^(?:an?|the)?\s*[\w/ -]{2,40}?\s(?:is|are|means|refers to|describes?)\s(?:an?|the|someone|"
    r"a person|people|when)\b",
    re.I,
)


class TopicReader(Protocol):
    """Reads which question kinds a text answers (the question classifier, at ingest); `name`
    changes when its model does (the tags are then stale)."""

    @property
    def name(self) -> str:
        """Identifies the model."""
        ...

    def topics(self, texts: Sequence[str], vectors: np.ndarray) -> list[dict[str, float]]:
        """Per text: in-scope kind -> probability."""
        ...


def _without(text: str, names: Sequence[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(re.escape(name), " ", text, flags=re.IGNORECASE)
    return text


def money_types(text: str) -> list[str]:
    """Per amount of money (or range) in a sentence: "hourly" when the words right after it
    make it a rate per hour, else "annual" ('$130k–$180k per year, ... $100–$250 per hour'
    states both)."""
    amounts = list(_AMOUNT.finditer(text))
    out = []
    for n, amount in enumerate(amounts):
        end = amounts[n + 1].start() if n + 1 < len(amounts) else len(text)
        start = amounts[n - 1].end() if n else 0
        after = text[amount.end() : min(end, amount.end() + RATE_WINDOW)]
        before = text[max(start, amount.start() - RATE_WINDOW) : amount.start()]
        hourly = _HOURLY.search(after) or _HOURLY_BEFORE.search(before)
        out.append("hourly" if hourly else "annual")
    return out


def figure_types(text: str) -> tuple[str, ...]:
    """The kinds of number a sentence states."""
    found = list(dict.fromkeys(money_types(text)))
    if _PERCENT.search(text):
        found.append("percent")
    if _DURATION.search(text):
        found.append("duration")
    if not found and _COUNT.search(text):
        found.append("count")
    return tuple(found)


def sentence_form(text: str, *, list_lead: bool, list_item: bool) -> str:
    """The form of a sentence, from its structure and closed word classes."""
    if _NEGATED.search(text):
        return "absence"
    if _META.search(text):
        return "meta"
    if list_lead:
        return "list_lead"
    if list_item:
        return "list_item"
    if _COMPARATIVE.search(text):
        return "comparison"
    if _DEFINITION.match(text):
        return "definition"
    if _CAVEAT.search(text) and not _AMOUNT.search(text):  # a hedged figure is still a figure
        return "caveat"
    return "statement"


def tag_unit(
    text: str,
    *,
    headings: Sequence[str] = (),
    document_roles: Sequence[str] = (),
    list_lead: bool = False,
    list_item: bool = False,
    lead_text: str = "",
    topics: Mapping[str, float] | None = None,
    cited_names: Sequence[str] = (),
) -> UnitTags:
    """Tags of one unit (`lead_text`: the sentence introducing a list item; `cited_names`: the
    names of the articles, left out when looking for roles: "the AI vs ML Developers article"
    is about no role)."""
    words = vocabulary()
    heading = _without(" > ".join(headings), cited_names)
    own = _without(f"{lead_text} {text}".strip(), cited_names)
    named = words.roles_in(own)
    roles = (
        named
        or words.roles_in(heading)
        or (tuple(document_roles) if len(document_roles) == 1 else ())
    )
    levels = words.levels_in(own) or words.levels_in(heading)
    regions = words.regions_in(own) or words.regions_in(heading)
    return UnitTags(
        topics={k: round(p, 3) for k, p in (topics or {}).items() if p >= MIN_TOPIC_PROBABILITY},
        roles=roles,
        roles_named=named,
        levels=levels,
        regions=regions,
        figures=figure_types(text),
        form=sentence_form(text, list_lead=list_lead, list_item=list_item),
        note=text.lower().startswith(("hirebot's note", "hirebot’s note")),
    )
