"""The question log: what became of each question (answered, partly covered, declined), the
👍/👎 votes on its answer, what people said was wrong with it, and their requests to the
recruiting team, kept in the state store for `hirebot gaps` — knows nothing of Slack."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Literal

from bot.errors import StoreUnavailable
from bot.stores.state import Annotation, QuestionRecord, StateStore
from bot.types import Answer

logger = logging.getLogger(__name__)
Outcome = Literal["answered", "partial", "declined"]
OUTCOMES: tuple[Outcome, ...] = ("declined", "partial", "answered")


def outcome_of(answer: Answer) -> Outcome:
    """Declined when not grounded, partial when some part is not covered, else answered."""
    if not answer.grounded:
        return "declined"
    return "partial" if answer.uncovered else "answered"


class QuestionLog:
    """Records questions and votes in the state store (or nothing, when turned off)."""

    def __init__(self, state: StateStore, *, ttl_s: float, enabled: bool = True) -> None:
        self.state = state
        self.ttl_s = ttl_s
        self.enabled = enabled

    def record(
        self,
        answer: Answer,
        *,
        user: str,
        conversation: str = "",
        question_id: str | None = None,
    ) -> str | None:
        """Log `answer`'s question and outcome; returns the record id (None when off or the store
        is unreachable: the user still gets the answer)."""
        if not self.enabled:
            return None
        record = QuestionRecord(
            id=question_id or uuid.uuid4().hex[:16],
            question=answer.question,
            outcome=outcome_of(answer),
            at=time.time(),
            user=user,
            conversation=conversation,
            resolved=answer.resolved_question or "",
            uncovered=tuple(answer.uncovered),
            sources=tuple(dict.fromkeys(s.source for s in answer.sources)),
        )
        try:
            self.state.add_question(record, self.ttl_s)
        except StoreUnavailable:
            logger.warning("question not logged: state store unreachable", extra={"id": record.id})
            return None
        logger.debug("question logged", extra={"id": record.id, "outcome": record.outcome})
        return record.id

    def record_vote(self, question_id: str, *, user: str, vote: str) -> bool:
        """Attach a 👍/👎 to a logged question; False when off or the question is not logged."""
        return self._annotate(question_id, "votes", user, vote)

    def record_comment(self, question_id: str, *, user: str, text: str) -> bool:
        """Attach what `user` said was wrong with the answer (their later comment replaces it);
        False when off or the question is not logged."""
        return self._annotate(question_id, "comments", user, text)

    def record_escalation(self, question_id: str, *, user: str, where: str) -> bool:
        """Note that `user` asked the recruiting team about the question (`where`: the post);
        False when off or the question is not logged."""
        return self._annotate(question_id, "escalations", user, where)

    def _annotate(self, question_id: str, kind: Annotation, user: str, value: str) -> bool:
        if not self.enabled:
            return False
        try:
            return self.state.annotate_question(question_id, kind, user, value)
        except StoreUnavailable:
            logger.warning(
                "note not logged: state store unreachable", extra={"id": question_id, "kind": kind}
            )
            return False

    def since(self, since: float, *, limit: int = 10_000) -> list[QuestionRecord]:
        """Questions asked at or after `since` (epoch seconds), most recent first."""
        return self.state.questions(since=since, limit=limit)
