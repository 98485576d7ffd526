"""Extractive, grounded answer composition: a plan per kind of question over tagged sentences.

1. Candidates: every sentence of the retrieved chunks, and every list whole (its lead-in and its
   items), with the articles each one draws on.
2. Features of each candidate against the question's frame (bot/answering/plan.py) and its
   score by the learned ranker (bot/answering/ranker.py).
3. The lead: the best candidate the kind's plan lets lead (an annual figure for the asked role
   for pay, an hourly one for contracting, the matching list for red flags, a comparison naming
   both roles for a difference...), unless it scores far below the best one.
4. Support: the next best candidates, none shown twice, no figure repeated by its article,
   within the plan's point and length budget; list items ranked and capped.
5. Notes: what the sources do not cover, that they disagree; they follow the lead.

Pure functions: no I/O, no model calls. The caller supplies hits, sentence units and vectors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from bot.answering.frame import Frame
from bot.answering.plan import AnswerPlan, plan_for
from bot.answering.ranker import FEATURES, SentenceRanker, neutral_ranker
from bot.indexing.attribution import attribute
from bot.stores.vectors import UnitRecord
from bot.text import STOPWORDS, clip, is_question, tokenize
from bot.types import ROLE_NAMES, Answer, Chunk, Citation, Hit, Note, Origin, Point, UnitTags
from bot.vocabulary import vocabulary

DECLINE_TEXT = (
    "I don't have sourced guidance on that, so I won't guess. "
    "I can help with hiring AI/ML talent: choosing between an AI engineer, ML engineer, "
    "data scientist and ML scientist; pay ranges and contractor rates; skills and tool stacks; "
    "job descriptions; interview questions; red flags; and industry use cases. "
    "For a guided choice, say *help me pick a role*."
)
MAX_ITEM_CHARS = 320
FIGURE_KINDS = frozenset({"pay", "contracting"})
# sees every composition's candidates and their features (`hirebot train-ranker` collects its
# training rows through it, on the served path)
Trace = Callable[[str, "AnswerPlan", "list[Candidate]", np.ndarray], None]


@dataclass(frozen=True, slots=True)
class ComposerConfig:
    """Limits of the extractive composer and the margins of its plan (set on dev items)."""

    max_points: int = 5
    max_chars: int = 1400
    # support: candidates scoring within this much (log-odds) of the lead
    keep_within: float = 4.0
    # a plan-fitting lead may score at most this much below the best candidate
    lead_margin: float = 2.5
    # a lead should be a sentence the classifier reads as answering the question's kind with
    # at least this probability, when one that the plan lets lead does
    min_lead_topic: float = 0.2
    duplicate_cosine: float = 0.9
    min_chars: int = 25


@dataclass(slots=True)
class Candidate:
    """A sentence, or a whole list, that could be shown."""

    unit: UnitRecord
    chunk: Chunk
    rank: int
    dense: float
    similarity: float
    origins: tuple[Origin, ...] = ()
    items: list[UnitRecord] = field(default_factory=list)
    item_scores: list[float] = field(default_factory=list)
    tags: UnitTags = field(default_factory=UnitTags)
    score: float = 0.0

    @property
    def is_list(self) -> bool:
        """A list lead-in shown with its items."""
        return bool(self.items)

    @property
    def key(self) -> tuple[str, int]:
        """Identity: its chunk and its unit."""
        return (self.chunk.id, self.unit.index)

    def shown(self, max_items: int = 99) -> str:
        """What a reader sees of it, as plain text (the lead-in and its items)."""
        return " ".join([self.unit.text, *(i.text for i in self.items[:max_items])])


def compose_answer(
    question: str,
    hits: Sequence[Hit],
    units: Mapping[str, Sequence[UnitRecord]],
    question_vector: np.ndarray,
    *,
    config: ComposerConfig | None = None,
    kind: str = "",
    uncovered: Sequence[str] = (),
    ranker: SentenceRanker | None = None,
    frame: Frame | None = None,
    trace: Trace | None = None,
    idf: Callable[[str], float] | None = None,
) -> Answer:
    """The structured, cited answer: the lead the kind's plan asks for, then support and notes
    (see the module docstring). `uncovered` are the question's terms the sources do not cover."""
    cfg = config or ComposerConfig()
    frame = replace(frame, kind=kind) if frame is not None else Frame.of(question, kind)
    plan = plan_for(frame.plan_kind)
    candidates = gather(question, hits, units, question_vector, cfg)
    if not candidates:
        return decline(question, hits)
    ranker = ranker or neutral_ranker()
    lines = list_items(candidates)
    matrix = feature_matrix(question, [*candidates, *lines], frame, plan, idf=idf)
    if trace is not None:
        trace(question, plan, [*candidates, *lines], matrix)
    scores = ranker.score(matrix)
    for cand, score in zip([*candidates, *lines], scores, strict=True):
        cand.score = float(score)
    by_key = {line.key: line.score for line in lines}
    for cand in candidates:  # a list's items are ranked by the same model
        cand.item_scores = [by_key[(cand.chunk.id, i.index)] for i in cand.items]
    # a list's single line may lead when it alone answers ('which databases?'); the list then
    # follows as support, without that line
    lead = choose_lead([*candidates, *lines], plan, frame, cfg)
    chosen = [lead, *support(candidates, lead, plan, frame, cfg)]
    answer = render(question, chosen, hits, plan=plan, frame=frame)
    notes = []
    if uncovered:
        answer.uncovered = list(uncovered)
        notes.append(uncovered_note(uncovered, kind=kind, shown=chosen))
    asked_levels = set(frame.levels)
    nearest = kind in FIGURE_KINDS and asked_levels and lead.tags.levels
    if nearest and not asked_levels & set(lead.tags.levels):  # the nearest level leads
        named, given = _join(sorted(asked_levels)), _join(list(lead.tags.levels))
        notes.append(
            Note(
                "level",
                f"The sources give no figures for {named} level; the nearest they give is {given}.",
            )
        )
    asked_roles = set(frame.roles)
    lead_role = set(lead.tags.roles_named[:1] or lead.tags.roles)
    wanted = set(plan.lead_figures) & set(lead.tags.figures)
    if wanted and asked_roles and lead_role and not asked_roles & lead_role:
        figures = _join(sorted(wanted))
        named = _join([ROLE_NAMES.get(r, r) for r in sorted(asked_roles)])
        given = _join([ROLE_NAMES.get(r, r) for r in sorted(lead_role)])
        notes.append(
            Note(
                "role",
                f"The sources give no {figures} figures for the {named} role; "
                f"the nearest they give are for the {given} role.",
            )
        )
    if (
        kind in FIGURE_KINDS
        and len({o.key for c in chosen if c.tags.figures for o in c.origins}) > 1
    ):
        notes.append(
            Note("disagree", "The sources give different figures; each is shown with its source.")
        )
    answer.notes = notes + answer.notes
    answer.kind = kind
    return answer


