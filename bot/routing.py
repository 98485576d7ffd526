"""Where a message goes: one decision over the question classifier's reading of it.

Order: the message is validated first (by the caller), then its scope is judged, then it is
routed by its most likely label. A greeting or thanks needs no answer; an off-topic message is
declined whatever its phrasing ("we need to sponsor a visa for our ML engineer"); an on-topic
message goes to the walkthrough, the role recommender or the answerer by its label. A described
hiring need goes to the recommender only when no other on-topic kind is more probable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.answering.classify import (
    ACKNOWLEDGEMENT,
    NEED_DESCRIPTION,
    ROLE_CHOICE,
    WALKTHROUGH_REQUEST,
    QuestionKind,
)

Route = Literal["answer", "recommendation", "walkthrough", "declined", "acknowledgement"]
ROUTES: tuple[Route, ...] = (
    "answer",
    "recommendation",
    "walkthrough",
    "declined",
    "acknowledgement",
)
# the labels a recommendation answers: a described need, or a question asking which role fits
RECOMMENDED_KINDS = frozenset({NEED_DESCRIPTION, ROLE_CHOICE})


@dataclass(frozen=True, slots=True)
class RouteDecision:
    """The route of one message, the on-topic kind it is answered as, and why."""

    route: Route
    kind: str
    reason: str


def decide_route(
    kind: QuestionKind, *, bar: float, in_scope_labels: frozenset[str]
) -> RouteDecision:
    """Route a message by the classifier's reading `kind`, declining below the in-scope `bar`."""
    off_topic = 1.0 - kind.in_scope_probability - kind.social_probability
    if kind.social_probability > max(kind.in_scope_probability, off_topic):
        return RouteDecision("acknowledgement", ACKNOWLEDGEMENT, f"social {kind.explain()}")
    if kind.in_scope_probability < bar:
        return RouteDecision("declined", kind.label, f"off topic: {kind.explain()}")
    on_topic = {k: p for k, p in kind.probabilities.items() if k in in_scope_labels}
    best = max(on_topic, key=lambda k: on_topic[k]) if on_topic else kind.label
    why = f"{best} ({on_topic.get(best, 0.0):.2f}; in scope {kind.in_scope_probability:.2f})"
    if best == WALKTHROUGH_REQUEST:
        return RouteDecision("walkthrough", best, why)
    if best in RECOMMENDED_KINDS:
        return RouteDecision("recommendation", ROLE_CHOICE, why)
    return RouteDecision("answer", best, why)
