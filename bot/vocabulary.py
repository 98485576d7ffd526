"""The one domain vocabulary: roles and their names, the seniority scale, regions, industries.

Read once from `bot/data/vocabulary.yaml`. Terms match as whole words, case-insensitively and in
the plural too; a short all-capital abbreviation ("DS", "MLE", "US") matches only as written, so
"us" and "DS&A" are not taken for a place or a role. A longer term wins over one it contains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError

VOCABULARY_FILE = Path(__file__).resolve().parent / "data" / "vocabulary.yaml"
MAX_CASED_ABBREVIATION = 5


@dataclass(frozen=True, slots=True)
class Term:
    """One way of writing a concept, and the concept it stands for."""

    text: str
    concept: str


@dataclass(frozen=True, slots=True)
class Region:
    """A region the knowledge base may give figures for, and the broader one it lies in."""

    name: str
    within: str | None = None


class Matcher:
    """Finds concepts in text by their terms (longest term first, whole words only)."""

    def __init__(self, terms: list[Term]) -> None:
        by_text: dict[str, list[str]] = {}
        for term in terms:  # one term may stand for several concepts ('AI/ML engineer')
            by_text.setdefault(term.text, []).append(term.concept)
        self._concepts: dict[str, tuple[str, ...]] = {}
        parts = []
        for n, text in enumerate(sorted(by_text, key=lambda t: -len(t))):
            group = f"t{n}"
            self._concepts[group] = tuple(dict.fromkeys(by_text[text]))
            body = re.escape(text).replace(r"\ ", r"[\s-]+") + r"(?:s|es)?"
            cased = text.isupper() and len(text) <= MAX_CASED_ABBREVIATION
            parts.append(f"(?P<{group}>{body})" if cased else f"(?P<{group}>(?i:{body}))")
        self._pattern = re.compile(
            r"(?<![\w&/.-])(?:" + "|".join(parts) + r")(?![\w&]|/\w|\.\w)" if parts else r"(?!)"
        )

    def find(self, text: str) -> list[tuple[str, int, int]]:
        """(concept, start, end) of every term found, in order."""
        out = []
        for match in self._pattern.finditer(text):
            group = match.lastgroup
            if group is not None:
                out += [(c, match.start(), match.end()) for c in self._concepts[group]]
        return out

    def concepts(self, text: str) -> tuple[str, ...]:
        """The concepts found, each once, in order of first mention."""
        return tuple(dict.fromkeys(c for c, _, _ in self.find(text)))


@dataclass(frozen=True, slots=True)
class Shorthand:
    """A Slack abbreviation and what it stands for, expanded only where it means that."""

    pattern: re.Pattern[str]
    long: str

    def expand(self, text: str) -> str:
        """`text` with every use of the abbreviation spelled out."""
        return self.pattern.sub(self.long, text)


def _shorthand(entry: dict[str, Any]) -> Shorthand:
    short = str(entry["short"])
    exact = entry.get("case") == "exact"
    unless = [re.escape(str(u)) for u in entry.get("unless_next") or ()]
    after = rf"(?!\s*(?:{'|'.join(unless)})(?![\w]))" if unless else ""
    body = re.escape(short)
    flags = 0 if exact else re.IGNORECASE
    # whole words only; never inside a domain name ("coders.dev") or a longer token ("DS&A")
    pattern = re.compile(rf"(?<![.\w&/-]){body}(?![\w&]|\.\w|/\w){after}", flags)
    return Shorthand(pattern, str(entry.get("long") or ""))


@dataclass(frozen=True)
class Vocabulary:
    """Roles (id -> name, plural), the ordered level scale, regions and industries, with the
    matchers that find them in text."""

    role_names: dict[str, str]
    role_plurals: dict[str, str]
    levels: tuple[str, ...]
    regions: dict[str, Region]
    industries: tuple[str, ...]
    role_matcher: Matcher
    role_cue_matcher: Matcher
    level_matcher: Matcher
    region_matcher: Matcher
    industry_matcher: Matcher
    employment_matcher: Matcher
    size_matcher: Matcher
    shorthand: tuple[Shorthand, ...]
    _words: frozenset[str] = frozenset()

    def roles_in(self, text: str) -> tuple[str, ...]:
        """Role ids a text names, in order ('AI/ML engineers' names both engineer roles)."""
        return self.role_matcher.concepts(text)

    def roles_implied(self, text: str) -> tuple[str, ...]:
        """Roles a text names or clearly points at without naming ('someone building LLM apps'
        -> AI engineer, 'research hires' -> ML scientist, 'dashboards' -> data scientist)."""
        return tuple(dict.fromkeys((*self.roles_in(text), *self.role_cue_matcher.concepts(text))))

    def levels_in(self, text: str) -> tuple[str, ...]:
        """Seniority levels a text names, by their scale names ('entry-level' -> 'junior')."""
        return self.level_matcher.concepts(text)

    def regions_in(self, text: str) -> tuple[str, ...]:
        """Regions a text names ('Bay Area' -> 'Silicon Valley')."""
        return self.region_matcher.concepts(text)

    def industries_in(self, text: str) -> tuple[str, ...]:
        """Industries a text names."""
        return self.industry_matcher.concepts(text)

    def employment_in(self, text: str) -> tuple[str, ...]:
        """How the hire is engaged ('contract', 'full-time'), as the text says."""
        return self.employment_matcher.concepts(text)

    def sizes_in(self, text: str) -> tuple[str, ...]:
        """The size of company a text names ('startup', 'enterprise')."""
        return self.size_matcher.concepts(text)

    def expand(self, text: str) -> str:
        """Slack shorthand spelled out (MLE, DS, JD, comp, prod ...) where it means that."""
        for entry in self.shorthand:
            text = entry.expand(text)
        return re.sub(r"[ \t]{2,}", " ", text).strip()

    def words(self) -> frozenset[str]:
        """Every word of every term (lower case, with its plural): words hirebot knows the
        meaning of, whether or not the knowledge base uses them."""
        return self._words

    def level_rank(self, level: str) -> int:
        """Position of a level on the scale (0 = intern)."""
        return self.levels.index(level)

    def broader(self, region: str) -> tuple[str, ...]:
        """The region and every region it lies within, innermost first."""
        out = [region]
        while (parent := self.regions[out[-1]].within) is not None and parent not in out:
            out.append(parent)
        return tuple(out)


@lru_cache(maxsize=4)
def load_vocabulary(path: Path = VOCABULARY_FILE) -> Vocabulary:
    """Read and check the vocabulary file (once per process)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the vocabulary {path}: {exc}") from exc
    try:
        return _build(raw)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{path}: malformed vocabulary ({exc})") from exc


