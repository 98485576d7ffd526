"""The learned role classifier (pure): features, fitting, calibration, prediction and its artifact.

Features are the situation's sentence embedding (all-MiniLM-L6-v2, passed in as vectors) next to
whole-word tf-idf values over the training vocabulary, scaled by `word_weight`. A multinomial
logistic regression (scikit-learn, imported only when fitting) learns one weight per feature and
role; a single temperature, fitted on out-of-fold predictions, calibrates the probabilities.
Prediction is plain numpy over the weights stored in a JSON artifact (no pickle, no scikit-learn
at run time).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.errors import ConfigError
from bot.types import ROLE_IDS

FEATURES = "sentence-embedding+word-tfidf/1"
ARTIFACT_FORMAT = 1
# A calibrated top probability below this means the pick is wrong at least one time in three:
# the recommendation is a close call and the runner-up is shown.
AMBIGUOUS_BELOW = 2 / 3
# A word is named as evidence when it adds at least this much to the role's logit margin.
MIN_WORD_LIFT = 0.05
DEFAULT_ARTIFACT = Path(__file__).parents[1] / "data" / "role_model.json"
_WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")


def words(text: str) -> list[str]:
    """Whole words, lower-cased: 'inventory' is one word and never counts as 'invent'."""
    return _WORD.findall(text.lower())


@dataclass(frozen=True, slots=True)
class Example:
    """One training situation and its target distribution over ROLE_IDS (spread when ambiguous)."""

    text: str
    target: tuple[float, ...]

    @property
    def label(self) -> int:
        """Index of the most likely role (the first listed on ties)."""
        return int(np.argmax(self.target))

    @property
    def clear(self) -> bool:
        """True when one role carries the whole target."""
        return max(self.target) == 1.0


def example(text: str, roles: Sequence[str]) -> Example:
    """An example whose target spreads evenly over `roles` (one role: a clear label)."""
    unique = list(dict.fromkeys(roles))
    if not unique or any(r not in ROLE_IDS for r in unique):
        raise ValueError(f"unknown roles {roles!r}")
    return Example(text, tuple(1 / len(unique) if r in unique else 0.0 for r in ROLE_IDS))


@dataclass(frozen=True, slots=True)
class ModelConfig:
    """Hyper-parameters: inverse L2 strength of the regression and the weight of the word block."""

    c: float = 16.0
    word_weight: float = 1.0
    min_df: int = 2
    folds: int = 5
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON form (also hashed into the artifact's fingerprint)."""
        return {
            "c": self.c,
            "word_weight": self.word_weight,
            "min_df": self.min_df,
            "folds": self.folds,
            "seed": self.seed,
        }


