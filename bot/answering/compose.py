"""Extractive, grounded answer composition: pick the best sentences of retrieved chunks and cite them.

Pure functions: no I/O, no model calls. The caller supplies hits, sentence units and vectors.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from bot.indexing.attribution import attribute
from bot.stores.vectors import UnitRecord
from bot.text import (
    clip,
    is_question,
    roles_implied,
    roles_mentioned,
    seniority_levels,
    tokenize,
)
from bot.types import Answer, Chunk, Citation, Hit, Origin

DECLINE_TEXT = (
    "I don't have sourced guidance on that, so I won't guess. "
    "I can help with hiring AI/ML talent: choosing between an AI engineer, ML engineer, "
    "data scientist and ML scientist; pay ranges and contractor rates; skills and tool stacks; "
    "job descriptions; interview questions; red flags; and industry use cases. "
    "For a guided choice, say *help me pick a role*."
)
_FIGURE = re.compile(r"\$\s?\d|\d\s?%|\b\d{2,3}(?:,\d{3})+\b|\b\d+\s?(?:k|K)\b|\b\d+x\b")
_PAY_WORDS = re.compile(
    r"\b(pay|paid|salar\w*|earn\w*|compensation|comp|cost\w*|budget\w*|rates?|wages?|"
    r"how much|hourly|make\b|offer\w*)",
    re.IGNORECASE,
)
_NUMBER_WORDS = re.compile(
    r"\b(how many|how much|percent\w*|what share|figure|statistic\w*)\b", re.I
)
MAX_LIST_ITEMS = 7
MAX_ITEM_CHARS = 320
LIST_INDENT = "      "
_LEVELS = re.compile(r"\b(senior|junior|entry[- ]level|mid[- ]level|lead|principal|staff)\b", re.I)


@dataclass(frozen=True, slots=True)
class ComposerConfig:
    """Weights and limits of the extractive composer (tuned with `hirebot eval`)."""

    max_points: int = 4
    max_chars: int = 1100
    similarity_weight: float = 0.7
    overlap_weight: float = 0.3
    chunk_weight: float = 0.15
    figure_bonus: float = 0.12
    role_bonus: float = 0.06
    keep_within: float = 0.16
    duplicate_cosine: float = 0.9
    min_chars: int = 25


@dataclass(slots=True)
class _Candidate:
    unit: UnitRecord
    chunk: Chunk
    score: float
    similarity: float
    origins: tuple[Origin, ...] = ()
    lead_text: str | None = None
    items: list[UnitRecord] = field(default_factory=list)


def asks_for_figures(question: str) -> bool:
    """True for questions about pay, cost, rates or other numbers."""
    return bool(_PAY_WORDS.search(question) or _NUMBER_WORDS.search(question))


def compose_answer(
    question: str,
    hits: Sequence[Hit],
    units: Mapping[str, Sequence[UnitRecord]],
    question_vector: np.ndarray,
    *,
    config: ComposerConfig | None = None,
    kind: str = "",
    uncovered: Sequence[str] = (),
) -> Answer:
    """Pick the most relevant sentences of the hits (no duplicates, no repeated figures, none
    about a role the question did not ask about), lead with the best one, and cite each with
    the original article it comes from. `kind` is what the question asks (the classifier's
    label); `uncovered` are its terms the sources do not cover, named in a note first."""
    cfg = config or ComposerConfig()
    candidates = score_units(question, hits, units, question_vector, cfg)
    candidates = about_asked_roles(question, candidates, kind=kind)
    chosen = select(candidates, cfg, levels=seniority_levels(question))
    if not chosen:
        return decline(question, hits)
    answer = render(question, chosen, hits)
    if uncovered:
        answer.uncovered = list(uncovered)
        answer.answer = uncovered_note(uncovered, kind=kind) + "\n" + answer.answer
    return answer


def uncovered_note(terms: Sequence[str], *, kind: str) -> str:
    """One plain line saying what the sources do not cover, before what they do."""
    named = _join([f"*{t}*" for t in terms])
    if kind == "pay":
        return (
            f"_The sources give no figures for {named}; the closest figures they give are below._"
        )
    return f"_The sources do not mention {named}; here is the closest guidance they give._"


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def about_asked_roles(
    question: str, candidates: Sequence[_Candidate], *, kind: str
) -> list[_Candidate]:
    """Drop sentences about other roles when the question asks about one role (not when it
    compares roles); keep everything if nothing would be left."""
    asked = roles_implied(question)
    if len(asked) != 1 or kind == "role_difference":
        return list(candidates)
    kept = [
        c
        for c in candidates
        if not (roles := roles_mentioned(f"{c.chunk.heading_path} {_sentence_for(c)}"))
        or roles & asked
    ]
    return kept or list(candidates)


def best_unit_similarity(
    hits: Sequence[Hit], units: Mapping[str, Sequence[UnitRecord]], question_vector: np.ndarray
) -> float:
    """Highest cosine between the question and any sentence of the hits."""
    best = 0.0
    for hit in hits:
        for unit in units.get(hit.chunk.id, ()):
            best = max(best, float(np.dot(unit.vector, question_vector)))
    return best


def score_units(
    question: str,
    hits: Sequence[Hit],
    units: Mapping[str, Sequence[UnitRecord]],
    question_vector: np.ndarray,
    cfg: ComposerConfig,
) -> list[_Candidate]:
    """Score every sentence unit of the hits against the question."""
    q_terms = set(tokenize(question))
    wants_figures = asks_for_figures(question)
    q_roles = roles_implied(question)
    q_levels = {m.lower() for m in _LEVELS.findall(question)}
    out: list[_Candidate] = []
    for hit in hits:
        records = list(units.get(hit.chunk.id, ()))
        by_index = {r.index: r for r in records}
        for record in records:
            lead = by_index.get(record.lead) if record.lead is not None else None
            text = record.text if lead is None else f"{lead.text} {record.text}"
            if len(record.text) < cfg.min_chars and lead is None:
                continue
            similarity = float(np.dot(record.vector, question_vector))
            terms = set(tokenize(f"{hit.chunk.heading_path} {text}"))
            overlap = len(q_terms & terms) / len(q_terms) if q_terms else 0.0
            score = (
                cfg.similarity_weight * similarity
                + cfg.overlap_weight * overlap
                + cfg.chunk_weight * hit.dense
            )
            has_figure = bool(_FIGURE.search(record.text))
            if wants_figures:
                score += cfg.figure_bonus if has_figure else -cfg.figure_bonus / 2
            context_text = f"{hit.chunk.heading_path} {text}"
            unit_roles = roles_mentioned(context_text)
            if q_roles and unit_roles:  # about the asked role: up; another role: down
                if unit_roles <= q_roles:
                    score += cfg.role_bonus
                elif not unit_roles & q_roles:
                    score -= cfg.role_bonus
            if q_levels and any(level in text.lower() for level in q_levels):
                score += cfg.role_bonus / 2
            context = [
                r.text
                for r in records
                if r.paragraph == record.paragraph and r.index < record.index
            ]
            origins = attribute(
                record.text, context=context, headings=hit.chunk.headings, origins=hit.chunk.origins
            )
            list_lead = lead if lead is not None else record
            items = [r for r in records if r.lead is not None and r.lead == list_lead.index]
            if items:  # a list is shown whole, so it cites every article its lines name
                shown = [list_lead.text, *(i.text for i in items)]
                named = [
                    o
                    for line in shown
                    for o in attribute(
                        line,
                        context=[list_lead.text],
                        headings=hit.chunk.headings,
                        origins=hit.chunk.origins,
                    )
                ]
                origins = tuple(dict.fromkeys(named))
            out.append(
                _Candidate(
                    unit=record,
                    chunk=hit.chunk,
                    score=score,
                    similarity=similarity,
                    origins=origins,
                    lead_text=None if lead is None else lead.text,
                    items=items,
                )
            )
    return out


def select(
    candidates: Sequence[_Candidate], cfg: ComposerConfig, *, levels: Collection[str] = ()
) -> list[_Candidate]:
    """Greedy pick by score within `keep_within` of the best: no near-duplicates, no figures
    shown twice, one point per list (showing only its lines with something new, and none about
    another seniority level than `levels`, the ones asked about), and a length budget on what
    will actually be shown."""
    ranked = sorted(candidates, key=lambda c: -c.score)
    if not ranked:
        return []
    floor = ranked[0].score - cfg.keep_within
    chosen: list[_Candidate] = []
    seen_text: set[str] = set()
    seen_figures: dict[str, set[int]] = {}  # per article: a source never repeats its figures
    lists: set[tuple[str, int]] = set()
    length = 0
    for cand in ranked:
        if cand.score < floor or len(chosen) >= cfg.max_points:
            break
        articles = {o.key for o in cand.origins} or {cand.chunk.source}
        shown_by_them = set().union(*(seen_figures.get(a, set()) for a in articles))
        if cand.items:
            cand.items = [
                i
                for i in cand.items
                if not (money_figures(i.text) and money_figures(i.text) <= shown_by_them)
                and not _about_other_levels(i.text, levels)
            ]
            if not cand.items:
                continue
        figures = money_figures(_sentence_for(cand))
        if figures & shown_by_them:
            continue  # its article's figures are already shown
        key = re.sub(r"\W+", " ", cand.unit.text.lower()).strip()
        list_key = (
            cand.chunk.id,
            cand.unit.lead if cand.unit.lead is not None else cand.unit.index,
        )
        if key in seen_text or (cand.items and list_key in lists):
            continue
        if any(
            float(np.dot(cand.unit.vector, c.unit.vector)) > cfg.duplicate_cosine for c in chosen
        ):
            continue
        shown = len(_sentence_for(cand))
        if length + shown > cfg.max_chars and chosen:
            continue
        chosen.append(cand)
        seen_text.add(key)
        for article in articles:
            seen_figures.setdefault(article, set()).update(figures)
        if cand.items:
            lists.add(list_key)
        length += shown
    return chosen


def _about_other_levels(text: str, levels: Collection[str]) -> bool:
    """True when `text` names seniority levels, none of them asked about."""
    named = seniority_levels(text)
    return bool(levels and named and not named & set(levels))


_MONEY = re.compile(r"\$\s?(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?([kK]\b|million\b|m\b)?")


def money_figures(text: str) -> set[int]:
    """Dollar amounts in a text, as whole dollars ('$160k' and '$160,000' are the same)."""
    out = set()
    for number, unit in _MONEY.findall(text):
        value = float(number.replace(",", ""))
        scale = {"k": 1_000, "m": 1_000_000, "million": 1_000_000}.get(unit.lower(), 1)
        out.add(round(value * scale))
    return out


def render(question: str, chosen: Sequence[_Candidate], hits: Sequence[Hit]) -> Answer:
    """Lead with the best sentence, then the rest by relevance, as cited Slack mrkdwn bullets."""
    ordered = list(chosen)
    groups: list[list[_Candidate]] = []
    listed: set[tuple[str, int]] = set()
    for cand in ordered:
        list_key = (
            cand.chunk.id,
            cand.unit.lead if cand.unit.lead is not None else cand.unit.index,
        )
        if cand.items and list_key in listed:
            continue  # its list is already shown in full
        if cand.items:
            listed.add(list_key)
        groups.append([cand])
    citations: list[Citation] = []
    keys: dict[tuple[str, str], int] = {}
    quotes: dict[int, list[str]] = {}
    lines: list[str] = []
    originals_seen: set[str] = set()
    figures_from: set[str] = set()
    for group in groups:
        first = group[0]
        original = "; ".join(o.label for o in first.origins) or first.chunk.title
        key = (first.chunk.source, original)
        if key not in keys:
            keys[key] = len(citations) + 1
            citations.append(
                Citation(
                    source=first.chunk.source,
                    title=first.chunk.title,
                    original=original,
                    score=round(max(c.similarity for c in group), 4),
                    quote="",
                )
            )
        number = keys[key]
        sentence = _sentence_for(first)
        quotes.setdefault(number, []).append(sentence)
        head, _, rest = sentence.partition("\n")
        lines.append(f"• {head} [{number}]" + (f"\n{rest}" if rest else ""))
        originals_seen.add(original)
        if _FIGURE.search(sentence):
            figures_from.add(original)

    sources = [
        Citation(
            source=c.source,
            title=c.title,
            original=c.original,
            score=c.score,
            quote=clip(" ".join(quotes[i + 1]), 500),
        )
        for i, c in enumerate(citations)
    ]
    header = ""
    if asks_for_figures(question) and len(figures_from) > 1:
        header = "_The sources give different figures; each is shown with its source._\n"
    return Answer(
        question=question,
        answer=header + "\n".join(lines),
        grounded=True,
        sources=sources,
        contexts=[h.chunk.text for h in hits],
        hits=list(hits),
    )


def _sentence_for(cand: _Candidate) -> str:
    """A sentence as shown: list leads and list items come with their whole (short) list."""
    if not cand.items:
        text = cand.unit.text
        return text if text.endswith((".", "!", "?", ")", "…")) else text + "."
    lead = cand.lead_text if cand.lead_text is not None else cand.unit.text
    shown = cand.items[:MAX_LIST_ITEMS]
    lines = [f"{lead.rstrip(':').rstrip()}:"]
    lines += [f"{LIST_INDENT}◦ {clip(i.text.rstrip(';'), MAX_ITEM_CHARS)}" for i in shown]
    if len(cand.items) > MAX_LIST_ITEMS:
        lines.append(f"{LIST_INDENT}◦ …")
    return "\n".join(lines)


def merge_answers(answers: Sequence[Answer]) -> Answer:
    """Join the answers to the parts of a compound question: one list of points, citations
    renumbered, a note for any question part that is not covered (an uncovered statement is
    left out); a decline only if every part is."""
    covered = [a for a in answers if a.grounded]
    hits = _interleave([a.hits for a in answers])
    if not covered:
        return decline(answers[0].question, hits)
    sources: list[Citation] = []
    index: dict[tuple[str, str], int] = {}
    lines: list[str] = []
    shown: set[str] = set()
    for part in answers:
        if not part.grounded:  # an uncovered aside ("Our job posts get junk.") needs no apology
            if is_question(part.question):
                lines.append(f"_(I have no sourced guidance on: “{part.question}”.)_")
            continue
        mapping: dict[int, int] = {}
        for n, src in enumerate(part.sources, 1):
            key = (src.source, src.original)
            if key not in index:
                sources.append(src)
                index[key] = len(sources)
            else:
                merged = sources[index[key] - 1]
                if src.quote not in merged.quote:
                    sources[index[key] - 1] = replace(
                        merged,
                        quote=clip(f"{merged.quote} {src.quote}", 500),
                        score=max(merged.score, src.score),
                    )
            mapping[n] = index[key]
        text = _renumber(part.answer, mapping)
        for line in text.splitlines():
            bare = re.sub(r"\s*\[\d+\]$", "", line).strip()
            if bare and bare not in shown:
                shown.add(bare)
                lines.append(line)
    return Answer(
        question=" ".join(a.question for a in answers),
        answer="\n".join(lines),
        grounded=True,
        sources=sources,
        contexts=[h.chunk.text for h in hits],
        hits=hits,
        note="; ".join(a.note for a in answers),
    )


@dataclass(frozen=True, slots=True)
class Lead:
    """A direct answer to put first (e.g. the recommended role), with what it cites."""

    text: str
    citations: tuple[Citation, ...] = ()
    role: str | None = None
    confidence: float | None = None


def prepend_lead(answer: Answer, lead: Lead) -> Answer:
    """Put `lead` first: its citations become [1..n] and the answer's own move up after them."""
    sources = list(lead.citations)
    index = {(c.source, c.original): n for n, c in enumerate(sources, 1)}
    mapping: dict[int, int] = {}
    for n, src in enumerate(answer.sources, 1):
        key = (src.source, src.original)
        if key not in index:
            sources.append(src)
            index[key] = len(sources)
        mapping[n] = index[key]
    marks = "".join(f" [{n}]" for n in range(1, len(lead.citations) + 1))
    body = _renumber(answer.answer, mapping)
    notes = [line for line in body.splitlines() if line.startswith("_")]
    rest = [line for line in body.splitlines() if not line.startswith("_")]
    lines = [*notes, f"{lead.text}{marks}", *rest]
    return replace(
        answer,
        answer="\n".join(lines),
        sources=sources,
        recommended_role=lead.role or answer.recommended_role,
        role_confidence=lead.confidence if lead.role else answer.role_confidence,
    )


def _renumber(text: str, mapping: dict[int, int]) -> str:
    """Rewrite citation markers [n] -> [mapping[n]]."""
    return re.sub(r"\[(\d+)\]", lambda m: f"[{mapping.get(int(m.group(1)), m.group(1))}]", text)


def _interleave(lists: Sequence[Sequence[Hit]]) -> list[Hit]:
    seen: set[str] = set()
    out: list[Hit] = []
    for rank in range(max((len(x) for x in lists), default=0)):
        for hits in lists:
            if rank < len(hits) and hits[rank].chunk.id not in seen:
                seen.add(hits[rank].chunk.id)
                out.append(hits[rank])
    return out


def decline(question: str, hits: Sequence[Hit] = ()) -> Answer:
    """A plain 'not covered' answer with a hint of what the bot can help with."""
    return Answer(
        question=question,
        answer=DECLINE_TEXT,
        grounded=False,
        sources=[],
        contexts=[h.chunk.text for h in hits],
        hits=list(hits),
    )
