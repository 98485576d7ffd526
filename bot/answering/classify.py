"""What a question asks, and whether it is about hiring AI/ML talent at all.

A multinomial logistic regression learned from labelled example messages
(`bot/data/question_types*.yaml`, written apart from the eval sets). Its features are the
message's MiniLM embedding plus TF-IDF word and character n-grams, all with learned weights:
no hand-set cue decides a label. Each label also has a topical description, used as one more
example. The probability on the out-of-scope labels (firing, visas, benefits, payroll, law,
non-AI roles, coding help, small talk) is the topic gate in front of answering; the social
label (greetings, thanks) and the routing labels (a described need, a walkthrough request)
decide where an on-topic message goes (bot/routing.py).

The fitted model is a committed artifact (`bot/data/question_model.npz`, written by
`hirebot train-classifier`; see bot/answering/question_model.py): nothing is trained at run time
unless the labelled data changed since, and then with a warning.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from bot.answering.question_model import (
    DEFAULT_ARTIFACT,
    ModelSettings,
    QuestionModel,
    fingerprint,
)
from bot.errors import ConfigError
from bot.stores.embeddings import Embedder
from bot.vocabulary import vocabulary

logger = logging.getLogger(__name__)
# embeddings of the training examples and fitted models, per content hash, shared by every
# classifier in the process (tests and evals build several); the disk cache survives restarts
_VECTORS: dict[str, np.ndarray] = {}
_MODELS: dict[str, QuestionModel] = {}
_CACHE_LOCK = threading.Lock()
RECENT_LABELS = 2048  # labels kept per classifier (see classify_many)
DATA_DIR = Path(__file__).resolve().parents[1] / "data"
# every batch of labelled examples: question_types.yaml, question_types_more.yaml, ...
LABEL_FILES = "question_types*.yaml"
ROLE_CHOICE = "role_choice"
# "a role hirebot does not cover": ruled out when a message names one of the four roles (the
# domain vocabulary's typed meaning outranks the model's reading of a setting like "drug
# discovery team")
OTHER_ROLES = "other_roles"
ROLE_DIFFERENCE = "role_difference"
PAY = "pay"
# Labels that route rather than ask: a described hiring need (-> the role recommender), a request
# for the guided walkthrough, and a greeting or thanks (scope "social": neither on nor off topic).
NEED_DESCRIPTION = "need_description"
WALKTHROUGH_REQUEST = "walkthrough_request"
ACKNOWLEDGEMENT = "acknowledgement"
# The off-topic label with no subject of its own (chit-chat, "what do you think?").
SMALL_TALK = "small_talk"
SCOPES = ("in", "out", "social")
ROUTING_LABELS = frozenset({NEED_DESCRIPTION, WALKTHROUGH_REQUEST})


@dataclass(frozen=True, slots=True)
class Label:
    """One kind of message: in or out of hirebot's topic (or social: a greeting or thanks),
    described and exemplified."""

    name: str
    in_scope: bool
    description: str
    examples: tuple[str, ...]
    social: bool = False


@dataclass(frozen=True, slots=True)
class LabelSet:
    """Every label, in file order."""

    labels: tuple[Label, ...]

    @property
    def names(self) -> list[str]:
        """Label names in file order."""
        return [label.name for label in self.labels]

    def texts_and_targets(self) -> tuple[list[str], list[str]]:
        """Training texts (description first, then examples) and their label names."""
        texts: list[str] = []
        targets: list[str] = []
        for label in self.labels:
            for text in (
                (label.description, *label.examples) if label.description else label.examples
            ):
                texts.append(text)
                targets.append(label.name)
        return texts, targets

    def digest(self) -> str:
        """Content hash, so cached features follow the data."""
        texts, targets = self.texts_and_targets()
        joined = "\x1f".join(f"{t}\x1e{x}" for t, x in zip(targets, texts, strict=True))
        return hashlib.sha256(joined.encode()).hexdigest()[:16]


def load_labels(paths: Sequence[Path] | None = None) -> LabelSet:
    """Read and check the labelled example files (default: every batch in bot/data/); a label
    may appear in several files, with the same scope, and its examples are pooled."""
    files = sorted(DATA_DIR.glob(LABEL_FILES)) if paths is None else list(paths)
    if not files:
        raise ConfigError(f"no question type files ({LABEL_FILES}) in {DATA_DIR}")
    scopes: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    examples: dict[str, list[str]] = {}
    for path in files:
        for name, entry in _label_entries(path).items():
            scope = str(entry.get("scope", ""))
            if scope not in SCOPES or scopes.get(name, scope) != scope:
                raise ConfigError(f"{path}: label {name!r} needs one scope: in, out or social")
            scopes[name] = scope
            if entry.get("description"):
                descriptions[name] = str(entry["description"])
            pooled = examples.setdefault(name, [])
            pooled += [str(e).strip() for e in entry.get("examples") or () if str(e).strip()]
    labels = tuple(
        Label(
            name,
            scopes[name] == "in",
            descriptions.get(name, ""),
            tuple(dict.fromkeys(found)),
            social=scopes[name] == "social",
        )
        for name, found in examples.items()
    )
    if any(len(label.examples) < 3 for label in labels):
        raise ConfigError("every question type needs 3 or more examples")
    if not {"in", "out"} <= set(scopes.values()):
        raise ConfigError("question types need both in-scope and out-of-scope labels")
    return LabelSet(labels)


def _label_entries(path: Path) -> dict[str, dict[str, Any]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read question types from {path}: {exc}") from exc
    entries = raw.get("labels") if isinstance(raw, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise ConfigError(f"{path}: expected a `labels` mapping")
    return {str(k): v if isinstance(v, dict) else {} for k, v in entries.items()}


@dataclass(frozen=True, slots=True)
class ClassifierConfig:
    """The model's settings (picked by cross-validation on the training examples), and the
    in-scope probability below which a message is declined (picked on the dev half of
    evals/realistic_qa.yaml)."""

    model: ModelSettings = field(default_factory=ModelSettings)
    min_in_scope: float = 0.5
    # A message in a conversation that is on topic is more likely on topic itself (a higher
    # prior): it is declined only below this bar (picked on the dev conversations)...
    min_in_scope_in_thread: float = 0.3
    # ...unless it is confidently about an off-topic subject of its own (firing, visas):
    # its most likely label is off topic, with at least this probability
    min_off_topic_subject: float = 0.5


@dataclass(frozen=True, slots=True)
class QuestionKind:
    """The classifier's reading of one message."""

    label: str
    in_scope: bool
    probability: float
    in_scope_probability: float
    probabilities: Mapping[str, float] = field(default_factory=dict)
    # probability of the social labels (a greeting, thanks, "ok cool")
    social_probability: float = 0.0

    @property
    def runner_up(self) -> str:
        """The second most likely label."""
        ranked = sorted(self.probabilities, key=lambda k: -self.probabilities[k])
        return ranked[1] if len(ranked) > 1 else self.label

    def within(self, whole: QuestionKind, *, min_in_scope: float) -> QuestionKind:
        """This part of a compound message, judged together with the whole message: a part is
        on topic when the geometric mean of both in-scope probabilities clears the bar."""
        p_in = float(np.sqrt(self.in_scope_probability * whole.in_scope_probability))
        return replace(self, in_scope=p_in >= min_in_scope, in_scope_probability=p_in)

    def judged_at(self, bar: float, *, on_topic: Collection[str]) -> QuestionKind:
        """The same reading against another in-scope bar; when that admits it, its label is the
        most likely of the `on_topic` labels ('how long does it last' after a paid-trial answer)."""
        if self.in_scope or self.in_scope_probability < bar:
            return self
        ranked = {k: p for k, p in self.probabilities.items() if k in on_topic}
        label = max(ranked, key=lambda k: ranked[k]) if ranked else self.label
        return replace(self, label=label, in_scope=True, probability=ranked.get(label, 0.0))

    def explain(self) -> str:
        """Short reason for logs and eval reports."""
        return f"{self.label} ({self.probability:.2f}; in scope {self.in_scope_probability:.2f})"


