"""Conversations: the one front door for every message, on every surface (Slack, the terminal
chat, `hirebot ask`, the evals). Knows nothing of Slack.

A message is validated, read in the light of its conversation, judged for scope, then routed
by the question classifier's label (bot/routing.py): an answer, a role recommendation, the
guided walkthrough, a decline, or a short acknowledgement.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.answering import followup
from bot.answering.classify import ROLE_CHOICE, QuestionKind
from bot.answering.compose import decline
from bot.answering.generation import GenerationFailed, QuestionCondenser
from bot.answering.places import PlaceFinder
from bot.answering.qa import QuestionAnswerer, validate_question
from bot.errors import HirebotError
from bot.gaps.question_log import QuestionLog
from bot.roles.dialog import DialogView, RoleDialog
from bot.roles.dialog import NoticeView as NoticeView
from bot.roles.dialog import QuestionView as QuestionView
from bot.roles.dialog import ResultView as ResultView
from bot.roles.recommender import RoleRecommendation
from bot.routing import Route, RouteDecision, decide_route
from bot.stores.state import Feedback, StateStore
from bot.text import is_question
from bot.types import Answer, Note

# A Reply may carry a walkthrough view: front ends name the views (imported above) through here.
logger = logging.getLogger(__name__)
ReplyRoute = Route | Literal["error"]
VOTES = ("up", "down")
# the conversation key of a one-off message (`hirebot ask` without a conversation id)
ONE_OFF = "one-off"


@dataclass(slots=True)
class Reply:
    """What to show the user, independent of the chat surface: where the message went (`route`),
    the text, and the answer, walkthrough view or recommendation behind it."""

    route: ReplyRoute
    text: str
    answer: Answer | None = None
    answer_id: str | None = None
    view: DialogView | None = None
    recommendation: RoleRecommendation | None = None
    question: str = ""
    latency_ms: float = 0.0
    reason: str = field(default="", repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON object of `ask`: the answer's fields plus `route` (and `role` and
        `confidence` for a recommendation)."""
        if self.answer is not None:
            payload = self.answer.to_dict()
        else:
            payload = {
                "question": self.question,
                "answer": self.text,
                "grounded": False,
                "sources": [],
                "contexts": [],
                "mode": "extractive",
                "latency_ms": round(self.latency_ms, 2),
                "uncovered": [],
            }
        payload["route"] = "declined" if self.route == "error" else self.route
        if self.route == "error":
            payload["error"] = self.text
        if self.answer is not None and self.answer.recommended_role:
            payload["role"] = self.answer.recommended_role
            payload["confidence"] = round(self.answer.role_confidence or 0.0, 4)
        return payload


@dataclass(frozen=True, slots=True)
class FeedbackResult:
    """Outcome of a feedback click."""

    recorded: bool
    first_vote: bool
    message: str