# ---- candidates ---------------------------------------------------------------------------------


def gather(
    question: str,
    hits: Sequence[Hit],
    units: Mapping[str, Sequence[UnitRecord]],
    question_vector: np.ndarray,
    cfg: ComposerConfig,
) -> list[Candidate]:
    """Every sentence of the hits, and every list once (its lead-in with its items)."""
    out: list[Candidate] = []
    for rank, hit in enumerate(hits):
        records = list(units.get(hit.chunk.id, ()))
        items_of: dict[int, list[UnitRecord]] = {}
        for record in records:
            if record.lead is not None:
                items_of.setdefault(record.lead, []).append(record)
        by_index = {r.index: r for r in records}
        for record in records:
            if record.lead is not None and record.lead in by_index:
                continue  # an item is shown with its list
            items = items_of.get(record.index, [])
            if not items and len(record.text) < cfg.min_chars:
                continue
            sims = [float(np.dot(u.vector, question_vector)) for u in [record, *items]]
            context = [
                r.text
                for r in records
                if r.paragraph == record.paragraph and r.index < record.index
            ]
            lines = [record.text, *(i.text for i in items)]
            origins = tuple(
                dict.fromkeys(
                    o
                    for line in lines
                    for o in attribute(
                        line,
                        context=[record.text, *context] if line != record.text else context,
                        headings=hit.chunk.headings,
                        origins=hit.chunk.origins,
                    )
                )
            )
            out.append(
                Candidate(
                    unit=record,
                    chunk=hit.chunk,
                    rank=rank,
                    dense=hit.dense,
                    similarity=max(sims),
                    origins=origins,
                    items=items,
                    item_scores=sims[1:],
                    tags=_merged_tags(record, items),
                )
            )
    return out


