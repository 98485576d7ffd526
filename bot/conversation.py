"""Conversations: route a user's message to help, an answer, or feedback — knows nothing of Slack."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.answering import followup
from bot.answering.compose import is_question
from bot.answering.generation import GenerationFailed, QuestionCondenser
from bot.answering.places import PlaceFinder
from bot.answering.qa import QuestionAnswerer
from bot.errors import HirebotError
from bot.gaps.question_log import QuestionLog
from bot.roles.dialog import DialogView, RoleDialog, describes_need, wants_walkthrough
from bot.roles.dialog import NoticeView as NoticeView
from bot.roles.dialog import QuestionView as QuestionView
from bot.roles.dialog import ResultView as ResultView
from bot.roles.recommender import RoleRecommendation
from bot.stores.state import Feedback, StateStore
from bot.types import Answer

# A Reply may carry a walkthrough view: front ends name the views (imported above) through here.
logger = logging.getLogger(__name__)
ReplyKind = Literal["answer", "help", "error", "dialog", "recommendation"]
VOTES = ("up", "down")
_GREETING = re.compile(r"^(hi|hello|hey|help|yo|hiya|good (morning|afternoon|evening))\W*$", re.I)


@dataclass(slots=True)
class Reply:
    """What to show the user, independent of the chat surface."""

    kind: ReplyKind
    text: str
    answer: Answer | None = None
    answer_id: str | None = None
    view: DialogView | None = None
    recommendation: RoleRecommendation | None = None


@dataclass(frozen=True, slots=True)
class FeedbackResult:
    """Outcome of a feedback click."""

    recorded: bool
    first_vote: bool
    message: str


class Conversations:
    """Keeps per-conversation context (the previous question) and answer records for feedback."""

    def __init__(
        self,
        qa: QuestionAnswerer,
        state: StateStore,
        *,
        ttl_s: int,
        dialog: RoleDialog | None = None,
        questions: QuestionLog | None = None,
        condenser: QuestionCondenser | None = None,
        places: PlaceFinder | None = None,
    ) -> None:
        self.qa = qa
        self.places = places
        self.state = state
        self.ttl_s = ttl_s
        self.dialog = dialog
        self.questions = questions or QuestionLog(state, ttl_s=ttl_s)
        self.condenser = condenser

    def respond(
        self,
        *,
        conversation: str,
        user: str,
        text: str,
        on_text: Callable[[str], None] | None = None,
        history: Sequence[str] = (),
    ) -> Reply:
        """Answer `text` in `conversation`, read in the light of that conversation's last
        answered question (or, in a thread joined late, of `history`: the earlier human
        messages, oldest first); `on_text` receives generated sentences as they stream."""
        cleaned = text.strip()
        if self.dialog is not None and cleaned and self.dialog.is_active(conversation):
            return dialog_reply(self.dialog.text(conversation, cleaned))
        if not cleaned or _GREETING.match(cleaned):
            return Reply(kind="help", text=HELP_TEXT)
        if self.dialog is not None and wants_walkthrough(cleaned):
            return dialog_reply(self.dialog.start(conversation))
        if self.dialog is not None and describes_need(cleaned):
            rec = self.dialog.recommend(cleaned)
            self._remember(conversation, followup.read(cleaned, recommended=rec.role))
            return Reply(kind="recommendation", text=rec.rationale, recommendation=rec)
        try:
            answer = self.ask(cleaned, conversation=conversation, history=history, on_text=on_text)
        except HirebotError as exc:
            logger.info("question refused: %s", exc)
            return Reply(kind="error", text=exc.user_message)
        answer_id = uuid.uuid4().hex[:16]
        self.state.put(
            f"answer:{answer_id}",
            {
                "question": answer.question,
                "grounded": answer.grounded,
                "sources": [s.source for s in answer.sources],
                "user": user,
            },
            self.ttl_s,
        )
        self.questions.record(answer, user=user, conversation=conversation, question_id=answer_id)
        return Reply(kind="answer", text=answer.answer, answer=answer, answer_id=answer_id)

    def ask(
        self,
        text: str,
        *,
        conversation: str | None = None,
        history: Sequence[str] = (),
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer one question in a conversation (None: on its own): a follow-up is first read
        as the self-contained question it stands for, which the answer shows and carries in
        `resolved_question`; the reading of an answered question is kept for the next turn."""
        previous = self.previous(conversation, history) if conversation or history else None
        resolution = self.resolve(text, previous)
        in_thread = self._on_topic(previous, resolution)
        answer = self.qa.ask(resolution.question, on_text=on_text, in_thread=in_thread)
        on_topic = answer.kind in self.qa.classifier.in_scope_labels
        if previous is not None and in_thread and on_topic and not answer.grounded:
            # on topic, but nothing in the sources is close to it alone ('how long does the
            # process usually take'): it is about what the thread was asking
            about = followup.about_previous(text, previous, kind=resolution.reading.kind)
            retried = self.qa.ask(about.question, on_text=on_text, in_thread=True)
            if retried.grounded:
                resolution, answer = about, retried
        answer.question = text
        if resolution.rewritten:
            answer.resolved_question = resolution.question
            answer.answer = f"_Reading this as: {resolution.question}_\n{answer.answer}"
        if conversation:  # a declined turn is context too: its follow-up is read with it
            recommended = answer.recommended_role or (
                previous.recommended if previous and resolution.rewritten else None
            )
            reading = followup.remember(
                previous, resolution, kind=answer.kind, recommended=recommended
            )
            self._remember(conversation, reading)
        return answer

    def _on_topic(self, previous: followup.Reading | None, resolution: followup.Resolution) -> bool:
        """Does the message continue a conversation that is on topic? (Not when it says it
        changes the subject; a recommendation's reading has no kind and is on topic.)"""
        if previous is None or resolution.why == followup.NEW_TOPIC:
            return False
        return not previous.kind or previous.kind in self.qa.classifier.in_scope_labels

    def resolve(self, text: str, previous: followup.Reading | None) -> followup.Resolution:
        """Read `text` after `previous`: with a model configured, it condenses the follow-up
        (falling back to the rules when it fails); otherwise the rule-based resolver."""
        kind = self.qa.classifier.classify(text).label if previous is not None else ""
        places = self.places.find(text) if self.places is not None else []
        rules = followup.resolve(text, previous, kind=kind, places=places)
        if self.condenser is None or previous is None or followup.starts_new_topic(text):
            return rules
        try:
            condensed = self.condenser.condense(text, [previous.question])
        except GenerationFailed as exc:
            logger.warning("condensing fell back to the rules", extra={"reason": str(exc)})
            return rules
        if condensed.strip().lower() == text.strip().lower():
            return followup.Resolution(text, followup.read(text, kind=kind), False, "model: as is")
        reading = followup.read(condensed, kind=kind, recommended=previous.recommended)
        return followup.Resolution(condensed, reading, True, "model condensed it")

    def previous(self, conversation: str | None, history: Sequence[str]) -> followup.Reading | None:
        """The last answered question of the conversation, else the last earlier message of a
        thread joined late."""
        if conversation:
            stored = (self.state.get(f"conv:{conversation}") or {}).get("reading")
            reading = followup.Reading.from_dict(stored) if isinstance(stored, dict) else None
            if reading is not None:
                return reading
        earlier = [m.strip() for m in history if m and m.strip()]
        if not earlier:
            return None
        asked = [m for m in earlier if is_question(m)]
        last = (asked or earlier)[-1]
        return followup.read(last, kind=self.qa.classifier.classify(last).label)

    def knows(self, conversation: str) -> bool:
        """True when the conversation has an answered question on record."""
        return self.previous(conversation, ()) is not None

    def _remember(self, conversation: str, reading: followup.Reading) -> None:
        self.state.put(
            f"conv:{conversation}", {"reading": reading.to_dict(), "at": time.time()}, self.ttl_s
        )

    def record_feedback(
        self, *, answer_id: str, user: str, vote: str, channel: str = ""
    ) -> FeedbackResult:
        """Store a 👍/👎 for a known answer; unknown or expired answers are reported, not stored."""
        if vote not in VOTES:
            return FeedbackResult(False, False, "Sorry, I didn't understand that button.")
        record = self.state.get(f"answer:{answer_id}")
        if record is None:
            return FeedbackResult(
                False,
                False,
                "Thanks! That answer is too old to rate now, but feel free to ask again.",
            )
        first = self.state.add_feedback(
            Feedback(
                answer_id=answer_id,
                user=user,
                vote=vote,
                channel=channel,
                question=str(record.get("question", "")),
                at=time.time(),
            )
        )
        self.questions.record_vote(answer_id, user=user, vote=vote)
        if vote == "up":
            message = "Thanks for the feedback! Glad that helped."
        else:
            message = "Thanks for the feedback — I've noted that this answer missed the mark."
        if not first:
            message += " (Your earlier vote on this answer was replaced.)"
        return FeedbackResult(True, first, message)


def dialog_reply(view: DialogView) -> Reply:
    """Wrap a dialog view as a reply (its text is a plain fallback)."""
    from bot.roles.dialog import NoticeView, QuestionView

    if isinstance(view, NoticeView):
        text = view.text
    elif isinstance(view, QuestionView):
        text = f"Question {view.number} of {view.total}: {view.question.prompt}"
    else:
        text = f"Recommended role: {view.outcome.role}"
    return Reply(kind="dialog", text=text, view=view)


HELP_TEXT = (
    "Hi! I answer questions about hiring AI and ML talent, with sources. Try:\n"
    "• _What does a senior AI engineer earn?_\n"
    "• _What's the difference between an ML engineer and a data scientist?_\n"
    "• _Which red flags should I watch for when interviewing ML candidates?_\n"
    "• _What should go in a job description for an ML engineer?_\n"
    "Not sure which role you need? Say *help me pick a role* in a DM for a guided walkthrough."
)