class Conversations:
    """Routes messages and keeps per-conversation context (the previous question's reading)
    and answer records for feedback."""

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
        conversation: str | None,
        user: str,
        text: str,
        on_text: Callable[[str], None] | None = None,
        history: Sequence[str] = (),
    ) -> Reply:
        """Route and answer `text` in `conversation` (None: a message on its own), read in the
        light of that conversation's last question (or, in a thread joined late, of `history`:
        the earlier human messages, oldest first); `on_text` receives generated sentences as
        they stream. Bad input gets an "error" reply with a clear message; nothing raises."""
        started = time.perf_counter()
        try:
            reply = self._respond(conversation, user, text, on_text, history)
        except HirebotError as exc:
            logger.info("message refused: %s", exc)
            reply = Reply(route="error", text=exc.user_message, question=text)
        reply.question = text
        reply.latency_ms = (time.perf_counter() - started) * 1000
        return reply

    def _respond(
        self,
        conversation: str | None,
        user: str,
        text: str,
        on_text: Callable[[str], None] | None,
        history: Sequence[str],
    ) -> Reply:
        if not text.strip():  # a bare mention or an empty DM: say what hirebot can do
            return Reply(route="acknowledgement", text=HELP_TEXT)
        cleaned = validate_question(text, max_chars=self.qa.max_question_chars)
        if self.dialog is not None and conversation and self.dialog.is_active(conversation):
            if self.dialog.accepts(conversation, cleaned):
                return dialog_reply(self.dialog.text(conversation, cleaned))
            own = self.qa.classify(cleaned)
            if not self._interrupts(cleaned, own):
                return dialog_reply(self.dialog.text(conversation, cleaned))
            if self._social(own):
                return Reply(route="acknowledgement", text=ACK_IN_WALKTHROUGH)
        else:
            own = self.qa.classify(cleaned)
        previous = self.previous(conversation, history) if conversation or history else None
        resolution = self.resolve(cleaned, previous, own=own)
        decision = self.route(cleaned, own, previous, resolution)
        logger.debug("routed", extra={"route": decision.route, "reason": decision.reason})
        if decision.route == "acknowledgement":
            return Reply(
                route="acknowledgement", text=acknowledgement(previous), reason=decision.reason
            )
        if decision.route == "walkthrough":
            if self.dialog is None:
                return Reply(route="walkthrough", text=WALKTHROUGH_ELSEWHERE)
            return dialog_reply(self.dialog.start(conversation or f"{ONE_OFF}:{uuid.uuid4().hex}"))
        if decision.route == "declined":
            answer = decline(cleaned)
            answer.note = decision.reason
            answer.kind = decision.kind
            if resolution.rewritten:
                answer.resolved_question = resolution.question
        else:
            answer = self._answer(cleaned, previous, resolution, decision, on_text)
        if conversation:  # a declined turn is context too: its follow-up is read with it
            recommended = answer.recommended_role or (
                previous.recommended if previous and resolution.rewritten else None
            )
            reading = followup.remember(
                previous, resolution, kind=answer.kind, recommended=recommended
            )
            self._remember(conversation, reading)
        return self._answered(answer, user=user, conversation=conversation or "")

    def recommend(self, *, conversation: str | None, user: str, text: str) -> Reply:
        """An explicit request for a role pick (`/hirebot-role <situation>`): the message is
        answered as a described hiring need whatever its label."""
        started = time.perf_counter()
        try:
            cleaned = validate_question(text, max_chars=self.qa.max_question_chars)
            answer = self.qa.ask(cleaned, kind=ROLE_CHOICE)
            answer.question = cleaned
            if conversation:
                self._remember(
                    conversation,
                    followup.read(cleaned, kind=ROLE_CHOICE, recommended=answer.recommended_role),
                )
            reply = self._answered(answer, user=user, conversation=conversation or "")
        except HirebotError as exc:
            reply = Reply(route="error", text=exc.user_message)
        reply.question = text
        reply.latency_ms = (time.perf_counter() - started) * 1000
        return reply

    def route(
        self,
        text: str,
        own: QuestionKind,
        previous: followup.Reading | None,
        resolution: followup.Resolution,
    ) -> RouteDecision:
        """Scope, then label. A message on its own is judged at the standard bar. In a
        conversation that is on topic, a message is more likely on topic too (a lower bar), but
        scope is still judged on the message itself: a follow-up may inherit its thread's
        subject, never its scope, so one confidently about an off-topic subject of its own ('ok
        and how do I fire someone?') is declined. A message with nothing of its own but a slot,
        a pronoun or chit-chat ('and for a lead?', 'what do you think?') is what the
        self-contained question it stands for is."""
        classifier = self.qa.classifier
        config = classifier.config
        inside = classifier.in_scope_labels
        if not self._on_topic(previous, resolution):
            return decide_route(own, bar=config.min_in_scope, in_scope_labels=inside)
        bar = config.min_in_scope_in_thread
        decision = decide_route(own, bar=bar, in_scope_labels=inside)
        own_question = followup.asks_its_own_question(text)
        if decision.route == "walkthrough":
            return decision
        if decision.route == "acknowledgement":
            if not (resolution.rewritten and (own_question or followup.states_a_slot(text))):
                return decision  # 'thanks!' needs no answer, though it asks nothing new
        elif classifier.about_off_topic_subject(own):
            return RouteDecision("declined", own.label, f"off-topic subject: {own.explain()}")
        elif decision.route != "declined":
            if decision.route == "recommendation" and resolution.rewritten and not own_question:
                return RouteDecision("answer", decision.kind, decision.reason)
            return decision
        if not resolution.rewritten:
            return decision
        resolved = decide_route(
            classifier.classify(resolution.question), bar=bar, in_scope_labels=inside
        )
        if resolved.route in ("acknowledgement", "walkthrough"):
            return RouteDecision("answer", resolved.kind, resolved.reason)
        return resolved

    def _social(self, own: QuestionKind) -> bool:
        bar = self.qa.classifier.config.min_in_scope
        inside = self.qa.classifier.in_scope_labels
        return decide_route(own, bar=bar, in_scope_labels=inside).route == "acknowledgement"

    def _interrupts(self, text: str, own: QuestionKind) -> bool:
        """During a walkthrough, is a typed message something else than an answer to it: a
        thanks, a request to start the walkthrough again, or an on-topic question of another
        kind ('what do they earn?')? (A described situation, or anything else, answers the
        walkthrough's question.)"""
        if self._social(own):
            return True
        bar = self.qa.classifier.config.min_in_scope
        decision = decide_route(own, bar=bar, in_scope_labels=self.qa.classifier.in_scope_labels)
        return decision.route == "walkthrough" or (decision.route == "answer" and is_question(text))

    def _answer(
        self,
        text: str,
        previous: followup.Reading | None,
        resolution: followup.Resolution,
        decision: RouteDecision,
        on_text: Callable[[str], None] | None,
    ) -> Answer:
        """Answer an on-topic message (read as the self-contained question it stands for, which
        the answer shows and carries in `resolved_question`)."""
        in_thread = self._on_topic(previous, resolution)
        kind = decision.kind
        answer = self.qa.ask(resolution.question, on_text=on_text, in_thread=in_thread, kind=kind)
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
            if answer.grounded:
                answer.notes.insert(0, Note("reading", f"Reading this as: {resolution.question}"))
        return answer

    def _answered(self, answer: Answer, *, user: str, conversation: str) -> Reply:
        """Keep a record of the answer (for feedback and `hirebot gaps`) and wrap it."""
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
        route: Route = "declined"
        if answer.grounded:
            route = "recommendation" if answer.recommended_role else "answer"
        return Reply(
            route=route, text=answer.answer, answer=answer, answer_id=answer_id, reason=answer.note
        )

    def _on_topic(self, previous: followup.Reading | None, resolution: followup.Resolution) -> bool:
        """Does the message continue a conversation that is on topic? (Not when it says it
        changes the subject; a recommendation's reading has no kind and is on topic.)"""
        if previous is None or resolution.why == followup.NEW_TOPIC:
            return False
        return not previous.kind or previous.kind in self.qa.classifier.in_scope_labels

    def resolve(
        self, text: str, previous: followup.Reading | None, *, own: QuestionKind | None = None
    ) -> followup.Resolution:
        """Read `text` after `previous`: with a model configured, it condenses the follow-up
        (falling back to the rules when it fails); otherwise the rule-based resolver. `own`:
        the classifier's reading of `text`, if already made."""
        kind = (own or self.qa.classify(text)).label
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
    """Wrap a walkthrough view as a reply (its text is a plain fallback)."""
    if isinstance(view, NoticeView):
        text = view.text
    elif isinstance(view, QuestionView):
        options = "; ".join(f"{i}. {o.label}" for i, o in enumerate(view.question.options, 1))
        text = f"Question {view.number} of {view.total}: {view.question.prompt} ({options})"
    else:
        text = f"Recommended role: {view.outcome.role}"
    return Reply(route="walkthrough", text=text, view=view)


def acknowledgement(previous: followup.Reading | None) -> str:
    """A short friendly reply to a greeting or thanks: after an answer, an offer to go on;
    at the start of a conversation, what hirebot can do."""
    return ACK_AFTER_ANSWER if previous is not None else HELP_TEXT


ACK_AFTER_ANSWER = "Glad to help! Ask a follow-up here any time."
ACK_IN_WALKTHROUGH = (
    "👍 Whenever you're ready, answer the walkthrough's question above (or say *cancel*)."
)
WALKTHROUGH_ELSEWHERE = (
    "I can walk you through picking a role: type /role in the terminal chat, or say "
    "*help me pick a role* to me in Slack."
)
HELP_TEXT = (
    "Hi! I answer questions about hiring AI and ML talent, with sources. Try:\n"
    "• _What does a senior AI engineer earn?_\n"
    "• _What's the difference between an ML engineer and a data scientist?_\n"
    "• _Which red flags should I watch for when interviewing ML candidates?_\n"
    "• _What should go in a job description for an ML engineer?_\n"
    "Not sure which role you need? Say *help me pick a role* in a DM for a guided walkthrough."
)
