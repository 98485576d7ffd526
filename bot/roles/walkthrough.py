"""The guided role walkthrough as a pure state machine: `start()`, `choose()`, `back()`, `scores()`.

Questions come from the articles' decision criteria (Vector Talent Partners: primary output,
where the work lives, what failure looks like; Gutierrez: build on existing models vs invent new
ones, short-term product goals vs exploratory research). One constant list feeds both the
buttons and the validation of clicks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from bot.types import ROLE_IDS


@dataclass(frozen=True, slots=True)
class Option:
    """One button answer and the role evidence it carries."""

    id: str
    label: str
    weights: dict[str, float]


@dataclass(frozen=True, slots=True)
class Question:
    """One step of the walkthrough."""

    id: str
    prompt: str
    source: str
    options: tuple[Option, ...]

    def option(self, option_id: str) -> Option | None:
        """The option with this id, if any."""
        return next((o for o in self.options if o.id == option_id), None)


def _w(ai: float = 0, mle: float = 0, ds: float = 0, mls: float = 0) -> dict[str, float]:
    return {"ai_engineer": ai, "ml_engineer": mle, "data_scientist": ds, "ml_scientist": mls}


QUESTIONS: tuple[Question, ...] = (
    Question(
        "output",
        "What should this person mainly *deliver*?",
        "Vector Talent Partners: what is the primary output?",
        (
            Option("analysis", "Analysis and recommendations that inform decisions", _w(ds=3)),
            Option("models", "Trained models running reliably in production", _w(mle=3)),
            Option(
                "features",
                "AI features in our product, built on LLMs or other pre-trained models",
                _w(ai=3),
            ),
            Option("research", "New ML methods, models or research results", _w(mls=3)),
        ),
    ),
    Question(
        "workplace",
        "Where will most of the work *happen*?",
        "Vector Talent Partners: where does the work live?",
        (
            Option("notebooks", "Notebooks, SQL and analytics tools", _w(ds=2)),
            Option("infra", "Training pipelines and model-serving infrastructure", _w(mle=2)),
            Option("product", "LLM APIs and our product codebase", _w(ai=2)),
            Option("lab", "Research experiments, often on large compute", _w(mls=2)),
        ),
    ),
    Question(
        "failure",
        "What would *failure* look like?",
        "Vector Talent Partners: what does failure look like?",
        (
            Option("misleading", "Analysis that misleads a business decision", _w(ds=2)),
            Option("degrading", "A model that degrades or breaks in production", _w(mle=2)),
            Option("unreliable", "An AI feature that is slow, expensive or unreliable", _w(ai=2)),
            Option("no_advance", "No improvement over what already exists", _w(mls=2)),
        ),
    ),
    Question(
        "training",
        "Do you need to *train your own models*?",
        "Gutierrez: AI engineers may never train a model; ML scientists often train from scratch",
        (
            Option("use_existing", "No — use existing models and AI APIs", _w(ai=2, ds=0.5)),
            Option(
                "train_serve", "Yes — train, deploy and retrain our own models", _w(mle=2, mls=0.5)
            ),
            Option("invent", "Yes — and invent new architectures or algorithms", _w(mls=2)),
            Option("stats", "Mostly statistics and experiments, not deployed models", _w(ds=2)),
        ),
    ),
    Question(
        "horizon",
        "How will you *measure success*, and over what horizon?",
        "Gutierrez: research is exploratory and longer-term; AI engineering serves short-term product goals",
        (
            Option("product_goals", "Shipping product features this quarter", _w(ai=1.5, mle=0.5)),
            Option("reliability", "Accuracy and uptime of live models over time", _w(mle=1.5)),
            Option("decisions", "Better business decisions and answered questions", _w(ds=1.5)),
            Option("long_term", "Long-term, exploratory research results", _w(mls=1.5)),
        ),
    ),
)
QUESTION_IDS = tuple(q.id for q in QUESTIONS)
RUNNER_UP_RATIO = 0.75
FREE_TEXT_WEIGHT = 2.5


@dataclass(frozen=True, slots=True)
class Step:
    """An answered step: a button option or a free-text answer with its interpreted weights."""

    question: str
    option: str | None
    text: str
    weights: dict[str, float]


@dataclass(frozen=True, slots=True)
class Walkthrough:
    """Immutable walkthrough state; `id` lets stale button clicks be recognised."""

    id: str
    steps: tuple[Step, ...] = ()

    @property
    def position(self) -> int:
        """Index of the current question (== len(QUESTIONS) when finished)."""
        return len(self.steps)

    @property
    def done(self) -> bool:
        """True once every question is answered."""
        return self.position >= len(QUESTIONS)

    @property
    def current(self) -> Question | None:
        """The question to ask now."""
        return None if self.done else QUESTIONS[self.position]

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the state store."""
        return {
            "id": self.id,
            "steps": [
                {"question": s.question, "option": s.option, "text": s.text, "weights": s.weights}
                for s in self.steps
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Walkthrough:
        """Inverse of `to_dict` (raises KeyError/TypeError on malformed data)."""
        steps = tuple(
            Step(
                str(s["question"]),
                s.get("option"),
                str(s.get("text", "")),
                {str(k): float(v) for k, v in s["weights"].items()},
            )
            for s in data["steps"]
        )
        return cls(id=str(data["id"]), steps=steps)


class InvalidChoice(ValueError):
    """A click that does not belong to the current question."""


def start() -> Walkthrough:
    """A fresh walkthrough at the first question."""
    return Walkthrough(id=uuid.uuid4().hex[:12])


def choose(state: Walkthrough, question_id: str, option_id: str) -> Walkthrough:
    """Answer the current question with a button option; anything else is an InvalidChoice."""
    question = state.current
    if question is None or question.id != question_id:
        raise InvalidChoice(f"not the current question: {question_id}")
    option = question.option(option_id)
    if option is None:
        raise InvalidChoice(f"unknown option {option_id!r} for {question_id}")
    step = Step(question.id, option.id, option.label, dict(option.weights))
    return replace(state, steps=(*state.steps, step))


def answer_text(state: Walkthrough, text: str, role_scores: dict[str, float]) -> Walkthrough:
    """Answer the current question in words: `role_scores` (from the free-text recommender,
    summing to 1) become that step's evidence."""
    question = state.current
    if question is None:
        raise InvalidChoice("the walkthrough is already finished")
    weights = {r: FREE_TEXT_WEIGHT * float(role_scores.get(r, 0.0)) for r in ROLE_IDS}
    return replace(state, steps=(*state.steps, Step(question.id, None, text, weights)))


def back(state: Walkthrough) -> Walkthrough:
    """Undo the last answer (no-op at the first question)."""
    return replace(state, steps=state.steps[:-1])


def scores(state: Walkthrough) -> dict[str, float]:
    """Accumulated evidence per role, normalised to sum to 1 (uniform before any answer)."""
    totals = dict.fromkeys(ROLE_IDS, 0.0)
    for step in state.steps:
        for role, weight in step.weights.items():
            totals[role] = totals.get(role, 0.0) + weight
    total = sum(totals.values())
    if total <= 0:
        return {r: 1 / len(ROLE_IDS) for r in ROLE_IDS}
    return {r: v / total for r, v in totals.items()}


@dataclass(frozen=True, slots=True)
class Outcome:
    """The walkthrough's verdict and the answers that support it."""

    role: str
    runner_up: str | None
    scores: dict[str, float]
    supporting: tuple[Step, ...] = field(default_factory=tuple)


def outcome(state: Walkthrough) -> Outcome:
    """Recommended role, a runner-up when close, and the answers that pointed to the winner."""
    ranked_scores = scores(state)
    ranked = sorted(ROLE_IDS, key=lambda r: -ranked_scores[r])
    role, second = ranked[0], ranked[1]
    close = ranked_scores[second] >= RUNNER_UP_RATIO * ranked_scores[role]
    supporting = tuple(
        s
        for s in state.steps
        if s.weights.get(role, 0) == max(s.weights.values()) and s.weights[role] > 0
    )
    return Outcome(role, second if close else None, ranked_scores, supporting)
