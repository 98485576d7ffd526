"""The role-picking dialog service: walkthrough state in the state store, free-text
recommendations, and the final sourced brief. Surface-agnostic (Slack and the terminal chat)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.roles import walkthrough as wt
from bot.roles.brief import BriefBuilder, HiringBrief
from bot.roles.recommender import RoleRecommendation, RoleRecommender
from bot.stores.state import StateStore

logger = logging.getLogger(__name__)

CANCEL_WORDS = frozenset({"cancel", "stop", "quit", "exit", "never mind", "nevermind"})
BACK_WORDS = frozenset({"back", "go back", "previous", "undo"})
RESTART_WORDS = frozenset({"start over", "restart", "reset", "start again"})


@dataclass(frozen=True, slots=True)
class QuestionView:
    """Show the current question of a walkthrough."""

    walk: wt.Walkthrough
    question: wt.Question
    note: str = ""

    @property
    def number(self) -> int:
        """1-based position."""
        return self.walk.position + 1

    @property
    def total(self) -> int:
        """Number of questions."""
        return len(wt.QUESTIONS)


@dataclass(frozen=True, slots=True)
class ResultView:
    """The walkthrough's recommendation and the brief for the recommended role."""

    walk: wt.Walkthrough
    outcome: wt.Outcome
    brief: HiringBrief


@dataclass(frozen=True, slots=True)
class NoticeView:
    """A plain message (expired walkthrough, cancelled, ...); `restart` offers a start button."""

    text: str
    restart: bool = False


DialogView = QuestionView | ResultView | NoticeView
EXPIRED = NoticeView("This walkthrough expired or was replaced. Let's start again.", restart=True)


class RoleDialog:
    """Runs walkthroughs per conversation; state lives in the state store and expires."""

    def __init__(
        self,
        state: StateStore,
        recommender: RoleRecommender,
        briefs: BriefBuilder,
        *,
        ttl_s: int,
    ) -> None:
        self.state = state
        self.recommender = recommender
        self.briefs = briefs
        self.ttl_s = ttl_s

    def _key(self, conversation: str) -> str:
        return f"walk:{conversation}"

    def load(self, conversation: str) -> wt.Walkthrough | None:
        """The active walkthrough of a conversation (None if none, expired or unreadable)."""
        raw = self.state.get(self._key(conversation))
        if raw is None:
            return None
        try:
            return wt.Walkthrough.from_dict(raw)
        except (KeyError, TypeError, ValueError):
            logger.warning(
                "dropping unreadable walkthrough state", extra={"conversation": conversation}
            )
            self.state.delete(self._key(conversation))
            return None

    def _save(self, conversation: str, walk: wt.Walkthrough) -> None:
        self.state.put(self._key(conversation), walk.to_dict(), self.ttl_s)

    def _view(self, conversation: str, walk: wt.Walkthrough, note: str = "") -> DialogView:
        if walk.done:
            self.state.delete(self._key(conversation))
            result = wt.outcome(walk)
            return ResultView(walk, result, self.briefs.build(result.role))
        self._save(conversation, walk)
        assert walk.current is not None
        return QuestionView(walk, walk.current, note)

    def start(self, conversation: str) -> DialogView:
        """Begin (or restart) the walkthrough in this conversation."""
        return self._view(conversation, wt.start())

    def is_active(self, conversation: str) -> bool:
        """True while a walkthrough awaits an answer here."""
        return self.load(conversation) is not None

    def click(
        self, conversation: str, walk_id: str, question_id: str, option_id: str
    ) -> DialogView:
        """A button answer; stale or unknown clicks get the gentle 'expired' notice."""
        walk = self.load(conversation)
        if walk is None or walk.id != walk_id:
            return EXPIRED
        try:
            walk = wt.choose(walk, question_id, option_id)
        except wt.InvalidChoice:
            if walk.current is not None and walk.current.id != question_id:
                return self._view(conversation, walk, "That button was from an earlier step.")
            return EXPIRED
        return self._view(conversation, walk)

    def back(self, conversation: str, walk_id: str) -> DialogView:
        """Undo the last answer."""
        walk = self.load(conversation)
        if walk is None or walk.id != walk_id:
            return EXPIRED
        return self._view(conversation, wt.back(walk))

    def restart(self, conversation: str, walk_id: str | None = None) -> DialogView:
        """Start over (a stale id still restarts: that is what the user asked for)."""
        return self.start(conversation)

    def cancel(self, conversation: str) -> NoticeView:
        """Stop the walkthrough."""
        self.state.delete(self._key(conversation))
        return NoticeView(
            "Walkthrough stopped. Ask me anything, or say *help me pick a role* to restart."
        )

    def text(self, conversation: str, text: str) -> DialogView:
        """A typed message while a walkthrough is active: a command word, an option number or
        label, or a free-text answer interpreted by the recommender."""
        walk = self.load(conversation)
        if walk is None:
            return EXPIRED
        lowered = text.strip().lower().rstrip(".!")
        if lowered in CANCEL_WORDS:
            return self.cancel(conversation)
        if lowered in BACK_WORDS:
            return self._view(conversation, wt.back(walk))
        if lowered in RESTART_WORDS:
            return self.start(conversation)
        question = walk.current
        assert question is not None
        option = _typed_option(question, lowered)
        if option is not None:
            return self._view(conversation, wt.choose(walk, question.id, option.id))
        if lowered.isdigit() or not self.recommender.understands(text):
            # not one of the options and nothing the role model can read: ask again
            return self._view(conversation, walk, not_understood(question))
        rec = self.recommender.recommend(text)
        note = f"I read that as pointing towards *{_role_name(rec.role)}*."
        return self._view(conversation, wt.answer_text(walk, text, rec.scores), note)

    def accepts(self, conversation: str, text: str) -> bool:
        """Is `text` plainly addressed to the active walkthrough: a command word, or an option
        by number or label?"""
        walk = self.load(conversation)
        if walk is None or walk.current is None:
            return False
        lowered = text.strip().lower().rstrip(".!")
        commands = CANCEL_WORDS | BACK_WORDS | RESTART_WORDS
        return lowered in commands or _typed_option(walk.current, lowered) is not None

    def recommend(self, situation: str) -> RoleRecommendation:
        """Free-text recommendation (the `pick-role` command and Slack descriptions)."""
        return self.recommender.recommend(situation)


def not_understood(question: wt.Question) -> str:
    """The note of a question asked again: what a valid answer looks like."""
    return (
        f"I didn't catch that. Pick an option (1–{len(question.options)}), or describe the "
        "work in a few words; or say *back*, *start over* or *cancel*."
    )


def _typed_option(question: wt.Question, lowered: str) -> wt.Option | None:
    if lowered.isdigit() and 1 <= int(lowered) <= len(question.options):
        return question.options[int(lowered) - 1]
    return next((o for o in question.options if o.label.lower() == lowered), None)


def _role_name(role: str) -> str:
    from bot.roles.recommender import ROLE_NAMES

    return ROLE_NAMES[role]