@dataclass(frozen=True, slots=True)
class WordFeatures:
    """Sub-linear tf-idf over whole words seen in at least `min_df` training situations."""

    vocabulary: tuple[str, ...]
    idf: np.ndarray

    @classmethod
    def fit(cls, texts: Sequence[str], min_df: int) -> WordFeatures:
        """Vocabulary and smoothed idf from the training texts."""
        df = Counter(w for text in texts for w in set(words(text)))
        vocabulary = tuple(sorted(w for w, n in df.items() if n >= min_df))
        n = len(texts)
        idf = np.array([math.log((1 + n) / (1 + df[w])) + 1 for w in vocabulary], dtype=np.float64)
        return cls(vocabulary, idf)

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Rows of L2-normalised (1 + log tf) * idf values."""
        index = {w: i for i, w in enumerate(self.vocabulary)}
        out = np.zeros((len(texts), len(self.vocabulary)), dtype=np.float64)
        for row, text in enumerate(texts):
            for word, count in Counter(words(text)).items():
                if word in index:
                    out[row, index[word]] = (1 + math.log(count)) * self.idf[index[word]]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise normalised exponentials (stable)."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def cross_entropy(probabilities: np.ndarray, targets: np.ndarray) -> float:
    """Mean cross-entropy of predicted rows against target distributions (log loss)."""
    return float(-np.mean(np.sum(targets * np.log(np.clip(probabilities, 1e-12, 1.0)), axis=1)))


@dataclass(slots=True)
class RoleModel:
    """Weights of a fitted model plus its calibration temperature and provenance."""

    words: WordFeatures
    word_weight: float
    coef: np.ndarray
    intercept: np.ndarray
    temperature: float = 1.0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def dimension(self) -> int:
        """Width of the sentence-embedding block the model expects."""
        return int(self.coef.shape[1] - len(self.words.vocabulary))

    def features(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Embedding block next to the weighted word block."""
        vectors = np.asarray(vectors, dtype=np.float64).reshape(len(texts), -1)
        if vectors.shape[1] != self.dimension:
            raise ConfigError(
                f"role model expects {self.dimension}-d embeddings, got {vectors.shape[1]}"
            )
        return np.hstack([vectors, self.word_weight * self.words.transform(texts)])

    def logits(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Uncalibrated class scores, one row per text."""
        return np.asarray(self.features(vectors, texts) @ self.coef.T + self.intercept)

    def probabilities(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities over ROLE_IDS, one row per text."""
        return softmax(self.logits(vectors, texts) / self.temperature)

    def known_words(self, text: str, *, skip: Collection[str] = ()) -> list[str]:
        """The words of `text` (except `skip`) the model learned weights for."""
        vocabulary = set(self.words.vocabulary)
        return [w for w in dict.fromkeys(words(text)) if w in vocabulary and w not in skip]

    def word_evidence(
        self, text: str, role: str, *, top: int = 3, skip: Collection[str] = ()
    ) -> list[str]:
        """The words of `text` (except `skip`) whose learned weights pushed most towards `role`
        over the other roles, strongest first."""
        values = self.words.transform([text])[0]
        block = self.coef[:, self.dimension :]
        k = ROLE_IDS.index(role)
        lift = self.word_weight * values * (block[k] - np.delete(block, k, axis=0).mean(axis=0))
        ranked = [i for i in np.argsort(-lift) if lift[i] > MIN_WORD_LIFT]
        return [self.words.vocabulary[i] for i in ranked if self.words.vocabulary[i] not in skip][
            :top
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the artifact (weights rounded to 7 significant digits)."""
        return {
            "format": ARTIFACT_FORMAT,
            "features": FEATURES,
            "classes": list(ROLE_IDS),
            "meta": self.meta,
            "word_weight": self.word_weight,
            "temperature": self.temperature,
            "vocabulary": list(self.words.vocabulary),
            "idf": [float(f"{v:.7g}") for v in self.words.idf],
            "intercept": [float(f"{v:.7g}") for v in self.intercept],
            "coef": [[float(f"{v:.7g}") for v in row] for row in self.coef],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RoleModel:
        """Read an artifact; ConfigError when it is of another format or inconsistent."""
        try:
            if data["format"] != ARTIFACT_FORMAT or data["features"] != FEATURES:
                raise ConfigError(f"role model is format {data['format']}/{data['features']}")
            if tuple(data["classes"]) != ROLE_IDS:
                raise ConfigError("role model classes differ from the known roles")
            coef = np.asarray(data["coef"], dtype=np.float64)
            words_ = WordFeatures(
                tuple(str(w) for w in data["vocabulary"]), np.asarray(data["idf"], dtype=np.float64)
            )
            intercept = np.asarray(data["intercept"], dtype=np.float64)
            if coef.shape[0] != len(ROLE_IDS) or intercept.shape != (len(ROLE_IDS),):
                raise ConfigError("role model weights have the wrong shape")
            if len(words_.idf) != len(words_.vocabulary) or coef.shape[1] <= len(words_.idf):
                raise ConfigError("role model vocabulary and weights disagree")
            return cls(
                words_,
                float(data["word_weight"]),
                coef,
                intercept,
                float(data["temperature"]),
                dict(data.get("meta") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"role model is unreadable: {exc}") from exc

    def save(self, path: Path) -> None:
        """Write the JSON artifact."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), separators=(",", ":")) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> RoleModel:
        """Read the JSON artifact; ConfigError naming the path when missing or unreadable."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"cannot read the role model {path}: {exc}; run `hirebot train-roles`"
            ) from exc
        if not isinstance(data, dict):
            raise ConfigError(f"role model {path} is not a JSON object")
        return cls.from_dict(data)


def _expanded(
    features: np.ndarray, examples: Sequence[Example]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One weighted row per (example, role with target weight): soft labels for a hard-label fit."""
    rows, labels, weights = [], [], []
    for i, ex in enumerate(examples):
        for k, w in enumerate(ex.target):
            if w > 0:
                rows.append(i)
                labels.append(k)
                weights.append(w)
    return features[rows], np.asarray(labels), np.asarray(weights)


def fit(vectors: np.ndarray, examples: Sequence[Example], config: ModelConfig) -> RoleModel:
    """Fit the regression on all examples (temperature 1: calibrate with `fit_temperature`)."""
    from sklearn.linear_model import LogisticRegression

    texts = [e.text for e in examples]
    words_ = WordFeatures.fit(texts, config.min_df)
    x = np.hstack(
        [np.asarray(vectors, dtype=np.float64), config.word_weight * words_.transform(texts)]
    )
    x, y, w = _expanded(x, examples)
    if set(y.tolist()) != set(range(len(ROLE_IDS))):
        raise ValueError("every role needs at least one training example")
    reg = LogisticRegression(C=config.c, max_iter=5000)
    reg.fit(x, y, sample_weight=w)
    return RoleModel(
        words_,
        config.word_weight,
        np.asarray(reg.coef_, dtype=np.float64),
        np.asarray(reg.intercept_, dtype=np.float64),
    )


def folds(examples: Sequence[Example], config: ModelConfig) -> list[np.ndarray]:
    """Held-out index sets of a stratified (by most likely role) k-fold split."""
    from sklearn.model_selection import StratifiedKFold

    labels = np.array([e.label for e in examples])
    split = StratifiedKFold(config.folds, shuffle=True, random_state=config.seed)
    return [test for _, test in split.split(np.zeros(len(labels)), labels)]


def out_of_fold_logits(
    vectors: np.ndarray, examples: Sequence[Example], config: ModelConfig
) -> np.ndarray:
    """Logits of each example from a model fitted without its fold (vocabulary included)."""
    out = np.zeros((len(examples), len(ROLE_IDS)))
    texts = [e.text for e in examples]
    for held in folds(examples, config):
        keep = np.setdiff1d(np.arange(len(examples)), held)
        model = fit(vectors[keep], [examples[i] for i in keep], config)
        out[held] = model.logits(vectors[held], [texts[i] for i in held])
    return out


def fit_temperature(logits: np.ndarray, targets: np.ndarray) -> float:
    """The temperature that minimises the cross-entropy of softmax(logits / T) (golden section
    search over log T in [-4, 4])."""
    lo, hi = -4.0, 4.0
    ratio = (math.sqrt(5) - 1) / 2

    def loss(log_t: float) -> float:
        return cross_entropy(softmax(logits / math.exp(log_t)), targets)

    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = loss(a), loss(b)
    for _ in range(80):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = loss(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = loss(b)
    return math.exp((lo + hi) / 2)


def close_call(scores: dict[str, float]) -> tuple[bool, str | None]:
    """(ambiguous, runner-up): a top probability under AMBIGUOUS_BELOW is a close call, and then
    the second most likely role is the runner-up."""
    ranked = sorted(scores, key=lambda r: -scores[r])
    if scores[ranked[0]] < AMBIGUOUS_BELOW:
        return True, ranked[1]
    return False, None
