"""Fitting the sentence ranker on the dev halves of the eval sets (never the test halves).

Every dev question goes through the front door as users' questions do; the composer's trace
hands over each candidate (a sentence, or a list) with its features. A candidate is positive
when what it shows holds one of the item's expected facts (for the lead set: the facts the
answer must lead with). The regularisation is picked by 5-fold cross-validation grouped by
question, on how often the top-scored candidate holds a fact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.answering.compose import Candidate, first_words
from bot.answering.plan import AnswerPlan
from bot.answering.ranker import FEATURES, SentenceRanker, fingerprint
from bot.conversation import Conversations
from bot.evaluation import metrics
from bot.evaluation.harness import LEAD_WORDS, QAItem, load_leads, load_qa

# (file, loader) of the sets whose dev halves train the ranker
TRAIN_SETS = ("qa.yaml", "realistic_qa.yaml", "leads.yaml")
C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)
FOLDS = 5
# role-choice answers lead with the recommender's pick, not with a ranked sentence
SKIPPED_KINDS = frozenset({"role_choice", "deciding"})


@dataclass
class TrainingRows:
    """Candidates of every dev question: features, labels, and the question each belongs to."""

    features: np.ndarray
    labels: np.ndarray
    groups: np.ndarray
    items: int


def training_items(evals_dir: Path) -> list[QAItem]:
    """The in-scope dev items of every training set present. (The dev threads' rewrites were
    tried too: they made the fit worse on these sets' kinds of question, so they are left out.)"""
    items: list[QAItem] = []
    for name in TRAIN_SETS:
        path = evals_dir / name
        if not path.exists():
            continue
        loaded = load_leads(path) if name == "leads.yaml" else load_qa(path, topics=None)
        items += [i for i in loaded if i.split == "dev" and i.in_scope]
    unique = {i.question.strip().lower(): i for i in items}  # a rewrite asked twice counts once
    return [i for i in unique.values() if i.topic not in SKIPPED_KINDS]


def item_rows(items: Sequence[QAItem]) -> list[dict[str, object]]:
    """What the ranker is fitted on, for its fingerprint."""
    return [
        {"id": i.id, "question": i.question, "facts": [list(f) for f in i.leading_facts]}
        for i in items
    ]


def collect(items: Sequence[QAItem], conversations: Conversations) -> TrainingRows:
    """Ask every item through the front door and label the candidates of its (first) answer."""
    qa = conversations.qa
    seen: list[tuple[AnswerPlan, list[Candidate], np.ndarray]] = []

    def trace(question: str, plan: AnswerPlan, cands: list[Candidate], matrix: np.ndarray) -> None:
        seen.append((plan, list(cands), matrix))

    rows, labels, groups = [], [], []
    qa.trace = trace
    try:
        for n, item in enumerate(items):
            seen.clear()
            conversations.respond(conversation=None, user="train-ranker", text=item.question)
            if not seen:
                continue
            _plan, cands, matrix = seen[0]
            for cand, row in zip(cands, matrix, strict=True):
                rows.append(row)
                shown = first_shown(cand)
                labels.append(int(any(metrics.fact_present(f, shown) for f in item.leading_facts)))
                groups.append(n)
    finally:
        qa.trace = None
    return TrainingRows(
        np.array(rows, dtype=float).reshape(len(rows), len(FEATURES)),
        np.array(labels),
        np.array(groups),
        len(items),
    )


def first_shown(cand: Candidate) -> str:
    """The first words a reader would see of a candidate leading an answer."""
    return " ".join(first_words(cand).split()[:LEAD_WORDS])


def top1(ranker: SentenceRanker, rows: TrainingRows, mask: np.ndarray) -> float:
    """Share of the questions in `mask` whose top-scored candidate holds a fact."""
    scores = ranker.score(rows.features[mask])
    labels, groups = rows.labels[mask], rows.groups[mask]
    hits = []
    for group in np.unique(groups):
        at = groups == group
        if labels[at].any():
            hits.append(labels[at][int(np.argmax(scores[at]))])
    return float(np.mean(hits)) if hits else 0.0


def cross_validate(rows: TrainingRows, c: float, *, seed: int = 0) -> float:
    """Top-1 hit rate over FOLDS folds of questions (each question's candidates together)."""
    questions = np.unique(rows.groups)
    order = np.random.default_rng(seed).permutation(questions)
    folds = np.array_split(order, FOLDS)
    rates = []
    for fold in folds:
        held = np.isin(rows.groups, fold)
        if not rows.labels[~held].any() or rows.labels[~held].all():
            continue
        ranker = SentenceRanker.fit(
            rows.features[~held], rows.labels[~held], rows.groups[~held], c=c
        )
        rates.append(top1(ranker, rows, held))
    return float(np.mean(rates)) if rates else 0.0


@dataclass
class RankerRun:
    """A fitted ranker and what choosing it measured."""

    ranker: SentenceRanker
    search: dict[float, float]
    rows: TrainingRows


def train(items: Sequence[QAItem], conversations: Conversations) -> RankerRun:
    """Collect rows, pick C by grouped cross-validation, fit on every row, stamp the artifact."""
    rows = collect(items, conversations)
    search = {c: cross_validate(rows, c) for c in C_GRID}
    best = max(search, key=lambda c: search[c])
    ranker = SentenceRanker.fit(rows.features, rows.labels, rows.groups, c=best)
    ranker.meta = {
        "fingerprint": fingerprint(item_rows(items)),
        "c": best,
        "questions": rows.items,
        "candidates": len(rows.labels),
        "positives": int(rows.labels.sum()),
        "cv_top1": round(search[best], 4),
        "trained_on": "dev halves of " + ", ".join(TRAIN_SETS),
    }
    return RankerRun(ranker, search, rows)


def is_fresh(ranker: SentenceRanker, items: Sequence[QAItem]) -> bool:
    """True when the artifact was fitted on exactly these dev items and features."""
    return ranker.meta.get("fingerprint") == fingerprint(item_rows(items))


def format_run(run: RankerRun) -> str:
    """What `hirebot train-ranker` prints: the search, the weights."""
    lines = [
        f"{run.rows.items} dev questions, {len(run.rows.labels)} candidates "
        f"({int(run.rows.labels.sum())} holding a fact)",
        "C      cross-validated top-1 (a fact in the best-scored candidate)",
    ]
    lines += [f"{c:<6} {rate:.3f}" for c, rate in run.search.items()]
    lines.append("weights (standardised features):")
    ranked = sorted(zip(FEATURES, run.ranker.weights, strict=True), key=lambda fw: -abs(fw[1]))
    lines += [f"  {name:<20} {weight:+.3f}" for name, weight in ranked]
    return "\n".join(lines)
