"""The sourced hiring brief for a role: each section is a grounded, cited answer from the knowledge."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from bot.qa import QuestionAnswerer
from bot.roles import ROLE_NAMES
from bot.types import Answer

# (key, title, question asked of the knowledge base); {name} is the role's name.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "jd",
        "Job description outline",
        "How should I write the job description for an {name}: the problem, must-haves and stack?",
    ),
    ("skills", "Must-have skills and tools", "Which skills and tools must an {name} have?"),
    (
        "interview",
        "Interview plan",
        "Which interview stages and sample questions reveal real ML expertise? "
        "What should an interview for an {name} test?",
    ),
    (
        "red_flags",
        "Red flags",
        "Which red flags predict a poor ML hire? When is an {name} the wrong hire?",
    ),
    ("pay", "Pay ranges (per source)", "What salary does an {name} earn at each level?"),
    ("rates", "Contractor rates", "What hourly rate do freelance ML contractors charge?"),
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

    def __init__(self, qa: QuestionAnswerer, *, points_per_section: int = 3) -> None:
        self.qa = qa
        self.composer = replace(qa.composer, max_points=points_per_section, max_chars=900)
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
            BriefSection(k, title, self.qa.ask(question.format(name=name), composer=self.composer))
            for k, title, question in SECTIONS
        )
        brief = HiringBrief(role, sections)
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if k[1] == key[1]}
            self._cache[key] = brief
        return brief
