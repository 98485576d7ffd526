"""Free-text role recommendation: which of the four roles a described hiring need calls for.

The role and its probabilities come from the learned classifier in `bot/roles/model.py` (trained
on labelled situations by `hirebot train-roles`, calibrated, loaded from its JSON artifact). A
top probability under `AMBIGUOUS_BELOW` is a close call with a runner-up. The rationale explains
the pick with the knowledge base: the sentence about the role closest to the situation (quoted
and cited) and the words whose learned weights counted most.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from bot.errors import ConfigError
from bot.indexing.attribution import attribute
from bot.roles.model import DEFAULT_ARTIFACT, RoleModel, close_call
from bot.stores.embeddings import Embedder
from bot.stores.vectors import UnitRecord, VectorStore
from bot.text import STOPWORDS, clip
from bot.types import ROLE_IDS, ROLE_NAMES, Chunk, Citation, Origin
from bot.vocabulary import vocabulary

MIN_EVIDENCE_WORDS = 8


@dataclass(slots=True)
class RoleRecommendation:
    """The contract's `pick-role` object."""

    situation: str
    role: str
    confidence: float
    scores: dict[str, float]
    rationale: str
    sources: list[Citation] = field(default_factory=list)
    ambiguous: bool = False
    runner_up: str | None = None
    words: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form, as the contract names it (plus `ambiguous` and `runner_up`)."""
        return {
            "situation": self.situation,
            "role": self.role,
            "confidence": round(self.confidence, 4),
            "scores": {r: round(s, 4) for r, s in self.scores.items()},
            "rationale": self.rationale,
            "sources": [s.to_dict() for s in self.sources],
            "ambiguous": self.ambiguous,
            "runner_up": self.runner_up,
        }


@dataclass(frozen=True, slots=True)
class Evidence:
    """A knowledge sentence about a role, the articles it draws on, and (once matched) its
    similarity to the situation."""

    chunk: Chunk
    unit: UnitRecord
    origins: tuple[Origin, ...]
    similarity: float = 0.0

    @property
    def original(self) -> str:
        """The articles, as the contract's `original` names them."""
        return "; ".join(o.label for o in self.origins) or self.chunk.title

    @property
    def cited_as(self) -> str:
        """Short names of the articles, for the rationale ('Vector Talent Partners; Obsidi')."""
        names = [o.cite_as[0] if o.cite_as else o.publisher or o.title for o in self.origins]
        return "; ".join(dict.fromkeys(names)) or self.chunk.title

    def citation(self) -> Citation:
        """The contract's source object, quoting the sentence."""
        return Citation(
            self.chunk.source,
            self.chunk.title,
            self.original,
            round(self.similarity, 4),
            clip(self.unit.text, 400),
        )


@dataclass(slots=True)
class RoleProfile:
    """The knowledge sentences that can explain a pick of one role (sentences of its own document
    and sentences naming only it in documents tagged with it), with how typical of the role the
    role model itself reads each one (its probability for the role)."""

    role: str
    sentences: list[Evidence]
    vectors: np.ndarray
    typical: np.ndarray


