"""What an answer must lead with, per kind of question: the answer plan.

Each of the 11 on-topic kinds has a plan: which sentence forms and figure types may lead, whether
the lead is a list (shown whole, items ranked and capped), and how much support follows. The
question's frame (bot/answering/frame.py: the roles, levels and regions it asks about) is matched against every
sentence's tags (bot/indexing/tagging.py); the learned ranker (bot/answering/ranker.py) weighs
those matches, and the plan decides which of the best sentences may lead.
"""

from __future__ import annotations

from dataclasses import dataclass

ALL_KINDS = (
    "role_choice",
    "role_difference",
    "pay",
    "contracting",
    "skills",
    "job_description",
    "interviewing",
    "red_flags",
    "sourcing",
    "industries",
    "concepts",
)


@dataclass(frozen=True, slots=True)
class AnswerPlan:
    """How to answer one kind of question."""

    kind: str
    # forms a lead may take (empty: any), in order of preference
    lead_forms: tuple[str, ...] = ()
    # figure types a lead should state (empty: none needed)
    lead_figures: tuple[str, ...] = ()
    # the lead is a list (a lead-in sentence with its items)
    list_lead: bool = False
    # forms never shown as a lead (they qualify an answer, they do not give it)
    never_lead: tuple[str, ...] = ("meta", "caveat")
    # a comparison that names the asked roles may lead
    compares: bool = False
    max_points: int = 5
    max_items: int = 6


PLANS: dict[str, AnswerPlan] = {
    "pay": AnswerPlan(
        "pay",
        lead_figures=("annual",),
        lead_forms=("statement", "list_lead", "list_item", "absence", "comparison"),
    ),
    "contracting": AnswerPlan("contracting", lead_figures=("hourly",)),
    "red_flags": AnswerPlan("red_flags", lead_forms=("list_lead", "list_item"), list_lead=True),
    "interviewing": AnswerPlan(
        "interviewing", lead_forms=("list_lead", "list_item"), list_lead=True
    ),
    "skills": AnswerPlan("skills", lead_forms=("list_lead", "list_item"), list_lead=True),
    "job_description": AnswerPlan(
        "job_description", lead_forms=("list_lead", "list_item"), list_lead=True
    ),
    "role_difference": AnswerPlan(
        "role_difference", lead_forms=("comparison", "definition", "statement"), compares=True
    ),
    "role_choice": AnswerPlan("role_choice", lead_forms=("comparison", "statement", "definition")),
    "sourcing": AnswerPlan("sourcing"),
    "industries": AnswerPlan("industries"),
    "concepts": AnswerPlan("concepts", lead_forms=("definition", "statement")),
}
DEFAULT_PLAN = AnswerPlan("")


def plan_for(kind: str) -> AnswerPlan:
    """The plan of a kind of question (a neutral plan for an unknown kind)."""
    return PLANS.get(kind, DEFAULT_PLAN)
