"""The direct answer to 'which role should we hire?': the role recommender's pick, said first."""

from __future__ import annotations

import math
from collections.abc import Mapping

from bot.answering.compose import Lead
from bot.roles.recommender import ROLE_NAMES, ROLE_SUMMARIES, RoleRecommender

# nats of information a question of choosing must carry about its situation for a pick to lead
# (set on the dev halves of the answer and routing sets: 0.35 to 0.5 do the same there; a
# described need moves the recommender by about 1 or more, "any simple trick to decide?" by 0.4)
MIN_EVIDENCE = 0.5


class RoleLead:
    """Leads a role-choice answer with the recommended role, its reason and its citation
    (and the runner-up when the call is close)."""

    def __init__(self, recommender: RoleRecommender, *, min_evidence: float = MIN_EVIDENCE) -> None:
        self.recommender = recommender
        self.min_evidence = min_evidence
        self._prior: dict[str, float] | None = None

    def evidence(self, scores: Mapping[str, float]) -> float:
        """How much the message moved the recommender from what it says about no situation at
        all: the KL divergence (nats) of its scores from the scores of an empty message."""
        if self._prior is None:
            self._prior = dict(self.recommender.recommend("").scores)
        prior = self._prior
        return float(sum(p * math.log(p / max(prior[r], 1e-9)) for r, p in scores.items() if p > 0))

    def lead(self, question: str, *, described: bool = True) -> Lead | None:
        """The pick for the situation the question describes. A question that only asks how to
        choose (`described` False) gets no pick unless it says enough about its situation to
        move the recommender (`min_evidence`); the method of choosing then leads instead."""
        rec = self.recommender.recommend(question)
        if not described and self.evidence(rec.scores) < self.min_evidence:
            return None
        name = ROLE_NAMES[rec.role]
        text = f"*Hire {_article(name)} {name}*: someone who {ROLE_SUMMARIES[rec.role]}."
        if rec.runner_up:
            other = ROLE_NAMES[rec.runner_up]
            text += (
                f" It is a close call with {_article(other)} {other} "
                f"({rec.scores[rec.role]:.0%} vs {rec.scores[rec.runner_up]:.0%})."
            )
        return Lead(text, tuple(rec.sources[:1]), role=rec.role, confidence=rec.confidence)


def _article(name: str) -> str:
    return "an" if name[:1].lower() in "aeiou" or name.startswith(("ML", "AI")) else "a"
