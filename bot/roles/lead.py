"""The direct answer to 'which role should we hire?': the role recommender's pick, said first."""

from __future__ import annotations

from bot.answering.compose import Lead
from bot.roles.recommender import ROLE_NAMES, ROLE_SUMMARIES, RoleRecommender


class RoleLead:
    """Leads a role-choice answer with the recommended role, its reason and its citation
    (and the runner-up when the call is close)."""

    def __init__(self, recommender: RoleRecommender) -> None:
        self.recommender = recommender

    def lead(self, question: str) -> Lead | None:
        """The pick for the situation the question describes."""
        rec = self.recommender.recommend(question)
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
