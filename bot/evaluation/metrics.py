"""Pure evaluation metrics for retrieval, answers and role recommendations."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence

import numpy as np

_DASHES = re.compile(r"[\u2010-\u2015\u2212]")


def normalize(text: str) -> str:
    """Lowercase, unify dashes and whitespace, drop Markdown emphasis: the form facts are matched in."""
    text = _DASHES.sub("-", text.replace("\u00a0", " ")).lower()
    text = re.sub(r"[*_`]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def first_words(text: str, n: int) -> str:
    """The first `n` words a reader sees, markup removed (bullets, emphasis, source numbers)."""
    plain = re.sub(r"\[\d+\]|[•◦*_`>]", " ", text)
    return " ".join(plain.split()[:n])


def fact_present(fact: Sequence[str], text: str) -> bool:
    """A fact (list of acceptable variants) is present when any variant occurs in the text."""
    haystack = normalize(text)
    return any(normalize(v) in haystack for v in fact if v.strip())


def fact_coverage(facts: Sequence[Sequence[str]], text: str) -> float:
    """Share of facts present in the text (1.0 when there are none to find)."""
    if not facts:
        return 1.0
    return sum(fact_present(f, text) for f in facts) / len(facts)


def unique_in_order(items: Sequence[str]) -> list[str]:
    """Deduplicate keeping first occurrences."""
    return list(dict.fromkeys(items))


def recall_at_k(ranked_docs: Sequence[str], groups: Sequence[Sequence[str]], k: int) -> float:
    """Share of gold groups with at least one document in the top k (documents, not chunks)."""
    if not groups:
        return 1.0
    top = set(unique_in_order(ranked_docs)[:k])
    return sum(bool(top & set(g)) for g in groups) / len(groups)


def reciprocal_rank(ranked_docs: Sequence[str], groups: Sequence[Sequence[str]]) -> float:
    """1 / rank of the first gold document (0 when none is retrieved)."""
    gold = {d for g in groups for d in g}
    for rank, doc in enumerate(unique_in_order(ranked_docs), 1):
        if doc in gold:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked_docs: Sequence[str], groups: Sequence[Sequence[str]], k: int) -> float:
    """Binary nDCG@k where a document gains only if it satisfies a not-yet-satisfied group."""
    if not groups:
        return 1.0
    remaining = [set(g) for g in groups]
    dcg = 0.0
    for rank, doc in enumerate(unique_in_order(ranked_docs)[:k], 1):
        for group in remaining:
            if doc in group:
                dcg += 1.0 / math.log2(rank + 1)
                remaining.remove(group)
                break
    ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(len(groups), k) + 1))
    return dcg / ideal


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), 0.0 for no values."""
    return float(np.percentile(np.asarray(values, dtype=float), q)) if values else 0.0


def confusion_matrix(
    pairs: Sequence[tuple[str, str]], labels: Sequence[str]
) -> dict[str, dict[str, int]]:
    """counts[true][predicted] over the given labels."""
    matrix = {t: dict.fromkeys(labels, 0) for t in labels}
    for truth, predicted in pairs:
        if truth in matrix and predicted in matrix[truth]:
            matrix[truth][predicted] += 1
    return matrix


def grounded_share(answer_text: str, contexts: Sequence[str]) -> float:
    """Share of answer sentences whose content is traceable to a retrieved chunk.

    A bullet counts as grounded when every clause (split on ';' and ':') of it, minus citation
    markers, appears in some context after normalisation, or when 90% of its words do."""
    lines = [ln for ln in answer_text.splitlines() if ln.strip().startswith("•")]
    if not lines:
        return 1.0
    joined = [normalize(c) for c in contexts]
    all_words = set(re.findall(r"[a-z0-9$%.,-]+", " ".join(joined)))
    grounded = 0
    for line in lines:
        body = re.sub(r"\[\d+\]", "", line.strip().lstrip("•")).strip()
        clauses = [normalize(c).strip(" .") for c in re.split(r"[;:]", body) if c.strip(" .")]
        if clauses and all(any(c in ctx for ctx in joined) for c in clauses):
            grounded += 1
            continue
        words = re.findall(r"[a-z0-9$%.,-]+", normalize(body))
        if (
            words
            and sum(w.strip(".,") in all_words or w in all_words for w in words) / len(words) >= 0.9
        ):
            grounded += 1
    return grounded / len(lines)


def brier_score(probabilities: np.ndarray, labels: Sequence[int]) -> float:
    """Multi-class Brier score: mean squared distance of each probability row from the one-hot
    truth (0 is perfect; always predicting the uniform 1/4 over four roles scores 0.75)."""
    p = np.asarray(probabilities, dtype=float)
    if not len(p):
        return 0.0
    truth = np.zeros_like(p)
    truth[np.arange(len(p)), np.asarray(labels)] = 1.0
    return float(np.mean(np.sum((p - truth) ** 2, axis=1)))


RELIABILITY_EDGES = (0.0, 0.5, 2 / 3, 0.8, 0.9, 0.95, 1.0)


def reliability_table(
    confidences: Sequence[float],
    correct: Sequence[bool],
    edges: Sequence[float] = RELIABILITY_EDGES,
) -> list[dict[str, float]]:
    """Per confidence bin (lo, hi]: how many predictions, their mean confidence and how often they
    were right; a calibrated model has accuracy close to confidence in every bin."""
    conf = np.asarray(confidences, dtype=float)
    hits = np.asarray(correct, dtype=float)
    rows = []
    for lo, hi in itertools.pairwise(edges):
        inside = (conf > lo) & (conf <= hi) if lo > 0 else (conf >= lo) & (conf <= hi)
        n = int(inside.sum())
        rows.append(
            {
                "lo": float(lo),
                "hi": float(hi),
                "n": float(n),
                "confidence": float(conf[inside].mean()) if n else 0.0,
                "accuracy": float(hits[inside].mean()) if n else 0.0,
            }
        )
    return rows


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool]) -> float:
    """Mean |accuracy - confidence| over the reliability bins, weighted by their sizes."""
    rows = reliability_table(confidences, correct)
    total = sum(r["n"] for r in rows)
    if not total:
        return 0.0
    return float(sum(r["n"] * abs(r["accuracy"] - r["confidence"]) for r in rows) / total)


def wilson_interval(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a rate (successes out of n); (0, 1) when n is 0."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))
