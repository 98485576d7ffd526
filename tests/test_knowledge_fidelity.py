"""Every money figure in knowledge/ appears in the article its sentence is attributed to.

A sentence is attributed the way answers cite it (bot.indexing.attribution over the chunks ingest
makes): the article it names, else its paragraph's, else its section heading's, else the
document's front-matter sources. Articles are the five seed texts, found by their content.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.indexing.attribution import attribute
from bot.indexing.chunking import chunk_document
from bot.indexing.documents import load_document
from bot.settings import Settings
from bot.text import split_units
from bot.types import Origin

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
# Read at import: the autouse env isolation removes HIREBOT_* variables before each test.
SEEDS_DIR = Path(os.environ.get("HIREBOT_SEEDS_DIR") or ROOT.parent / "shared" / "seeds")
# Front-matter source key -> a phrase only that article contains (the seed files have opaque names).
ARTICLE_MARKERS = {
    "ai-vs-ml-developers": "distinction between hiring AI developers and ML developers",
    "coders-dev": "Coders.dev Expert Team",
    "gutierrez": "Ignacio Gutierrez",
    "vector-talent": "Vector Talent Partners",
    "obsidi": "Obsidi® Recruit",
}
# Sources that are not articles: hirebot's own notes, which must never carry a figure alone.
NOTE_KEYS = frozenset({"hirebot"})

_NUMBER = r"(\d[\d,]*(?:\.\d+)?)\s?([kKmM]?)(?![A-Za-z])"
_MONEY = re.compile(r"\$\s?" + _NUMBER + r"(?:\s?(?:–|—|-|to)\s?\$?\s?" + _NUMBER + r")?(\+?)")


def _seed_files() -> list[Path]:
    return sorted(SEEDS_DIR.glob("*.txt")) if SEEDS_DIR.is_dir() else []


@dataclass(frozen=True, slots=True)
class Figure:
    """A money amount or range in whole dollars; `open` when written with a trailing '+'."""

    low: int
    high: int
    open: bool
    start: int
    text: str

    @property
    def is_range(self) -> bool:
        """True for 'A–B' forms."""
        return self.low != self.high


def _scale(number: str, suffix: str) -> int:
    factor = {"k": 1_000, "m": 1_000_000}.get(suffix.lower(), 1)
    return round(float(number.replace(",", "")) * factor)


def money_figures(text: str) -> list[Figure]:
    """Money figures of a text, normalised: '$160k' == '$160,000'; '$90–115k' is 90,000–115,000."""
    out = []
    for m in _MONEY.finditer(text):
        low_num, low_suffix, high_num, high_suffix, plus = m.groups()
        if high_num is None:
            value = _scale(low_num, low_suffix)
            out.append(Figure(value, value, bool(plus), m.start(), m.group(0).strip()))
            continue
        if not low_suffix and high_suffix and float(low_num.replace(",", "")) < 1000:
            low_suffix = high_suffix  # '$90–115k': the suffix covers both ends
        low, high = _scale(low_num, low_suffix), _scale(high_num, high_suffix)
        out.append(Figure(low, high, bool(plus), m.start(), m.group(0).strip()))
    return out


def figure_problem(figure: Figure, article: str) -> str | None:
    """Why `figure` is not supported by the article text, or None when it is."""
    stated = money_figures(article)
    if figure.is_range:
        same = [f for f in stated if (f.low, f.high) == (figure.low, figure.high)]
        if not same:
            return f"the range {figure.text} is not in the article"
        if any(f.open for f in same) and not figure.open:
            return f"the article gives {figure.text} as open-ended ('+'); the '+' was lost"
        return None
    if any(figure.low in (f.low, f.high) for f in stated):
        return None
    return f"{figure.text} is not in the article"


def _name_positions(sentence: str, origins: Sequence[Origin]) -> list[tuple[int, Origin]]:
    found = []
    for origin in origins:
        for name in origin.cite_as or ((origin.publisher,) if origin.publisher else ()):
            pattern = r"(?<![A-Za-z0-9])" + re.escape(name) + r"(?![A-Za-z0-9])"
            found += [(m.start(), origin) for m in re.finditer(pattern, sentence, re.I)]
    return sorted(found, key=lambda pair: pair[0])


def figure_sources(
    sentence: str, figure: Figure, attributed: Sequence[Origin]
) -> tuple[Origin, ...]:
    """The articles a figure is credited to: in a sentence naming several, the one named last
    before the figure ('Gutierrez gives $X, whereas Obsidi gives $Y'); otherwise all attributed."""
    before = [o for pos, o in _name_positions(sentence, attributed) if pos < figure.start]
    named = {o for _, o in _name_positions(sentence, attributed)}
    if len(named) > 1 and before:
        return (before[-1],)
    return tuple(attributed)


def check_sentence(
    sentence: str, attributed: Sequence[Origin], articles: dict[str, str]
) -> list[str]:
    """Problems with the money figures of one attributed sentence (empty when all are sourced)."""
    problems = []
    for figure in money_figures(sentence):
        credited = [o for o in figure_sources(sentence, figure, attributed) if o.key in articles]
        if not credited:
            keys = ", ".join(o.key for o in figure_sources(sentence, figure, attributed))
            problems.append(f"{figure.text} is credited to no article (only: {keys})")
            continue
        reasons = [figure_problem(figure, articles[o.key]) for o in credited]
        if all(reasons):
            names = ", ".join(o.key for o in credited)
            problems.append(
                f"{figure.text} credited to {names}: {'; '.join(filter(None, reasons))}"
            )
    return problems


@dataclass(frozen=True, slots=True)
class Attributed:
    """One sentence or list item of a chunk, with the articles an answer would cite for it."""

    source: str
    text: str
    origins: tuple[Origin, ...]


def attributed_units() -> Iterator[Attributed]:
    """Every unit of every knowledge chunk, attributed as the composer does (bot.answering.compose): by its
    own names, else earlier sentences of its paragraph, else headings, else the front matter; a
    list item shown with its list is also attributed against its lead-in sentence alone."""
    settings = Settings()
    for path in sorted(KNOWLEDGE.rglob("*.md")):
        doc = load_document(path)
        for chunk in chunk_document(doc, size=settings.chunk_size, overlap=settings.chunk_overlap):
            units = split_units(chunk.text)
            for unit in units:
                context = [u.text for u in units[: unit.index] if u.paragraph == unit.paragraph]
                yield Attributed(
                    doc.source,
                    unit.text,
                    attribute(
                        unit.text, context=context, headings=chunk.headings, origins=chunk.origins
                    ),
                )
                if unit.lead is not None:
                    yield Attributed(
                        doc.source,
                        unit.text,
                        attribute(
                            unit.text,
                            context=[units[unit.lead].text],
                            headings=chunk.headings,
                            origins=chunk.origins,
                        ),
                    )


@pytest.fixture(scope="module")
def articles() -> dict[str, str]:
    """Article key -> text, each seed file identified by a phrase only it contains."""
    if not _seed_files():
        pytest.skip(
            f"source articles not found at {SEEDS_DIR} (set HIREBOT_SEEDS_DIR to their folder)"
        )
    texts = {p: p.read_text(encoding="utf-8", errors="ignore") for p in _seed_files()}
    out = {}
    for key, marker in ARTICLE_MARKERS.items():
        matches = [p for p, text in texts.items() if marker.lower() in text.lower()]
        assert len(matches) == 1, f"{key}: marker {marker!r} matches {len(matches)} seed files"
        out[key] = texts[matches[0]]
    return out


def test_every_source_key_in_knowledge_is_a_known_article_or_a_note() -> None:
    keys = {o.key for p in KNOWLEDGE.rglob("*.md") for o in load_document(p).origins}
    unknown = keys - set(ARTICLE_MARKERS) - NOTE_KEYS
    assert not unknown, f"add a content marker for these source keys: {sorted(unknown)}"


def test_every_money_figure_appears_in_the_article_it_is_attributed_to(
    articles: dict[str, str],
) -> None:
    checked = 0
    problems = []
    for unit in attributed_units():
        found = check_sentence(unit.text, unit.origins, articles)
        checked += len(money_figures(unit.text))
        problems += [f"{unit.source}: {p}\n    in: {unit.text}" for p in found]
    assert checked > 50, f"only {checked} money figures found: is the pattern still matching?"
    assert not problems, "\n".join(dict.fromkeys(problems))


_QUOTED_QUESTION = re.compile(r"\"([^\"]*\?)\"")


def normalise_quote(text: str) -> str:
    """Compare quotations ignoring typography: curly quotes, dashes, escapes, spacing, case."""
    for fancy, plain in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("—", "-"), ("–", "-")):
        text = text.replace(fancy, plain)
    return re.sub(r"\s+", " ", text.replace("\\", "")).strip().lower()


def test_quoted_questions_are_exact_quotes_of_the_attributed_article(
    articles: dict[str, str],
) -> None:
    plain = {key: normalise_quote(text) for key, text in articles.items()}
    checked, problems = 0, []
    for unit in attributed_units():
        for question in _QUOTED_QUESTION.findall(unit.text):
            checked += 1
            if not any(normalise_quote(question) in plain.get(o.key, "") for o in unit.origins):
                keys = ", ".join(o.key for o in unit.origins)
                problems.append(f"{unit.source}: not an exact quote of {keys}: {question!r}")
    assert checked >= 3, f"only {checked} quoted questions found: is the pattern still matching?"
    assert not problems, "\n".join(dict.fromkeys(problems))


def _origin(key: str, name: str) -> Origin:
    return Origin(key=key, title=key, publisher=name, cite_as=(name,))


GUTIERREZ = _origin("gutierrez", "Gutierrez")
OBSIDI = _origin("obsidi", "Obsidi")
HIREBOT = _origin("hirebot", "hirebot's note")


def test_hirebot_notes_are_credited_to_hirebot_first() -> None:
    notes = [u for u in attributed_units() if u.text.lower().startswith("hirebot's note")]
    assert notes, "no hirebot notes found"
    credited_elsewhere = [
        f"{u.source}: {u.text}" for u in notes if [o.key for o in u.origins][:1] != ["hirebot"]
    ]
    assert not credited_elsewhere, "list the hirebot source in front matter:\n" + "\n".join(
        dict.fromkeys(credited_elsewhere)
    )


def test_money_figures_are_normalised() -> None:
    def spans(text: str) -> list[tuple[int, int, bool]]:
        return [(f.low, f.high, f.open) for f in money_figures(text)]

    assert spans("about $160k") == spans("about $160,000") == [(160_000, 160_000, False)]
    assert spans("(e.g. $90–115k)") == [(90_000, 115_000, False)]
    assert spans("$180–250k+ senior") == [(180_000, 250_000, True)]
    assert spans("$100–$250/hour") == spans("$100 to $250 per hour") == [(100, 250, False)]
    assert spans("$130,000–$160,000 mid-level") == [(130_000, 160_000, False)]


def test_a_figure_credited_to_the_wrong_article_is_flagged(articles: dict[str, str]) -> None:
    sentence = "{} says senior U.S. AI engineers earn about $160,000–$210,000 per year."
    assert check_sentence(sentence.format("Gutierrez"), (GUTIERREZ,), articles) == []
    assert check_sentence(sentence.format("Obsidi"), (OBSIDI,), articles)
    assert check_sentence("hirebot's note: budget $160k.", (HIREBOT,), articles)


def test_an_open_ended_range_must_keep_its_plus(articles: dict[str, str]) -> None:
    sentence = "Gutierrez gives senior ML scientists about $180,000–$250,000{} per year."
    assert check_sentence(sentence.format("+"), (GUTIERREZ,), articles) == []
    assert check_sentence(sentence.format(""), (GUTIERREZ,), articles)


def test_each_figure_is_checked_against_the_article_named_just_before_it(
    articles: dict[str, str],
) -> None:
    both = (GUTIERREZ, OBSIDI)
    right = "Obsidi gives $130,000–$180,000, whereas Gutierrez gives $130,000–$160,000."
    swapped = "Gutierrez gives $130,000–$180,000, whereas Obsidi gives $130,000–$160,000."
    assert check_sentence(right, both, articles) == []
    assert len(check_sentence(swapped, both, articles)) == 2
