"""The learned sentence ranker: how likely a candidate sentence (or list) holds what was asked.

A linear model over features of a candidate and the question's frame (similarity, word overlap,
chunk rank, tag matches, form, figures), fitted listwise by `hirebot train-ranker` on the dev
halves of the eval sets only: per question, the softmax of its candidates' scores is pushed
towards the candidates that show one of the item's expected facts first. The weights are a JSON artifact (`bot/data/sentence_ranker.json`) with a
fingerprint of the data they were fitted on; a test fails while it is stale.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.errors import ConfigError

DEFAULT_ARTIFACT = Path(__file__).resolve().parents[1] / "data" / "sentence_ranker.json"
FORMAT = 1
FEATURES: tuple[str, ...] = (
    "similarity",  # cosine of the question and the sentence (its best line, for a list)
    "similarity_gap",  # how far below the best candidate's similarity
    "overlap",  # share of the question's content words in the sentence and its headings
    "idf_overlap",  # the same, each word weighted by how telling it is (idf), sentence only
    "early_overlap",  # idf-weighted overlap with the first words a reader would see of it
    "position",  # 1 / (1 + its place in its chunk): sections open with what they are about
    "number_wanted",  # the question asks how many / much / long and it states a number
    "names_wanted",  # the question asks which tools, libraries... and it names several
    "chunk_rank",  # 1 / (1 + rank of its chunk among the hits)
    "dense",  # its chunk's dense similarity
    "topic_probability",  # the classifier's probability that it answers the question's kind
    "topic_is_kind",  # its most likely kind is the question's
    "role_match",  # it is about a role the question asks about
    "role_other",  # it is about other roles only
    "role_named",  # it names an asked role itself (not only through its heading)
    "level_match",
    "level_only",  # every level it names is one asked about
    "level_other",
    "region_match",
    "region_other",
    "figure_wanted",  # it states a figure of the type the plan wants
    "figure_missing",  # the plan wants a figure and it states none
    "figure_other",  # it states figures of another type only
    "lead_form",  # its form is one the plan lets lead
    "form_meta",  # a note about the knowledge itself
    "form_caveat",
    "form_absence",  # says a source gives nothing on it
    "form_comparison",
    "is_list",
    "hirebot_note",
    "length",  # words / 40, capped at 1
)


def fingerprint(rows: list[dict[str, Any]]) -> str:
    """Hash of the training data (items, their facts) and the feature set."""
    payload = {"format": FORMAT, "features": FEATURES, "rows": rows}
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


@dataclass
class SentenceRanker:
    """Standardised features times learned weights: a score per candidate (higher: better)."""

    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    def score(self, features: np.ndarray) -> np.ndarray:
        """Log-odds that each row (a candidate's features, FEATURES order) holds an answer."""
        if features.size == 0:
            return np.zeros(0)
        return ((features - self.mean) / self.scale) @ self.weights + self.bias

    @classmethod
    def fit(
        cls, features: np.ndarray, labels: np.ndarray, groups: np.ndarray, *, c: float = 1.0
    ) -> SentenceRanker:
        """Fit listwise: per question, the softmax of the candidates' scores should put its mass
        on the candidates that hold a fact (questions with none are left out); an L2 penalty
        of 1/c on the weights."""
        from scipy.optimize import minimize

        mean = features.mean(axis=0)
        scale = features.std(axis=0)
        scale[scale == 0] = 1.0
        x = (features - mean) / scale
        spans = [
            np.flatnonzero(groups == g)
            for g in np.unique(groups)
            if labels[groups == g].any() and not labels[groups == g].all()
        ]

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            total, grad = 0.5 * float(w @ w) / c, w / c
            for at in spans:
                z = x[at] @ w
                z = z - z.max()
                p = np.exp(z) / np.exp(z).sum()
                pos = labels[at] > 0
                q = p * pos / p[pos].sum()  # the positives' share of the mass
                total -= float(np.log(p[pos].sum()))
                grad = grad + x[at].T @ (p - q)
            return total, grad

        found = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B")
        return cls(np.asarray(found.x, dtype=float), 0.0, mean, scale)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (rounded to 6 significant digits)."""
        return {
            "format": FORMAT,
            "features": list(FEATURES),
            "weights": {f: float(f"{w:.6g}") for f, w in zip(FEATURES, self.weights, strict=True)},
            "bias": float(f"{self.bias:.6g}"),
            "mean": [float(f"{v:.6g}") for v in self.mean],
            "scale": [float(f"{v:.6g}") for v in self.scale],
            "meta": self.meta,
        }

    def save(self, path: Path) -> None:
        """Write the artifact."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path: Path = DEFAULT_ARTIFACT) -> SentenceRanker:
        """Read an artifact; ConfigError when missing, unreadable or for other features."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or tuple(data["features"]) != FEATURES:
                raise ConfigError(
                    f"{path} was fitted on other features: run `hirebot train-ranker`"
                )
            return cls(
                np.array([data["weights"][f] for f in FEATURES], dtype=float),
                float(data["bias"]),
                np.array(data["mean"], dtype=float),
                np.array(data["scale"], dtype=float),
                dict(data.get("meta") or {}),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"cannot read the sentence ranker {path}: {exc}") from exc


def neutral_ranker() -> SentenceRanker:
    """Similarity and word overlap only, equally weighted: what ranks sentences before any
    ranker is fitted (and what `hirebot train-ranker` collects its training rows with)."""
    weights = np.zeros(len(FEATURES))
    weights[FEATURES.index("similarity")] = 1.0
    weights[FEATURES.index("overlap")] = 1.0
    zeros, ones = np.zeros(len(FEATURES)), np.ones(len(FEATURES))
    return SentenceRanker(weights, 0.0, zeros, ones, {"neutral": True})