def vocabulary() -> Vocabulary:
    """The bundled vocabulary."""
    return load_vocabulary(VOCABULARY_FILE)


def _build(raw: dict[str, Any]) -> Vocabulary:
    roles = raw["roles"]
    role_terms = [
        Term(str(term), str(role))
        for role, entry in roles.items()
        for term in [entry["name"], *entry.get("terms", ())]
    ]
    levels = [tuple(str(t) for t in synonyms) for synonyms in raw["levels"]]
    regions = {
        str(r["name"]): Region(str(r["name"]), r.get("within")) for r in raw.get("regions", ())
    }
    region_terms = [
        Term(str(term), str(r["name"]))
        for r in raw.get("regions", ())
        for term in [r["name"], *r.get("terms", ())]
    ]
    industries = tuple(str(i) for i in raw.get("industries", ()))

    def grouped(section: str) -> Matcher:
        return Matcher(
            [
                Term(str(term), str(name))
                for name, terms in (raw.get(section) or {}).items()
                for term in terms
            ]
        )

    return Vocabulary(
        role_names={str(k): str(v["name"]) for k, v in roles.items()},
        role_plurals={str(k): str(v.get("plural") or f"{v['name']}s") for k, v in roles.items()},
        levels=tuple(s[0] for s in levels),
        regions=regions,
        industries=industries,
        role_matcher=Matcher(role_terms),
        role_cue_matcher=Matcher(
            [
                Term(str(cue), str(role))
                for role, entry in roles.items()
                for cue in entry.get("cues", ())
            ]
        ),
        level_matcher=Matcher([Term(t, s[0]) for s in levels for t in s]),
        region_matcher=Matcher(region_terms),
        industry_matcher=Matcher([Term(i, i) for i in industries]),
        employment_matcher=grouped("employment"),
        size_matcher=grouped("sizes"),
        shorthand=tuple(_shorthand(e) for e in raw.get("shorthand") or ()),
        _words=frozenset(
            w
            for term in _all_terms(raw)
            for word in re.findall(r"[a-z]+", term.lower())
            for w in (word, f"{word}s")
        ),
    )


def _all_terms(raw: dict[str, Any]) -> list[str]:
    """Every term the vocabulary file names."""
    terms: list[str] = []
    for entry in raw.get("roles", {}).values():
        terms += [entry["name"], *entry.get("terms", ()), *entry.get("cues", ())]
    terms += [t for synonyms in raw.get("levels", ()) for t in synonyms]
    terms += [t for r in raw.get("regions", ()) for t in (r["name"], *r.get("terms", ()))]
    terms += list(raw.get("industries", ()))
    for section in ("employment", "sizes"):
        terms += [t for values in (raw.get(section) or {}).values() for t in values]
    terms += [str(e["short"]) for e in raw.get("shorthand") or ()]
    return [str(t) for t in terms]