def list_items(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Every item of every list as a candidate of its own (scored to rank the list's lines)."""
    out = []
    for cand in candidates:
        for item, similarity in zip(cand.items, cand.item_scores, strict=True):
            out.append(
                replace(
                    cand, unit=item, similarity=similarity, items=[], item_scores=[], tags=item.tags
                )
            )
    return out


def _merged_tags(lead: UnitRecord, items: Sequence[UnitRecord]) -> UnitTags:
    """A list's tags: its lead-in's topic and form, the roles, levels, regions and figures of
    all its lines."""
    if not items:
        return lead.tags
    every = [lead.tags, *(i.tags for i in items)]

    def union(name: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v for t in every for v in getattr(t, name)))

    return replace(
        lead.tags,
        roles=union("roles"),
        roles_named=union("roles_named"),
        levels=union("levels"),
        regions=union("regions"),
        figures=union("figures"),
    )


_HOW_MANY = re.compile(r"\bhow (?:many|much|long|often)\b|\bwhat (?:percent|share|rate)\b", re.I)
_WHICH_NAMES = re.compile(
    r"\b(?:which|what)\s+(?:\w+\s+)?(?:tools?|librar(?:y|ies)|frameworks?|platforms?|"
    r"languages?|databases?|dbs?|stacks?|vendors?|sites?|marketplaces?|apis?|models?|clouds?)\b",
    re.I,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][A-Za-z0-9+#.-]*[A-Za-z0-9+#]")


def feature_matrix(
    question: str,
    candidates: Sequence[Candidate],
    frame: Frame,
    plan: AnswerPlan,
    *,
    idf: Callable[[str], float] | None = None,
) -> np.ndarray:
    """One row of FEATURES per candidate."""
    q_terms = {t for t in tokenize(question) if t not in STOPWORDS}
    weigh = idf or (lambda _t: 1.0)
    q_weights = {t: weigh(t) for t in q_terms}
    asks = (bool(_HOW_MANY.search(question)), bool(_WHICH_NAMES.search(question)))
    best = max((c.similarity for c in candidates), default=0.0)
    rows = [candidate_features(c, q_terms, q_weights, asks, best, frame, plan) for c in candidates]
    return np.array(rows, dtype=float).reshape(len(candidates), len(FEATURES))


EARLY_WORDS = 35


def first_words(cand: Candidate) -> str:
    """What a reader sees first of a candidate: a sentence, or a list's lead-in and its line
    closest to the question."""
    if not cand.is_list:
        return cand.unit.text
    best = max(zip(cand.items, cand.item_scores, strict=True), key=lambda pair: pair[1])[0]
    return f"{cand.unit.text} {best.text}"


def candidate_features(
    cand: Candidate,
    q_terms: set[str],
    q_weights: Mapping[str, float],
    asks: tuple[bool, bool],
    best: float,
    frame: Frame,
    plan: AnswerPlan,
) -> list[float]:
    """The ranker's features of one candidate (FEATURES order)."""
    tags = cand.tags
    shown = cand.shown(plan.max_items)
    terms = set(tokenize(f"{cand.chunk.heading_path} {shown}"))
    own = set(tokenize(shown))
    early = set(tokenize(" ".join(first_words(cand).split()[:EARLY_WORDS])))
    asked_roles, asked_levels = set(frame.roles), set(frame.levels)
    wanted = set(plan.lead_figures)
    figures = set(tags.figures)
    total = sum(q_weights.values())
    values = {
        "similarity": cand.similarity,
        "similarity_gap": best - cand.similarity,
        "overlap": len(q_terms & terms) / len(q_terms) if q_terms else 0.0,
        "idf_overlap": sum(q_weights[t] for t in q_terms & own) / total if total else 0.0,
        "early_overlap": sum(q_weights[t] for t in q_terms & early) / total if total else 0.0,
        "position": 1.0 / (1 + cand.unit.index),
        "number_wanted": float(asks[0] and any(c.isdigit() for c in shown)),
        "names_wanted": float(asks[1] and len(set(_NAME.findall(shown))) >= 2),
        "chunk_rank": 1.0 / (1 + cand.rank),
        "dense": cand.dense,
        "topic_probability": tags.topics.get(frame.kind, 0.0),
        "topic_is_kind": float(bool(frame.kind) and tags.topic == frame.kind),
        "role_match": float(bool(asked_roles & set(tags.roles))),
        "role_other": float(bool(asked_roles and tags.roles and not asked_roles & set(tags.roles))),
        "role_named": float(bool(asked_roles & set(tags.roles_named))),
        "level_match": float(bool(asked_levels & set(tags.levels))),
        "level_only": float(
            bool(asked_levels and tags.levels) and set(tags.levels) <= asked_levels
        ),
        "level_other": float(
            bool(asked_levels and tags.levels and not asked_levels & set(tags.levels))
        ),
        "region_match": float(frame.region_matches(tags.regions)),
        "region_other": float(
            bool(frame.regions and tags.regions) and not frame.region_matches(tags.regions)
        ),
        "figure_wanted": float(bool(wanted & figures)),
        "figure_missing": float(bool(wanted) and not figures),
        "figure_other": float(bool(figures) and not figures & wanted),
        "lead_form": float(may_lead(cand, plan, frame)),
        "form_meta": float(tags.form == "meta"),
        "form_caveat": float(tags.form == "caveat"),
        "form_absence": float(tags.form == "absence"),
        "form_comparison": float(tags.form == "comparison"),
        "is_list": float(cand.is_list),
        "hirebot_note": float(tags.note),
        "length": min(len(cand.unit.text.split()) / 40, 1.0),
    }
    return [values[name] for name in FEATURES]


# ---- the plan: lead, then support ----------------------------------------------------------------


def may_lead(cand: Candidate, plan: AnswerPlan, frame: Frame) -> bool:
    """Does the kind's plan let this candidate lead? (A figure of the wanted type about the
    asked role, or a sentence saying the sources give none for it; the matching list; a
    comparison naming the asked roles; a form the plan leads with.)"""
    tags = cand.tags
    about_asked = not frame.roles or bool(set(frame.roles) & set(tags.roles))
    if tags.form in plan.never_lead or (tags.note and tags.form != "absence"):
        return False
    if plan.lead_figures:
        if tags.form == "absence":  # saying the sources give none for the role it names
            return about_asked_role(tags, frame) or not frame.roles
        subject = (tags.roles_named or tags.roles)[:1]  # whose figure it is: the role named first
        about_subject = not frame.roles or bool(set(subject) & set(frame.roles))
        return bool(set(plan.lead_figures) & set(tags.figures)) and about_subject
    if plan.list_lead:  # the list, or one of its lines when that line alone answers best
        return (cand.is_list or cand.unit.lead is not None) and about_asked
    if plan.compares and len(frame.roles) >= 2:
        named = set(frame.roles) & set(tags.roles)
        return (tags.form == "comparison" and len(named) >= 2) or len(named) >= 2
    if plan.lead_forms:
        return tags.form in plan.lead_forms and about_asked
    return about_asked


def about_asked_role(tags: UnitTags, frame: Frame) -> bool:
    """The role a sentence names first is one the question asks about."""
    return bool(set(frame.roles) & set(tags.roles_named[:1]))


def may_show_first(cand: Candidate, plan: AnswerPlan, frame: Frame) -> bool:
    """Could this candidate be the first thing shown at all? Not a form that only qualifies an
    answer, not a note about the knowledge; a sentence saying the sources give nothing only
    when the role it names first was asked about (or, for figures, when none was asked)."""
    tags = cand.tags
    if tags.form in plan.never_lead:
        return False
    if tags.form == "absence":
        return about_asked_role(tags, frame) if frame.roles else bool(plan.lead_figures)
    return not tags.note


def choose_lead(
    candidates: Sequence[Candidate], plan: AnswerPlan, frame: Frame, cfg: ComposerConfig
) -> Candidate:
    """The best candidate the plan lets lead, unless it scores more than `lead_margin` below
    the best candidate that may be shown first at all; else that best one."""
    showable = [c for c in candidates if may_show_first(c, plan, frame)]
    pool = showable or list(candidates)
    best = max(pool, key=lambda c: c.score)
    fitting = [c for c in pool if may_lead(c, plan, frame)]
    # what the plan lets lead and the classifier reads as answering this kind, when any does
    on_topic = [c for c in fitting if c.tags.topics.get(frame.kind, 0.0) >= cfg.min_lead_topic]
    fitting = on_topic or fitting
    if plan.lead_figures and frame.roles:
        # the sources give no figure for the asked role: saying so outranks another role's
        asked = set(frame.roles)
        absent = [c for c in fitting if c.tags.form == "absence"]
        figures = [  # a figure whose sentence is about an asked role (the role it names first)
            c
            for c in fitting
            if c.tags.form != "absence"
            and c.tags.roles_named[:1]
            and c.tags.roles_named[0] in asked
        ]
        if absent and not figures:
            return max(absent, key=lambda c: c.score)
    if plan.lead_figures and (frame.levels or frame.regions):
        exact = narrowed(fitting, frame)
        if exact and len(exact) < len(fitting):  # the asked level's (or region's) own figure
            return max(exact, key=lambda c: c.score)
    if fitting:
        top = max(fitting, key=lambda c: c.score)
        if top.score >= best.score - cfg.lead_margin:
            return top
    elif plan.lead_figures:  # none for the asked role: the wanted figure for the nearest one
        other = [c for c in pool if set(plan.lead_figures) & set(c.tags.figures)]
        if other:
            return max(other, key=lambda c: c.score)
    return best


def narrowed(fitting: list[Candidate], frame: Frame) -> list[Candidate]:
    """Figures for the asked level and region first: each narrowing is kept only when some
    candidate survives it (a question for a lead's pay still gets the senior figure)."""
    if frame.levels:
        asked = nearest_levels(frame.levels, [c.tags.levels for c in fitting])
        exact = [c for c in fitting if c.tags.levels and set(c.tags.levels) <= asked]
        fitting = exact or fitting
    if frame.regions:
        fitting = [c for c in fitting if frame.region_matches(c.tags.regions)] or fitting
    return fitting


def support(
    candidates: Sequence[Candidate],
    lead: Candidate,
    plan: AnswerPlan,
    frame: Frame,
    cfg: ComposerConfig,
) -> list[Candidate]:
    """The points after the lead: best first, within `keep_within` of the lead's score, none
    near-duplicate, no article's figure shown twice, one of each list, within the budgets."""
    max_points = min(cfg.max_points, plan.max_points)
    chosen = [lead]
    seen_figures: dict[str, set[int]] = {}
    _note_figures(lead, seen_figures)
    length = len(lead.shown(plan.max_items))
    floor = lead.score - cfg.keep_within
    one_role = set(frame.roles) if len(frame.roles) == 1 and not plan.compares else set()
    for cand in sorted(candidates, key=lambda c: -c.score):
        if len(chosen) >= max_points:
            break
        if cand is lead or cand.score < floor:
            continue
        if one_role and cand.tags.roles and not one_role & set(cand.tags.roles):
            continue  # about another role only: not what was asked
        if any(_same(cand, c, cfg) for c in chosen):
            continue
        articles = {o.key for o in cand.origins} or {cand.chunk.source}
        shown_by_them = set().union(*(seen_figures.get(a, set()) for a in articles))
        if money_figures(cand.unit.text) & shown_by_them:
            continue  # its article's figures are already shown
        if cand.is_list:  # its lines whose figures its article already showed, or about a
            # level nobody asked about (or the nearest one on the scale), are left out
            asked = nearest_levels(frame.levels, [i.tags.levels for i in cand.items])
            kept = [
                (i, sc)
                for i, sc in zip(cand.items, cand.item_scores, strict=True)
                if not money_figures(i.text) & shown_by_them
                and not (asked and i.tags.levels and not asked & set(i.tags.levels))
            ]
            if not kept:
                continue
            cand = replace(cand, items=[i for i, _ in kept], item_scores=[sc for _, sc in kept])
        shown = len(cand.shown(plan.max_items))
        if length + shown > cfg.max_chars:
            continue
        chosen.append(cand)
        _note_figures(cand, seen_figures)
        length += shown
    return chosen[1:]


def _same(a: Candidate, b: Candidate, cfg: ComposerConfig) -> bool:
    """Near-duplicates: the same unit, the same words, or almost the same meaning (a list is
    not a duplicate of one of its own lines: it shows the rest)."""
    if a.chunk.id == b.chunk.id and (a.unit.lead == b.unit.index or b.unit.lead == a.unit.index):
        return False
    if a.key == b.key:
        return True
    if _words_only(a.unit.text) == _words_only(b.unit.text):
        return True
    if a.is_list or b.is_list:  # a list's lead-in says what it lists, not what it shows
        return False
    return float(np.dot(a.unit.vector, b.unit.vector)) > cfg.duplicate_cosine


def _words_only(text: str) -> str:
    """A sentence's words, lower case, without punctuation ('Pay: $160k.' -> 'pay 160k')."""
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _note_figures(cand: Candidate, seen: dict[str, set[int]]) -> None:
    figures = money_figures(cand.shown())
    for article in {o.key for o in cand.origins} or {cand.chunk.source}:
        seen.setdefault(article, set()).update(figures)


_MONEY = re.compile(r"\$\s?(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?([kK]\b|million\b|m\b)?")


def money_figures(text: str) -> set[int]:
    """Dollar amounts in a text, as whole dollars ('$160k' and '$160,000' are the same)."""
    out = set()
    for number, unit in _MONEY.findall(text):
        value = float(number.replace(",", ""))
        scale = {"k": 1_000, "m": 1_000_000, "million": 1_000_000}.get(unit.lower(), 1)
        out.add(round(value * scale))
    return out


# ---- rendering into the structured answer ---------------------------------------------------------


def nearest_levels(asked: Sequence[str], present: Sequence[Sequence[str]]) -> set[str]:
    """The asked levels, or, when no line names one, the levels nearest to them on the scale
    ('new grad' pay gets the entry-level line; 'lead' pay the senior one)."""
    wanted = set(asked)
    named = {level for levels in present for level in levels}
    if not wanted or wanted & named or not named:
        return wanted
    scale = vocabulary()
    rank = {level: scale.level_rank(level) for level in named | wanted}
    distance = {n: min(abs(rank[n] - rank[a]) for a in wanted) for n in named}
    closest = min(distance.values())
    return {n for n, d in distance.items() if d == closest}


def shown_items(cand: Candidate, plan: AnswerPlan, frame: Frame) -> tuple[list[UnitRecord], bool]:
    """A list's items as shown: those about another level than the asked one left out, the
    rest ranked by the ranker's score (the line that answers first) and capped (True when
    some were cut)."""
    items = list(zip(cand.items, cand.item_scores, strict=True))
    if frame.levels:
        asked = nearest_levels(frame.levels, [i.tags.levels for i in cand.items])
        kept = [(i, s) for i, s in items if not i.tags.levels or asked & set(i.tags.levels)]
        items = kept or items
    wanted = set(plan.lead_figures)  # lines stating the figure type the plan wants come first
    ranked = [
        i
        for i, _ in sorted(
            items, key=lambda pair: (not wanted & set(pair[0].tags.figures), -pair[1])
        )
    ]
    return ranked[: plan.max_items], len(ranked) > plan.max_items


def render(
    question: str,
    chosen: Sequence[Candidate],
    hits: Sequence[Hit],
    *,
    plan: AnswerPlan,
    frame: Frame,
) -> Answer:
    """The chosen candidates as points (the first one the lead), each citing its articles."""
    citations: list[Citation] = []
    numbers: dict[tuple[str, str], int] = {}
    quotes: dict[int, list[str]] = {}
    points: list[Point] = []
    shown_units = {c.key for c in chosen if not c.is_list}
    for cand in chosen:
        if cand.is_list:  # a line of it that leads is not shown again under it
            kept = [
                (i, sc)
                for i, sc in zip(cand.items, cand.item_scores, strict=True)
                if (cand.chunk.id, i.index) not in shown_units
            ]
            cand = replace(cand, items=[i for i, _ in kept], item_scores=[sc for _, sc in kept])
        original = "; ".join(o.label for o in cand.origins) or cand.chunk.title
        key = (cand.chunk.source, original)
        if key not in numbers:
            numbers[key] = len(citations) + 1
            citations.append(Citation(cand.chunk.source, cand.chunk.title, original, 0.0, quote=""))
        number = numbers[key]
        items, more = shown_items(cand, plan, frame) if cand.is_list else ([], False)
        text = _sentence(cand.unit.text, is_list=cand.is_list)
        if items and plan.list_lead:
            text = with_item_names(text, items)
        quotes.setdefault(number, []).append(" ".join([text, *(i.text for i in items)]))
        cited = citations[number - 1]
        citations[number - 1] = replace(cited, score=round(max(cited.score, cand.similarity), 4))
        points.append(
            Point(
                text=text,
                citations=(number,),
                items=tuple(clip(i.text.rstrip(";"), MAX_ITEM_CHARS) for i in items),
                more=more,
            )
        )
    sources = [replace(c, quote=clip(" ".join(quotes[n]), 500)) for n, c in enumerate(citations, 1)]
    return Answer(
        question=question,
        grounded=True,
        lead=points[0],
        points=points[1:],
        sources=sources,
        contexts=[h.chunk.text for h in hits],
        hits=list(hits),
    )


MAX_NAME_WORDS = 8


def item_name(text: str) -> str | None:
    """The name an item gives itself before a colon ('Silo mentality: the candidate ...')."""
    name, colon, rest = text.partition(":")
    if not colon or not 3 <= len(name) <= 60 or not rest[:1].isspace() or not rest.strip():
        return None
    return name.strip() if len(name.split()) <= MAX_NAME_WORDS else None


def with_item_names(lead_in: str, items: Sequence[UnitRecord]) -> str:
    """A list's lead-in followed by its items' names, best first ('... red flags: no
    monitoring knowledge; silo mentality; ...'), so the first words a reader sees hold the
    answer; the lead-in alone when the items have no names."""
    names = [item_name(i.text) for i in items]
    if len(items) < 2 or any(n is None for n in names):
        return lead_in
    listed = "; ".join(n[0].lower() + n[1:] if n[1:2].islower() else n for n in names if n)
    return f"{lead_in.rstrip(':').rstrip()}: {listed}."


def _sentence(text: str, *, is_list: bool) -> str:
    """A sentence as shown: a list's lead-in ends in a colon, any other sentence in a stop."""
    text = text.strip()
    if is_list:
        return text.rstrip(":.").rstrip() + ":"
    text = text.rstrip(";,: ")  # a list's line shown on its own ('... for model training;')
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?", ")", "…", '"', "”")) else text + "."


def uncovered_note(terms: Sequence[str], *, kind: str, shown: Sequence[Candidate] = ()) -> Note:
    """One plain line saying what the sources do not cover (and, for figures, which regions
    the figures shown are for)."""
    named = _join([f"*{t}*" for t in terms])
    if kind in FIGURE_KINDS:
        regions = list(dict.fromkeys(r for c in shown if c.tags.figures for r in c.tags.regions))
        where = f"; the nearest figures are for {_join(regions)}" if regions else ""
        return Note(
            "uncovered", f"The sources give no figures for {named}{where}".rstrip(".") + "."
        )
    return Note("uncovered", f"The sources do not mention {named}; the closest guidance is shown.")


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def best_unit_similarity(
    hits: Sequence[Hit], units: Mapping[str, Sequence[UnitRecord]], question_vector: np.ndarray
) -> float:
    """Highest cosine between the question and any sentence of the hits."""
    best = 0.0
    for hit in hits:
        for unit in units.get(hit.chunk.id, ()):
            best = max(best, float(np.dot(unit.vector, question_vector)))
    return best


# ---- combining answers ------------------------------------------------------------------------------


def renumbered(answer: Answer, sources: list[Citation]) -> list[Point]:
    """`answer`'s points citing `sources` (extended in place with the ones it adds)."""
    index = {(c.source, c.original): n for n, c in enumerate(sources, 1)}
    mapping: dict[int, int] = {}
    for n, src in enumerate(answer.sources, 1):
        key = (src.source, src.original)
        if key not in index:
            sources.append(src)
            index[key] = len(sources)
        else:
            merged = sources[index[key] - 1]
            if src.quote and src.quote not in merged.quote:
                sources[index[key] - 1] = replace(
                    merged,
                    quote=clip(f"{merged.quote} {src.quote}", 500),
                    score=max(merged.score, src.score),
                )
        mapping[n] = index[key]
    return [p.renumbered(mapping) for p in answer.all_points]


def merge_answers(answers: Sequence[Answer]) -> Answer:
    """Join the answers to the parts of a compound question: the first covered part's lead
    leads, every other point follows once, citations renumbered; a note for any question part
    that is not covered (an uncovered statement is left out); a decline only if every part is."""
    covered = [a for a in answers if a.grounded]
    hits = _interleave([a.hits for a in answers])
    if not covered:
        return decline(answers[0].question, hits)
    sources: list[Citation] = []
    points: list[Point] = []
    notes: list[Note] = []
    shown: set[str] = set()
    for part in answers:
        if not part.grounded:  # an uncovered aside ("Our job posts get junk.") needs no apology
            if is_question(part.question):
                notes.append(Note("part", f"I have no sourced guidance on: “{part.question}”."))
            continue
        for point in renumbered(part, sources):
            if point.text not in shown:
                shown.add(point.text)
                points.append(point)
        notes += [n for n in part.notes if n not in notes]
    return Answer(
        question=" ".join(a.question for a in answers),
        grounded=True,
        lead=points[0],
        points=points[1:],
        notes=notes,
        sources=sources,
        contexts=[h.chunk.text for h in hits],
        hits=hits,
        note="; ".join(a.note for a in answers),
        uncovered=[t for a in answers for t in a.uncovered],
        kind=covered[0].kind,
    )


@dataclass(frozen=True, slots=True)
class Lead:
    """A direct answer to put first (e.g. the recommended role), with what it cites."""

    text: str
    citations: tuple[Citation, ...] = ()
    role: str | None = None
    confidence: float | None = None


def prepend_lead(answer: Answer, lead: Lead) -> Answer:
    """Put `lead` first: its citations become [1..n], the answer's own points follow it."""
    sources = list(lead.citations)
    points = renumbered(answer, sources) if answer.grounded else []
    first = Point(lead.text, tuple(range(1, len(lead.citations) + 1)))
    return replace(
        answer,
        grounded=True,
        lead=first,
        points=points,
        sources=sources,
        recommended_role=lead.role or answer.recommended_role,
        role_confidence=lead.confidence if lead.role else answer.role_confidence,
    )


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
        grounded=False,
        text=DECLINE_TEXT,
        contexts=[h.chunk.text for h in hits],
        hits=list(hits),
    )
