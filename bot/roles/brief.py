"""The sourced hiring brief for a role: each section is a grounded, cited answer from the knowledge."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from bot.answering.compose import merge_answers
from bot.answering.qa import QuestionAnswerer
from bot.roles.recommender import ROLE_NAMES
from bot.types import Answer

# (key, title, questions asked of the knowledge base with the points each may use); {name} is
# the role's name. A section with several questions merges their cited answers, so the interview
# plan shows the stages and the core questions whole, then what to assess for this role.
SECTIONS: tuple[tuple[str, str, tuple[tuple[str, int], ...]], ...] = (
    (
        "jd",
        "Job description outline",
        (
            (
                "How should I write the job description for an {name}: "
                "the problem, must-haves and stack?",
                3,
            ),
        ),
    ),
    ("skills", "Must-have skills and tools", (("Which skills and tools must an {name} have?", 3),)),
    (
        "interview",
        "Interview plan",
        (
            ("What interview stages should the process have, in order?", 1),
            ("Which core interview questions should every candidate be asked?", 2),
            ("What should an interview for an {name} assess?", 2),
        ),
    ),
    (
        "red_flags",
        "Red flags",
        (
            ("Which candidate red flags predict a poor hire?", 1),
            ("Which hiring mistakes should I avoid for an {name}?", 2),
        ),
    ),
    ("pay", "Pay ranges (per source)", (("What salary does an {name} earn at each level?", 3),)),
    ("rates", "Contractor rates", (("What hourly rate do freelance ML contractors charge?", 3),)),
)


@dataclass(frozen=True, slots=True)
class BriefSection:
    """One titled part of the brief."""

    key: str
    title: str
    answer: Answer


@dataclass(frozen=True, slots=True)
class HiringBrief:
    """Everything a hiring manager needs to open the role, every part cited."""

    role: str
    sections: tuple[BriefSection, ...]

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "role": self.role,
            "sections": [
                {"key": s.key, "title": s.title, **s.answer.to_dict()} for s in self.sections
            ],
        }


def role_phrase(role: str) -> str:
    """'AI engineer', with the right article handled by the templates ('an' fits all four)."""
    return ROLE_NAMES[role]


class BriefBuilder:
    """Builds briefs through the question answerer; cached per role and corpus version."""

    def __init__(self, qa: QuestionAnswerer) -> None:
        self.qa = qa
        self.composer = replace(qa.composer, max_chars=900)
        self._cache: dict[tuple[str, str], HiringBrief] = {}
        self._lock = threading.Lock()

    def build(self, role: str) -> HiringBrief:
        """The brief for `role` (one of the four role ids)."""
        key = (role, self.qa.store.version())
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        name = role_phrase(role)
        sections = tuple(
            BriefSection(key_, title, self._section(questions, name))
            for key_, title, questions in SECTIONS
        )
        brief = HiringBrief(role, sections)
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if k[1] == key[1]}
            self._cache[key] = brief
        return brief

    def _section(self, questions: tuple[tuple[str, int], ...], name: str) -> Answer:
        """One section: each question answered within its points, the answers merged."""
        answers = [
            self.qa.ask(question.format(name=name), composer=replace(self.composer, max_points=n))
            for question, n in questions
        ]
        return answers[0] if len(answers) == 1 else merge_answers(answers)
