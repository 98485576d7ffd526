"""How a follow-up relates to the previous question: a learned model, not phrase rules.

Five relations (bot/answering/frame.py says what each inherits): standalone, variant,
same_subject, about_answer, new_topic. A multinomial logistic regression over the message's
embedding and a few cues: its similarity to the previous question, its length, the slots it
states and changes, closed word classes (people pronouns, wh-words, connectors, new-topic
markers), and whether the question classifier gives it the previous question's kind.
`hirebot train-relations` fits it on `bot/data/relations.yaml` (pairs from an independent
author) and the dev threads, and writes `bot/data/relation_model.json`; a test fails while the
artifact is stale.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.answering.frame import RELATIONS, Frame, Reading, refers_to_people, says_new_topic
from bot.errors import ConfigError
from bot.stores.embeddings import Embedder
from bot.text import STOPWORDS, tokenize
from bot.vocabulary import vocabulary

logger = logging.getLogger(__name__)
DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DEFAULT_ARTIFACT = DATA_DIR / "relation_model.json"
PAIRS_FILE = DATA_DIR / "relations.yaml"
FORMAT = 1
CUES: tuple[str, ...] = (
    "cosine",
    "log_words",
    "question_mark",
    "wh_start",
    "connector_start",
    "people_reference",
    "answer_reference",
    "new_topic_marker",
    "states_role",
    "states_level",
    "states_place",
    "states_setting",
    "role_changed",
    "level_changed",
    "place_changed",
    "own_words",
    "same_kind",
    "in_scope",
)
# closed word classes
_WH_WORDS = frozenset(
    "what what's whats how which who whom whose when where why should do does did is are can "
    "could would will".split()
)
_CONNECTORS = frozenset("and or but also ok okay so then same wbu".split())
_CONNECTOR_PHRASES = (("what", "about"), ("how", "about"))
_ANSWER_REFERENCES = frozenset("it that this those these".split())


def _words(text: str) -> list[str]:
    """The message's words, lower case, split at anything but letters, digits and apostrophes
    (so "what's" stays one word: a closed class is matched word by word)."""
    text = text.lower().replace("’", "'")
    return "".join(c if c.isalnum() or c == "'" else " " for c in text).split()


def _opens_with_wh(text: str) -> bool:
    """Whether the message opens with a wh-word or an auxiliary ('what', 'should', 'is')."""
    first = next(iter(_words(text)), "")
    return first in _WH_WORDS or first.split("'")[0] in _WH_WORDS - {"what's"}


def _opens_with_connector(text: str) -> bool:
    """Whether the message opens with a connector ('and', 'so', 'what about', 'wbu')."""
    words = _words(text)
    first = words[0].split("'")[0] if words else ""
    return first in _CONNECTORS or tuple(words[:2]) in _CONNECTOR_PHRASES


def _refers_to_answer(text: str) -> bool:
    """Whether the message points back with 'it', 'that', 'this', 'those' or 'these'."""
    return any(w in _ANSWER_REFERENCES for t in _words(text) for w in t.split("'"))


@dataclass(frozen=True, slots=True)
class Pair:
    """A labelled example: a message after a previous question."""

    previous: str
    message: str
    relation: str


def cues(
    message: Frame,
    previous: Frame,
    *,
    cosine: float,
    in_scope: float,
) -> list[float]:
    """The cue features of a message after a previous question (CUES order)."""
    text = message.question
    words = tokenize(vocabulary().expand(text))
    slot_words = {
        t
        for term in (*message.roles, *message.levels, *message.regions, message.place or "")
        for t in tokenize(term.replace("_", " "))
    }
    own = [w for w in words if w not in STOPWORDS and w not in slot_words]
    values = {
        "cosine": cosine,
        "log_words": math.log1p(len(text.split())),
        "question_mark": float("?" in text),
        "wh_start": float(_opens_with_wh(text)),
        "connector_start": float(_opens_with_connector(text)),
        "people_reference": float(refers_to_people(text)),
        "answer_reference": float(_refers_to_answer(text)),
        "new_topic_marker": float(says_new_topic(text)),
        "states_role": float(bool(message.roles)),
        "states_level": float(bool(message.levels)),
        "states_place": float(bool(message.regions or message.place)),
        "states_setting": float(bool(message.industry or message.employment or message.size)),
        "role_changed": float(bool(message.roles) and set(message.roles) != set(previous.roles)),
        "level_changed": float(bool(message.levels) and message.levels != previous.levels),
        "place_changed": float(
            bool(message.regions or message.place)
            and (message.regions, message.place) != (previous.regions, previous.place)
        ),
        "own_words": math.log1p(len(own)),
        "same_kind": float(bool(message.kind) and message.kind == previous.kind),
        "in_scope": in_scope,
    }
    return [values[name] for name in CUES]


@dataclass
class RelationModel:
    """Standardised [cues, message embedding] times learned weights; softmax over RELATIONS."""

    coef: np.ndarray
    intercept: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Rows of relation probabilities (RELATIONS order)."""
        logits = ((features - self.mean) / self.scale) @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def predict(self, features: np.ndarray) -> dict[str, float]:
        """Relation -> probability, for one message's features."""
        row = self.probabilities(features.reshape(1, -1))[0]
        return {r: float(p) for r, p in zip(RELATIONS, row, strict=True)}

    @classmethod
    def fit(cls, features: np.ndarray, labels: list[str], *, c: float) -> RelationModel:
        """Multinomial logistic regression with an L2 penalty of 1/c."""
        from sklearn.linear_model import LogisticRegression

        mean = features.mean(axis=0)
        scale = features.std(axis=0)
        scale[scale == 0] = 1.0
        model = LogisticRegression(C=c, max_iter=3000)
        model.fit((features - mean) / scale, labels)
        order = [list(model.classes_).index(r) for r in RELATIONS]
        return cls(model.coef_[order], model.intercept_[order], mean, scale)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (6 significant digits)."""
        return {
            "format": FORMAT,
            "relations": list(RELATIONS),
            "cues": list(CUES),
            "coef": [[float(f"{v:.6g}") for v in row] for row in self.coef],
            "intercept": [float(f"{v:.6g}") for v in self.intercept],
            "mean": [float(f"{v:.6g}") for v in self.mean],
            "scale": [float(f"{v:.6g}") for v in self.scale],
            "meta": self.meta,
        }

    def save(self, path: Path) -> None:
        """Write the artifact."""
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = DEFAULT_ARTIFACT) -> RelationModel:
        """Read an artifact; ConfigError when missing, unreadable or for other features."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if (
                data.get("format") != FORMAT
                or tuple(data["cues"]) != CUES
                or tuple(data["relations"]) != RELATIONS
            ):
                raise ConfigError(f"{path} is for other features: run `hirebot train-relations`")
            return cls(
                np.array(data["coef"], dtype=float),
                np.array(data["intercept"], dtype=float),
                np.array(data["mean"], dtype=float),
                np.array(data["scale"], dtype=float),
                dict(data.get("meta") or {}),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"cannot read the relation model {path}: {exc}") from exc


