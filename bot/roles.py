"""Free-text role recommendation: which of the four roles a described hiring need calls for.

Scoring = similarity of the situation to each role's profile in the knowledge base (the
sentences of its single-role document) + cue phrases taken from the articles' decision criteria
(primary output, where the work lives, what failure looks like; build on foundation models vs
train and serve your own vs invent new methods vs answer business questions with data).
A softmax turns the combined evidence into scores that sum to 1.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.embeddings import Embedder
from bot.store import VectorStore
from bot.text import clip
from bot.types import ROLE_IDS, Chunk, Citation

ROLE_NAMES = {
    "ai_engineer": "AI engineer",
    "ml_engineer": "ML engineer",
    "data_scientist": "data scientist",
    "ml_scientist": "ML scientist",
}

# Cue phrases per role, from the decision criteria in knowledge/deciding/*.md.
CUES: dict[str, tuple[str, ...]] = {
    "ai_engineer": (
        r"\bllms?\b",
        r"\bgpt",
        r"chat ?bot",
        r"assistant",
        r"\brag\b",
        r"retrieval",
        r"prompt",
        r"foundation model",
        r"pre-?trained",
        r"openai",
        r"anthropic",
        r"claude",
        r"copilot",
        r"generative",
        r"gen ?ai",
        r"\bapi\b",
        r"\bapis\b",
        r"product feature",
        r"integrat",
        r"summari[sz]",
        r"agent",
        r"semantic search",
        r"vector (db|database)",
        r"embedding",
        r"langchain",
        r"hallucinat",
        r"off-the-shelf",
        r"existing models?",
    ),
    "ml_engineer": (
        r"production",
        r"\bdeploy",
        r"serving",
        r"\bserve\b",
        r"pipeline",
        r"mlops",
        r"monitor",
        r"drift",
        r"retrain",
        r"real-?time",
        r"latency",
        r"at scale",
        r"scal(e|ing) (up|out)",
        r"feature store",
        r"feature engineering",
        r"inference",
        r"kubernetes",
        r"reliab",
        r"batch",
        r"model versioning",
        r"a/b test(ing)? (the )?model",
        r"productioni[sz]",
        r"notebook (into|to) production",
        r"own (our|the) models?",
        r"train (and|&) (deploy|serve)",
        r"recommendation (engine|system)",
        r"fraud (detection|model)",
        r"predictive model",
        r"forecasting (model|system|service)",
        r"ranking model",
        r"breaks? in production",
    ),
    "data_scientist": (
        r"insight",
        r"analy[sz]",
        r"dashboard",
        r"report",
        r"\bbi\b",
        r"business question",
        r"experiment design",
        r"a/b test",
        r"statistic",
        r"causal",
        r"correlation",
        r"\bsql\b",
        r"understand why",
        r"why (did|are|is|do)",
        r"decision",
        r"stakeholder",
        r"trend",
        r"segment",
        r"explor",
        r"visuali[sz]",
        r"kpi",
        r"churn analysis",
        r"survey",
        r"pricing study",
        r"what drives",
        r"which (customers|users)",
        r"measure (the )?impact",
        # Vector Talent Partners / Coders.dev: causation, business opportunities and risks
        r"(design|analy[sz]e|read) (the |an |our )?(experiment|a/b)",
        r"present (the |our )?(findings|results)",
        r"opportunit\w* (and|or) risks?",
        r"caus(e|ation|al)\b",
        r"\b(drove|drives?|driving)\b",
        r"dig into",
        r"patterns? in (our|the) data",
    ),
    "ml_scientist": (
        r"research",
        r"novel",
        r"new (algorithm|architecture|method|model)",
        r"invent",
        r"state[- ]of[- ]the[- ]art",
        r"\bsota\b",
        r"paper",
        r"publish",
        r"\bphd\b",
        r"patent",
        r"breakthrough",
        r"from scratch",
        r"first principles",
        r"beyond (what )?off-the-shelf",
        r"no (existing|off-the-shelf)",
        r"nobody has solved",
        r"proprietary (algorithm|model|method)",
        r"fundamental",
        r"theor",
        r"pre-?train(ing)? (our own|a new|a large)",
        r"\brlhf\b",
        r"billion-parameter",
        r"academic",
    ),
}
# Role prototypes: the articles' decision criteria, one short statement each (Vector Talent
# Partners' three questions and role competencies, Gutierrez's recommendations, Obsidi's rule,
# Coders.dev's key questions). A situation is compared with each statement.
PROTOTYPES: dict[str, tuple[str, ...]] = {
    "ai_engineer": (
        "The primary output is AI-powered product features.",
        "The work lives in LLM APIs and the product codebase.",
        "Failure looks like an LLM feature that is slow, expensive or unreliable.",
        "Build product features on pre-trained foundation models with retrieval, prompts and guardrails.",
        "Implement AI capabilities quickly with existing models for customer-facing features.",
    ),
    "ml_engineer": (
        "The primary output is trained, deployed models.",
        "The work lives in training infrastructure and model serving.",
        "Failure looks like a model that degrades and breaks in production.",
        "Make a prototype model production-grade with feature pipelines, serving, monitoring and retraining.",
        "Ship a model into a live product.",
    ),
    "data_scientist": (
        "The primary output is analysis that informs decisions.",
        "The work lives in notebooks and analytics tools.",
        "Failure looks like bad analysis that misleads decisions.",
        "Answer a business question with data.",
        "Design and analyse experiments, separate causation from correlation, and explain findings to stakeholders.",
    ),
    "ml_scientist": (
        "The primary output is new ML methods, models or algorithms.",
        "A novel problem that off-the-shelf AI cannot solve, such as a proprietary algorithm.",
        "Exploratory, longer-term research that leads to papers or patents.",
        "Train models from scratch or invent new algorithms and architectures.",
        "Push the state of the art in machine learning.",
    ),
}
_COMPILED = {role: [re.compile(c, re.IGNORECASE) for c in cues] for role, cues in CUES.items()}


@dataclass(frozen=True, slots=True)
class RecommenderConfig:
    """Weights of the two signals and the ambiguity rule (tuned on evals/roles.yaml)."""

    similarity_weight: float = 6.0
    prototype_weight: float = 6.0
    cue_weight: float = 1.6
    profile_top: int = 15
    ambiguous_margin: float = 0.35
    min_confidence: float = 0.55


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
    cues: dict[str, list[str]] = field(default_factory=dict)

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


def matched_cues(text: str) -> dict[str, list[str]]:
    """The cue phrases of each role found in the text."""
    found: dict[str, list[str]] = {}
    for role, patterns in _COMPILED.items():
        hits = []
        for pattern in patterns:
            match = pattern.search(text)
            if match:
                hits.append(match.group(0).lower())
        found[role] = hits
    return found


def softmax(logits: dict[str, float]) -> dict[str, float]:
    """Normalised exponentials (stable)."""
    top = max(logits.values())
    exps = {k: math.exp(v - top) for k, v in logits.items()}
    total = sum(exps.values())
    return {k: v / total for k, v in exps.items()}


@dataclass(slots=True)
class RoleProfile:
    """The sentences of the knowledge that describe one role (with their chunks and vectors)."""

    role: str
    chunks: list[Chunk]
    vectors: np.ndarray


class RoleRecommender:
    """Scores a free-text hiring need against the four role profiles."""

    def __init__(
        self, store: VectorStore, embedder: Embedder, *, config: RecommenderConfig | None = None
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.config = config or RecommenderConfig()
        self._profiles: dict[str, RoleProfile] | None = None
        self._version: str | None = None
        self._prototypes: dict[str, np.ndarray] | None = None

    def prototype_vectors(self) -> dict[str, np.ndarray]:
        """Embedded decision-criteria statements per role (computed once)."""
        if self._prototypes is None:
            self._prototypes = {r: self.embedder.embed(list(PROTOTYPES[r])) for r in ROLE_IDS}
        return self._prototypes

    def profiles(self) -> dict[str, RoleProfile]:
        """Role profiles from the sentences of single-role documents, rebuilt when the corpus
        changes (sentence vectors separate the roles better than whole chunks)."""
        version = self.store.version()
        if self._profiles is None or version != self._version:
            chunks = self.store.all_chunks()
            by_role: dict[str, list[Chunk]] = {r: [] for r in ROLE_IDS}
            for chunk in chunks:
                if len(chunk.roles) == 1:
                    by_role[chunk.roles[0]].append(chunk)
            units = self.store.units_for([c.id for cs in by_role.values() for c in cs])
            self._profiles = {}
            for role, cs in by_role.items():
                rows = [(c, u.vector) for c in cs for u in units.get(c.id, [])]
                self._profiles[role] = RoleProfile(
                    role,
                    [c for c, _ in rows],
                    np.stack([v for _, v in rows])
                    if rows
                    else np.zeros((0, self.embedder.dimension)),
                )
            self._version = version
        return self._profiles

    def recommend(self, situation: str) -> RoleRecommendation:
        """Scores for all four roles, a confidence, a rationale and the passages behind it."""
        cfg = self.config
        vector = self.embedder.embed([situation])[0]
        similarity: dict[str, float] = {}
        best_chunk: dict[str, tuple[Chunk, float]] = {}
        for role, profile in self.profiles().items():
            if not len(profile.chunks):
                similarity[role] = 0.0
                continue
            sims = profile.vectors @ vector
            top = np.sort(sims)[-cfg.profile_top :]
            similarity[role] = float(top.mean())
            i = int(np.argmax(sims))
            best_chunk[role] = (profile.chunks[i], float(sims[i]))
        mean_sim = sum(similarity.values()) / len(similarity)
        prototype = {r: float(np.max(v @ vector)) for r, v in self.prototype_vectors().items()}
        mean_proto = sum(prototype.values()) / len(prototype)
        cues = matched_cues(situation)
        logits = {
            role: cfg.similarity_weight * (similarity[role] - mean_sim)
            + cfg.prototype_weight * (prototype[role] - mean_proto)
            + cfg.cue_weight * math.log1p(len(cues[role]))
            for role in ROLE_IDS
        }
        scores = softmax(logits)
        ranked = sorted(ROLE_IDS, key=lambda r: -scores[r])
        role, second = ranked[0], ranked[1]
        margin = scores[role] - scores[second]
        ambiguous = margin < cfg.ambiguous_margin or scores[role] < cfg.min_confidence
        runner_up = second if margin < cfg.ambiguous_margin else None
        sources = [_citation(*best_chunk[r]) for r in (role, runner_up) if r and r in best_chunk]
        return RoleRecommendation(
            situation=situation,
            role=role,
            confidence=scores[role],
            scores=scores,
            rationale=rationale(role, runner_up, cues, ambiguous=ambiguous),
            sources=sources,
            ambiguous=ambiguous,
            runner_up=runner_up,
            cues=cues,
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
    role: str, runner_up: str | None, cues: dict[str, list[str]], *, ambiguous: bool
) -> str:
    """A short, human explanation tied to the words the user wrote."""
    name = ROLE_NAMES[role]
    said = cues.get(role) or []
    because = f" You mentioned {_quote_list(said)}." if said else ""
    text = f"This sounds like an *{name}*: someone who {ROLE_SUMMARIES[role]}.{because}"
    if runner_up:
        other = ROLE_NAMES[runner_up]
        text += f" An *{other}* is a close second: someone who {ROLE_SUMMARIES[runner_up]}."
    if ambiguous:
        text += (
            " Your description fits more than one role, so treat this as a first guess — the "
            "guided walkthrough (say *help me pick a role*) will narrow it down."
        )
    return text


def _quote_list(words: Sequence[str]) -> str:
    quoted = [f"“{w}”" for w in dict.fromkeys(words)][:4]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _citation(chunk: Chunk, score: float) -> Citation:
    original = "; ".join(o.label for o in chunk.origins) or chunk.title
    quote = clip(chunk.text, 400)
    return Citation(chunk.source, chunk.title, original, round(score, 4), quote)