class RoleRecommender:
    """Scores a free-text hiring need with the learned role model and explains it from the
    knowledge base."""

    def __init__(
        self,
        store: VectorStore,
        embedder: Embedder,
        *,
        model: RoleModel | None = None,
        model_path: Path = DEFAULT_ARTIFACT,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.model_path = model_path
        self._model = model
        self._lock = threading.Lock()
        self._profiles: dict[str, RoleProfile] | None = None
        self._version: str | None = None

    @property
    def model(self) -> RoleModel:
        """The role model (read from its artifact on first use); ConfigError when it is missing,
        unreadable or was trained on another embedding model."""
        with self._lock:
            if self._model is None:
                model = RoleModel.load(self.model_path)
                trained_with = model.meta.get("embedding_model")
                if trained_with != self.embedder.name:
                    raise ConfigError(
                        f"the role model {self.model_path} was trained on {trained_with!r} "
                        f"embeddings, not {self.embedder.name!r}; run `hirebot train-roles`"
                    )
                self._model = model
            return self._model

    def profiles(self) -> dict[str, RoleProfile]:
        """Per role, the sentences that can explain a pick, rebuilt when the corpus changes."""
        version = self.store.version()
        if self._profiles is None or version != self._version:
            self._profiles = self._build_profiles()
            self._version = version
        return self._profiles

    def _build_profiles(self) -> dict[str, RoleProfile]:
        tagged = [c for c in self.store.all_chunks() if c.roles]
        units = self.store.units_for([c.id for c in tagged])
        rows: dict[str, list[Evidence]] = {r: [] for r in ROLE_IDS}
        for chunk in tagged:
            records = units.get(chunk.id, [])
            for unit in records:
                if unit.lead is not None or len(unit.text.split()) < MIN_EVIDENCE_WORDS:
                    continue  # list items read as fragments without their lead-in
                named = set(vocabulary().roles_in(unit.text))
                about = set(chunk.roles) if len(chunk.roles) == 1 and not named else named
                if len(about) != 1 or not about <= set(chunk.roles):
                    continue
                context = [
                    r.text
                    for r in records
                    if r.paragraph == unit.paragraph and r.index < unit.index
                ]
                origins = attribute(
                    unit.text, context=context, headings=chunk.headings, origins=chunk.origins
                )
                rows[next(iter(about))].append(Evidence(chunk, unit, origins))
        profiles = {}
        for role, found in rows.items():
            vectors = (
                np.stack([e.unit.vector for e in found])
                if found
                else np.zeros((0, self.embedder.dimension), dtype=np.float32)
            )
            typical = (
                self.model.probabilities(vectors, [e.unit.text for e in found])[
                    :, ROLE_IDS.index(role)
                ]
                if found
                else np.zeros(0)
            )
            profiles[role] = RoleProfile(role, found, vectors, typical)
        return profiles

    def evidence(self, vector: np.ndarray, role: str) -> Evidence | None:
        """The sentence about `role` that best explains the pick: close in meaning to the situation
        and typical of the role (similarity × typicality); None without one."""
        profile = self.profiles().get(role)
        if profile is None or not profile.sentences:
            return None
        sims = profile.vectors @ vector
        i = int(np.argmax(sims * profile.typical))
        return replace(profile.sentences[i], similarity=float(sims[i]))

    def understands(self, text: str) -> bool:
        """Does `text` say anything the role model learned from (a content word it knows)?
        Gibberish, a stray number or 'maybe' does not."""
        return bool(self.model.known_words(text, skip=STOPWORDS))

    def recommend(self, situation: str) -> RoleRecommendation:
        """Probabilities for all four roles, a close-call flag with the runner-up, a rationale and
        the knowledge passages behind it."""
        model = self.model
        vector = self.embedder.embed([situation])[0]
        row = model.probabilities(vector[None, :], [situation])[0]
        scores = {r: float(p) for r, p in zip(ROLE_IDS, row, strict=True)}
        role = max(ROLE_IDS, key=lambda r: scores[r])
        ambiguous, runner_up = close_call(scores)
        found = {r: self.evidence(vector, r) for r in (role, runner_up) if r}
        words = model.word_evidence(situation, role, skip=STOPWORDS)
        return RoleRecommendation(
            situation=situation,
            role=role,
            confidence=scores[role],
            scores=scores,
            rationale=rationale(
                role,
                runner_up,
                ambiguous=ambiguous,
                passage=found.get(role),
                words=words,
            ),
            sources=[e.citation() for e in found.values() if e is not None],
            ambiguous=ambiguous,
            runner_up=runner_up,
            words=words,
        )


ROLE_SUMMARIES = {
    "ai_engineer": (
        "builds AI-powered product features on pre-trained foundation models and LLM APIs "
        "(Vector Talent Partners; Gutierrez)"
    ),
    "ml_engineer": (
        "trains, deploys and keeps your own models running in production — pipelines, serving, "
        "monitoring and retraining (Vector Talent Partners; Obsidi)"
    ),
    "data_scientist": (
        "answers business questions with data — analysis, experiments and statistical models "
        "that inform decisions (Vector Talent Partners; Obsidi)"
    ),
    "ml_scientist": (
        "invents and improves ML methods and models through research and experiments (Gutierrez)"
    ),
}


def rationale(
    role: str,
    runner_up: str | None,
    *,
    ambiguous: bool,
    passage: Evidence | None = None,
    words: Sequence[str] = (),
) -> str:
    """A short, human explanation: what the role does, the closest knowledge sentence about it,
    the words that weighed most, and the runner-up when it is a close call."""
    text = f"This sounds like {_a(role)}: someone who {ROLE_SUMMARIES[role]}."
    if passage is not None:
        text += f" Closest in the knowledge base: “{clip(passage.unit.text, 240)}” ({passage.cited_as})."
    if words:
        text += f" Words that weighed most: {_quote_list(words)}."
    if runner_up:
        text += (
            f" {_a(runner_up, capital=True)} is a close second: someone who "
            f"{ROLE_SUMMARIES[runner_up]}."
        )
    if ambiguous:
        text += (
            " Your description fits more than one role, so treat this as a first guess — the "
            "guided walkthrough (say *help me pick a role*) will narrow it down."
        )
    return text


def _a(role: str, *, capital: bool = False) -> str:
    """'an *AI engineer*', 'a *data scientist*' ('An', 'A' with `capital`)."""
    name = ROLE_NAMES[role]
    article = "an" if name[0] in "AEIMaeio" else "a"
    return f"{article.capitalize() if capital else article} *{name}*"


def _quote_list(words: Sequence[str]) -> str:
    quoted = [f"“{w}”" for w in dict.fromkeys(words)][:4]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