def load_pairs(path: Path = PAIRS_FILE) -> list[Pair]:
    """The labelled pairs of `bot/data/relations.yaml`."""
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        pairs = [
            Pair(str(p["previous"]), str(p["message"]), str(p["relation"])) for p in raw["pairs"]
        ]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read relation pairs from {path}: {exc}") from exc
    unknown = {p.relation for p in pairs} - set(RELATIONS)
    if unknown:
        raise ConfigError(f"{path}: unknown relations {sorted(unknown)}")
    return pairs


def fingerprint(pairs: list[Pair], embedder: str) -> str:
    """Hash of the training pairs, the features and the embedder."""
    payload = {
        "format": FORMAT,
        "cues": CUES,
        "embedder": embedder,
        "pairs": [[p.previous, p.message, p.relation] for p in pairs],
    }
    blob = json.dumps(payload, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


class RelationReader:
    """Reads how a live message relates to the previous question (the committed model; without
    one, every message stands alone unless it says it changes the subject)."""

    # below this probability for the likeliest relation, the two likeliest readings are
    # weighed by evidence (set on the dev threads)
    min_confidence = 0.55

    def __init__(self, model: RelationModel | None, embedder: Embedder) -> None:
        self.model = model
        self.embedder = embedder

    @classmethod
    def bundled(cls, embedder: Embedder) -> RelationReader:
        """The reader over the committed artifact (a warning and no model if unreadable)."""
        try:
            return cls(RelationModel.load(DEFAULT_ARTIFACT), embedder)
        except ConfigError as exc:
            logger.warning("follow-ups read without the relation model: %s", exc)
            return cls(None, embedder)

    def relate(self, message: Frame, previous: Reading, *, in_scope: float) -> dict[str, float]:
        """Relation -> probability of `message` after `previous`."""
        if self.model is None:
            fixed = "new_topic" if says_new_topic(message.question) else "standalone"
            return {r: float(r == fixed) for r in RELATIONS}
        message_vec, previous_vec = self.embedder.embed([message.question, previous.query])
        cue = cues(
            message,
            previous.frame,
            cosine=float(np.dot(message_vec, previous_vec)),
            in_scope=in_scope,
        )
        return self.model.predict(np.concatenate([np.array(cue), message_vec]))
