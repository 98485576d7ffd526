"""Fitting the relation model: the labelled pairs of `bot/data/relations.yaml` (an independent
author), plus pairs read off the dev threads whose relation their set states plainly; the
regularisation picked by 5-fold cross-validation; never the test halves."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.answering.frame import Frame, says_new_topic
from bot.answering.relation import (
    CUES,
    Pair,
    RelationModel,
    cues,
    fingerprint,
    load_pairs,
)
from bot.conversation import Conversations
from bot.evaluation.harness import load_conversations

C_GRID = (0.03, 0.1, 0.3, 1.0)
FOLDS = 5
THREAD_SETS = "conversations*.yaml"
# what a dev thread's kind says about its second turn
VARIANT_KINDS = frozenset(
    {"role_switch", "narrowing_industry", "narrowing_seniority", "location", "contract"}
)
SAME_SUBJECT_KINDS = frozenset({"pronoun", "after_recommendation"})


def thread_pairs(evals_dir: Path) -> list[Pair]:
    """Pairs from the dev threads: a marked topic change, an unmarked one (standalone), and the
    second turn of threads whose kind names its relation."""
    out: list[Pair] = []
    for path in sorted(evals_dir.glob(THREAD_SETS)):
        for thread in load_conversations(path):
            if thread.split != "dev":
                continue
            for n, turn in enumerate(thread.turns[1:], 1):
                before = thread.turns[n - 1]
                previous = before.rewrite or before.question
                if turn.new_topic:
                    relation = "new_topic" if says_new_topic(turn.question) else "standalone"
                elif n == 1 and thread.kind in VARIANT_KINDS:
                    relation = "variant"
                elif n == 1 and thread.kind in SAME_SUBJECT_KINDS:
                    relation = "same_subject"
                else:
                    continue
                out.append(Pair(previous, turn.question, relation))
    return out


def training_pairs(evals_dir: Path) -> list[Pair]:
    """Every pair the model is fitted on."""
    return load_pairs() + thread_pairs(evals_dir)


@dataclass
class RelationRun:
    """A fitted model and what choosing it measured."""

    model: RelationModel
    search: dict[float, float]
    pairs: int


def features(pairs: list[Pair], conversations: Conversations) -> tuple[np.ndarray, list[str]]:
    """[cues, message embedding] of every pair, read as the front door reads messages."""
    qa = conversations.qa
    embedder = qa.retriever.embedder
    texts = [t for p in pairs for t in (p.message, p.previous)]
    vectors = embedder.embed(texts)
    kinds = qa.classifier.classify_many(texts, vectors=vectors)
    rows = []
    for n, pair in enumerate(pairs):
        message_vec, previous_vec = vectors[2 * n], vectors[2 * n + 1]
        own, before = kinds[2 * n], kinds[2 * n + 1]
        places = conversations.places.find(pair.message) if conversations.places else []
        message = Frame.read(pair.message, own.label, places=places)
        previous = Frame.read(pair.previous, before.label)
        cue = cues(
            message,
            previous,
            cosine=float(np.dot(message_vec, previous_vec)),
            in_scope=own.in_scope_probability,
        )
        rows.append(np.concatenate([np.array(cue), message_vec]))
    return np.array(rows), [p.relation for p in pairs]


def cross_validate(x: np.ndarray, y: list[str], c: float, *, seed: int = 0) -> float:
    """Accuracy over FOLDS stratified folds."""
    from sklearn.model_selection import StratifiedKFold

    labels = np.array(y)
    hits = 0
    splitter = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    for train, test in splitter.split(x, labels):
        model = RelationModel.fit(x[train], list(labels[train]), c=c)
        guesses = model.probabilities(x[test]).argmax(axis=1)
        from bot.answering.frame import RELATIONS

        hits += sum(RELATIONS[g] == t for g, t in zip(guesses, labels[test], strict=True))
    return hits / len(labels)


def train(evals_dir: Path, conversations: Conversations) -> RelationRun:
    """Collect the pairs, pick C, fit on all of them, stamp the artifact."""
    pairs = training_pairs(evals_dir)
    x, y = features(pairs, conversations)
    search = {c: cross_validate(x, y, c) for c in C_GRID}
    best = max(search, key=lambda c: search[c])
    model = RelationModel.fit(x, y, c=best)
    model.meta = {
        "fingerprint": fingerprint(pairs, conversations.qa.retriever.embedder.name),
        "c": best,
        "pairs": len(pairs),
        "cv_accuracy": round(search[best], 4),
        "features": f"{len(CUES)} cues + the message embedding",
        "trained_on": "bot/data/relations.yaml and the dev threads (evals/conversations*.yaml)",
    }
    return RelationRun(model, search, len(pairs))


def is_fresh(model: RelationModel, evals_dir: Path, embedder: str) -> bool:
    """True when the artifact was fitted on exactly these pairs with this embedder."""
    return model.meta.get("fingerprint") == fingerprint(training_pairs(evals_dir), embedder)


def format_run(run: RelationRun) -> str:
    """What `hirebot train-relations` prints."""
    lines = [f"{run.pairs} labelled pairs", "C      cross-validated accuracy"]
    lines += [f"{c:<6} {acc:.3f}" for c, acc in run.search.items()]
    return "\n".join(lines)