def without_label(probabilities: Mapping[str, float], label: str) -> dict[str, float]:
    """The distribution with `label` ruled out (the others renormalised)."""
    rest = {k: p for k, p in probabilities.items() if k != label}
    total = sum(rest.values())
    return {k: (p / total if total else 0.0) for k, p in rest.items()} | {label: 0.0}


class QuestionClassifier:
    """Labels messages with the committed model (`artifact`); when the labelled data changed
    since it was written, it trains in process instead, with a warning (embeddings of the
    examples are cached on disk by content hash, in `cache_dir`)."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        labels: LabelSet | None = None,
        config: ClassifierConfig | None = None,
        cache_dir: Path | None = None,
        artifact: Path | None = DEFAULT_ARTIFACT,
    ) -> None:
        self.embedder = embedder
        self.labels = labels or load_labels()
        self.config = config or ClassifierConfig()
        self.cache_dir = cache_dir
        self.artifact = artifact
        self._model: QuestionModel | None = None
        self._lock = threading.Lock()
        # a message is labelled several times on its way (routed, judged, answered): recent
        # labels are kept, by text and the vector it was labelled with
        self._recent: OrderedDict[tuple[str, bytes], QuestionKind] = OrderedDict()

    @property
    def in_scope_labels(self) -> frozenset[str]:
        """Names of the labels hirebot answers."""
        return frozenset(label.name for label in self.labels.labels if label.in_scope)

    @property
    def social_labels(self) -> frozenset[str]:
        """Names of the labels that need no answer (greetings, thanks)."""
        return frozenset(label.name for label in self.labels.labels if label.social)

    def about_off_topic_subject(self, kind: QuestionKind) -> bool:
        """Is the message confidently about a subject hirebot does not cover (not chit-chat,
        which has no subject of its own)?"""
        off_topic = kind.label not in self.in_scope_labels | self.social_labels
        return (
            off_topic
            and kind.label != SMALL_TALK
            and kind.probability >= self.config.min_off_topic_subject
        )

    def in_thread(self, kind: QuestionKind) -> QuestionKind:
        """`kind` judged as a follow-up in a conversation already on topic, at the lower bar."""
        return kind.judged_at(self.config.min_in_scope_in_thread, on_topic=self.in_scope_labels)

    def fit(self) -> None:
        """Train now (otherwise the first `classify` does)."""
        self._fitted()

    def classify(self, text: str, *, vector: np.ndarray | None = None) -> QuestionKind:
        """Label one message (`vector`: its embedding, if already computed)."""
        vectors = None if vector is None else vector.reshape(1, -1)
        return self.classify_many([text], vectors=vectors)[0]

    def classify_many(
        self, texts: Sequence[str], *, vectors: np.ndarray | None = None
    ) -> list[QuestionKind]:
        """Label many messages in one batch."""
        if not texts:
            return []
        model = self._fitted()
        dense = self.embedder.embed(list(texts)) if vectors is None else vectors
        keys = [
            (t, np.asarray(v, dtype=np.float32).tobytes())
            for t, v in zip(texts, dense, strict=True)
        ]
        with self._lock:
            known = {k: self._recent[k] for k in keys if k in self._recent}
        missing = [n for n, k in enumerate(keys) if k not in known]
        if missing:
            fresh = self._label(model, [texts[n] for n in missing], np.asarray(dense)[missing])
            with self._lock:
                for n, kind in zip(missing, fresh, strict=True):
                    known[keys[n]] = self._recent[keys[n]] = kind
                while len(self._recent) > RECENT_LABELS:
                    self._recent.popitem(last=False)
        return [known[k] for k in keys]

    def _label(
        self, model: QuestionModel, texts: list[str], dense: np.ndarray
    ) -> list[QuestionKind]:
        probs = model.predict_proba(texts, dense)
        inside, social = self.in_scope_labels, self.social_labels
        out = []
        for text, row in zip(texts, probs, strict=True):
            by_label = {name: float(p) for name, p in zip(model.classes, row, strict=True)}
            if OTHER_ROLES in by_label and vocabulary().roles_in(text):
                by_label = without_label(by_label, OTHER_ROLES)
            best = max(by_label, key=lambda k: by_label[k])
            p_in = sum(p for name, p in by_label.items() if name in inside)
            out.append(
                QuestionKind(
                    label=best,
                    in_scope=p_in >= self.config.min_in_scope,
                    probability=by_label[best],
                    in_scope_probability=p_in,
                    probabilities=by_label,
                    social_probability=sum(p for n, p in by_label.items() if n in social),
                )
            )
        return out

    @property
    def name(self) -> str:
        """Changes with the model (so tags set at ingest follow it)."""
        return f"questions-{self.fingerprint()[:12]}"

    def topics(self, texts: Sequence[str], vectors: np.ndarray) -> list[dict[str, float]]:
        """Per text, the probability of each kind of question hirebot answers (the topic tags of
        knowledge sentences, set at ingest; routing and social labels left out)."""
        if not texts:
            return []
        model = self._fitted()
        probs = model.predict_proba(list(texts), vectors)
        kinds = self.in_scope_labels - ROUTING_LABELS
        return [
            {name: float(p) for name, p in zip(model.classes, row, strict=True) if name in kinds}
            for row in probs
        ]

    def fingerprint(self) -> str:
        """Hash of the labelled data, the model settings and the embedder (see
        `question_model.fingerprint`)."""
        texts, targets = self.labels.texts_and_targets()
        return fingerprint(texts, targets, self.config.model, self.embedder.name)

    def train(self) -> QuestionModel:
        """Fit a model on every labelled example (what `hirebot train-classifier` writes)."""
        texts, targets = self.labels.texts_and_targets()
        dense = self._training_vectors(texts)
        return QuestionModel.train(
            texts, dense, np.array(targets), self.config.model, fingerprint=self.fingerprint()
        )

    def cross_validate(
        self, folds: int = 5, seed: int = 0, *, per_label: int | None = None
    ) -> dict[str, float]:
        """Stratified k-fold accuracy on the training examples: label and in/out of scope
        (`per_label`: on at most that many examples of each label, drawn at random, a quicker
        and slightly lower estimate)."""
        from sklearn.model_selection import StratifiedKFold

        texts, targets = self.labels.texts_and_targets()
        if per_label is not None:
            rng = np.random.default_rng(seed)
            keep = sorted(
                n
                for label in dict.fromkeys(targets)
                for n in rng.permutation([i for i, t in enumerate(targets) if t == label])[
                    :per_label
                ]
            )
            texts, targets = [texts[n] for n in keep], [targets[n] for n in keep]
            dense = self.embedder.embed(texts)  # (the cached training vectors are the full set's)
        else:
            dense = self._training_vectors(texts)
        y = np.array(targets)
        inside = self.in_scope_labels
        label_hits = scope_hits = 0
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        for train, test in splitter.split(np.zeros(len(y)), y):
            model = QuestionModel.train(
                [texts[i] for i in train], dense[train], y[train], self.config.model
            )
            probs = model.predict_proba([texts[i] for i in test], dense[test])
            for row, truth in zip(probs, y[test], strict=True):
                guess = model.classes[int(np.argmax(row))]
                p_in = sum(p for n, p in zip(model.classes, row, strict=True) if n in inside)
                label_hits += guess == truth
                scope_hits += (p_in >= self.config.min_in_scope) == (truth in inside)
        return {
            "label_accuracy": label_hits / len(y),
            "scope_accuracy": scope_hits / len(y),
            "examples": float(len(y)),
        }

    def _fitted(self) -> QuestionModel:
        with self._lock:
            if self._model is None:
                self._model = self._load_or_train()
            return self._model

    def _load_or_train(self) -> QuestionModel:
        """The committed model when it was fitted on exactly this data, else one trained now
        (memoised per process: tests and evals build several classifiers)."""
        key = self.fingerprint()
        with _CACHE_LOCK:
            if key in _MODELS:
                return _MODELS[key]
        model: QuestionModel | None = None
        if self.artifact is not None and self.artifact.exists():
            model = QuestionModel.load(self.artifact)
            if model.fingerprint != key:
                logger.warning(
                    "the question model %s is stale (the labelled examples changed): training "
                    "in process; run `hirebot train-classifier` to update it",
                    self.artifact,
                )
                model = None
        if model is None:
            model = self.train()
            logger.info("question classifier trained on %d examples", len(model.classes))
        with _CACHE_LOCK:
            _MODELS[key] = model
        return model

    def _training_vectors(self, texts: list[str]) -> np.ndarray:
        key = hashlib.sha256(
            f"{self.embedder.name}\x1f{self.labels.digest()}".encode()
        ).hexdigest()[:16]
        with _CACHE_LOCK:
            if key in _VECTORS:
                return _VECTORS[key]
        path = self.cache_dir / f"question-types-{key}.npy" if self.cache_dir else None
        vectors = self._load_or_embed(texts, path)
        with _CACHE_LOCK:
            _VECTORS[key] = vectors
        return vectors

    def _load_or_embed(self, texts: list[str], path: Path | None) -> np.ndarray:
        if path is not None and path.exists():
            try:
                cached = np.load(path)
                if cached.shape[0] == len(texts):
                    return cached
            except (OSError, ValueError):
                logger.warning("ignoring unreadable classifier cache %s", path)
        vectors = self.embedder.embed(texts)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                np.save(path, vectors)
            except OSError:
                logger.warning("cannot write classifier cache %s", path)
        return vectors
