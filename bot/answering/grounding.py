"""Grounding guard for generated text: every figure and named tool a sentence states must appear
in the sources it cites; sentences that fail are dropped (pure functions)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.text import clip, ends_with_abbreviation, tokenize
from bot.text import split_sentences as prose_sentences

_CITATION = re.compile(r"\s*\[(\d+)\]")  # a source marker, "[2]", and the space before it
_NUMBER = re.compile(r"\$?\d[\d,]*(?:\.\d+)?\s?(?:k|K|%|x|×)?(?![\w])")
_NAME = re.compile(
    r"\b(?:[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}\w*|[A-Z][\w.+-]*\d[\w.+-]*|[A-Za-z]+-\d+\w*)\b"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])(?:\s*\[\d+\](?:\s*\[\d+\])*)?(?=\s+[\"'(\[]?[A-Z0-9$])")
# Capitalised words that are not claims (acronyms of the domain, pronouns, months...)
_COMMON = frozenset(
    "I AI ML DS MLE LLM LLMs API APIs US U.S. CEO CTO CXO JD KPI KPIs FAQ PhD OK USD "
    "RAG MLOps NLP SQL".split()
)


@dataclass(frozen=True, slots=True)
class GuardResult:
    """Sentences kept (in order) and the ones dropped, with the reason."""

    kept: list[str] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)


def normalize_number(token: str) -> str:
    """'$160,000' -> '160000', '$160k' -> '160000', '72 %' -> '72%'."""
    raw = token.replace("$", "").replace(",", "").replace(" ", "").lower()
    if raw.endswith("k"):
        try:
            return str(int(float(raw[:-1]) * 1000))
        except ValueError:
            return raw
    return raw.rstrip("×x")


def numbers_in(text: str) -> set[str]:
    """Normalised figures of a text."""
    return {normalize_number(m.group(0)) for m in _NUMBER.finditer(text)}


def names_in(sentence: str) -> set[str]:
    """Named tools/products of a sentence (CamelCase, ALLCAPS, letters with digits), minus
    domain acronyms."""
    return {m.group(0) for m in _NAME.finditer(sentence) if m.group(0) not in _COMMON}


def split_sentences(text: str) -> tuple[list[str], str]:
    """Complete sentences (each with its trailing citations) and the unfinished rest; a sentence
    is complete once the next one has begun, so a streamed buffer is split safely."""
    sentences, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if ends_with_abbreviation(text[start : match.start()]):
            continue
        end = match.end()
        piece = text[start:end].strip()
        if piece:
            sentences.append(piece)
        start = end
    return sentences, text[start:]


def citations_in(sentence: str) -> list[int]:
    """The source numbers a sentence cites ("... [1] [3]" -> [1, 3])."""
    return [int(n) for n in _CITATION.findall(sentence)]


def without_citations(sentence: str) -> str:
    """The sentence without its source markers."""
    return _CITATION.sub("", sentence).strip()


def check(sentence: str, sources: Mapping[int, str]) -> str | None:
    """None when the sentence is grounded in the sources it cites, else the reason."""
    cited = citations_in(sentence)
    body = without_citations(sentence)
    figures = numbers_in(body)
    names = names_in(body)
    if any(n not in sources for n in cited):
        return f"cites a source that does not exist ({cited})"
    if not cited:
        return "states facts without citing a source" if figures or names else None
    context = " ".join(sources[n] for n in cited)
    missing = sorted(f for f in figures if f not in numbers_in(context))
    if missing:
        return f"figure not in its sources: {', '.join(missing)}"
    lowered = context.lower()
    unknown = sorted(n for n in names if n.lower() not in lowered)
    if unknown:
        return f"name not in its sources: {', '.join(unknown)}"
    return None


def guard(sentences: Sequence[str], sources: Mapping[int, str]) -> GuardResult:
    """Keep grounded sentences, drop the rest with the reason."""
    result = GuardResult()
    for sentence in sentences:
        reason = check(sentence, sources)
        if reason is None:
            result.kept.append(sentence)
        else:
            result.dropped.append((sentence, reason))
    return result


def supporting_passage(source_text: str, claims: Sequence[str], limit: int) -> str:
    """The sentences of a cited source that best support the claims citing it (shared figures
    count most, then shared words), in source order and within `limit` characters; the
    source's opening when nothing is shared."""
    claim_numbers = set().union(*(numbers_in(c) for c in claims)) if claims else set()
    claim_words = set(tokenize(" ".join(claims)))
    sentences = [
        s for line in source_text.splitlines() for s in prose_sentences(line.lstrip("-*• "))
    ]
    scored = []
    for n, sentence in enumerate(sentences):
        shared = 3 * len(numbers_in(sentence) & claim_numbers)
        shared += len(set(tokenize(sentence)) & claim_words)
        if shared:
            scored.append((shared, n))
    best = max((shared for shared, _ in scored), default=0)
    picked: list[int] = []
    length = 0
    for shared, n in sorted(scored, key=lambda x: (-x[0], x[1])):
        if shared * 2 < best or (length + len(sentences[n]) + 1 > limit and picked):
            break
        picked.append(n)
        length += len(sentences[n]) + 1
    text = " ".join(sentences[n] for n in sorted(picked)) if picked else source_text
    return clip(text, limit)
