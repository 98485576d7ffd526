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
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from bot.answering.classify import ROLE_CHOICE, QuestionKind
from bot.answering.compose import decline
from bot.answering.frame import Frame, Reading, chooses_between, read_as, says_new_topic
from bot.answering.generation import GenerationFailed, QuestionCondenser
from bot.answering.places import PlaceFinder
from bot.answering.qa import QuestionAnswerer, validate_question
from bot.answering.relation import RelationReader
from bot.errors import HirebotError, StoreUnavailable
from bot.gaps.question_log import Outcome, QuestionLog, outcome_of
from bot.roles.brief import HiringBrief
from bot.roles.dialog import DialogView, RoleDialog
from bot.roles.dialog import NoticeView as NoticeView
from bot.roles.dialog import QuestionView as QuestionView
from bot.roles.dialog import ResultView as ResultView
from bot.roles.recommender import RoleRecommendation
from bot.routing import Route, RouteDecision, decide_route
from bot.stores.state import Feedback, StateStore
from bot.text import clip, is_question, with_article
from bot.types import ROLE_IDS, ROLE_NAMES, Answer, Note

# A Reply may carry a walkthrough view: front ends name the views (imported above) through here.
logger = logging.getLogger(__name__)
ReplyRoute = Route | Literal["error"]
VOTES = ("up", "down")
# the conversation key of a one-off message (`hirebot ask` without a conversation id)
ONE_OFF = "one-off"
# what an answer record keeps of the answer shown (for a request to the recruiting team)
ANSWER_CHARS = 2800
COMMENT_CHARS = 1000
# a request to the recruiting team is being sent for at most this long; a sender that died
# leaves it to the next click after that
ESCALATION_LEASE_S = 60.0


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

    @property
    def outcome(self) -> Outcome | None:
        """What became of the question: declined, partly covered or answered (None for a reply
        that is no answer: a walkthrough step, an acknowledgement, an error)."""
        return outcome_of(self.answer) if self.answer is not None else None

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
    """Outcome of a feedback click (or of a "what was wrong?" comment)."""

    recorded: bool
    first_vote: bool
    message: str
    vote: str = ""


@dataclass(frozen=True, slots=True)
class EscalationRequest:
    """A question to take to the recruiting team: what was asked and by whom, and what hirebot
    answered (as shown, in Slack mrkdwn)."""

    answer_id: str
    question: str
    asker: str
    answer: str
    outcome: str  # "declined" | "partial" | "answered" (then only after a 👎)
    uncovered: tuple[str, ...] = ()


EscalationStatus = Literal["claimed", "sending", "sent", "unknown"]


@dataclass(frozen=True, slots=True)
class Escalation:
    """A click on "Ask the recruiting team": `claimed` (this click sends the request; then
    `complete_escalation` or `abandon_escalation`), `sending` (another click is sending it right
    now), `sent` (it was sent before), or `unknown` (the answer is too old or unknown)."""

    status: EscalationStatus
    request: EscalationRequest | None = None
    token: str = ""


@dataclass(frozen=True, slots=True)
class RolePick:
    """A role the manager picked from the walkthrough's result, and its brief when asked for."""

    role: str
    brief: HiringBrief | None = None


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
        relations: RelationReader | None = None,
    ) -> None:
        self.qa = qa
        self.relations = relations or RelationReader.bundled(qa.retriever.embedder)
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
        reading = self.read(cleaned, previous, own=own)
        decision = self.route(cleaned, own, previous, reading)
        logger.debug(
            "routed",
            extra={
                "route": decision.route,
                "relation": reading.relation,
                "reason": decision.reason,
            },
        )
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
            if reading.rewritten:
                answer.resolved_question = reading.query
        else:
            answer, reading = self._answer(cleaned, previous, reading, decision, on_text)
        if conversation:  # a declined turn is context too: its follow-up is read with it
            recommended = answer.recommended_role or (
                reading.frame.recommended if reading.relation != "standalone" else None
            )
            frame = replace(reading.frame, kind=answer.kind or reading.frame.kind)
            if answer.recommended_role:  # 'they' after a pick is the role picked
                frame = replace(frame, roles=(answer.recommended_role,))
            self._remember(
                conversation, replace(reading, frame=replace(frame, recommended=recommended))
            )
        return self._answered(answer, user=user, conversation=conversation or "")

    def recommend(self, *, conversation: str | None, user: str, text: str) -> Reply:
        """An explicit request for a role pick (`/hirebot-role <situation>`): the message is
        answered as a described hiring need whatever its label."""
        started = time.perf_counter()
        try:
            cleaned = validate_question(text, max_chars=self.qa.max_question_chars)
            answer = self.qa.ask(cleaned, kind=ROLE_CHOICE, described=True)
            answer.question = cleaned
            if conversation:
                frame = replace(
                    Frame.read(cleaned, ROLE_CHOICE), recommended=answer.recommended_role
                )
                self._remember(conversation, Reading(cleaned, "standalone", frame, cleaned))
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
        previous: Reading | None,
        reading: Reading,
    ) -> RouteDecision:
        """Scope, then label. A message on its own, or one that starts a new topic, is judged at
        the standard bar. In a conversation that is on topic a message is more likely on topic
        too (a lower bar), but scope is still judged on the message itself: a follow-up may
        inherit its thread's subject, never its scope, so one confidently about an off-topic
        subject of its own ('ok and how do I fire someone?') is declined. A variant ('and for
        a lead?') or a question about the answer has no subject of its own: it is as on topic
        as the question it stands for."""
        classifier = self.qa.classifier
        config = classifier.config
        inside = classifier.in_scope_labels
        standalone = reading.relation in ("standalone", "new_topic")
        if previous is None or standalone or not self._on_topic(previous):
            kind = classifier.classify(reading.query) if reading.relation == "new_topic" else own
            return decide_route(kind, bar=config.min_in_scope, in_scope_labels=inside)
        bar = config.min_in_scope_in_thread
        decision = decide_route(own, bar=bar, in_scope_labels=inside)
        if decision.route == "walkthrough":
            return decision
        if decision.route == "acknowledgement" and not (
            reading.relation == "variant" and Frame.read(text, own.label).states_a_slot()
        ):
            return decision  # 'thanks!' needs no answer, though it asks nothing new
        sure_variant = reading.relation == "variant" and reading.confidence >= SURE_VARIANT
        if (
            decision.route != "acknowledgement"
            and not sure_variant
            and classifier.about_off_topic_subject(own)
        ):
            return RouteDecision("declined", own.label, f"off-topic subject: {own.explain()}")
        if reading.relation == "same_subject" and decision.route in ("answer", "recommendation"):
            return decision
        if reading.relation in ("variant", "about_answer") or decision.route == "declined":
            resolved = decide_route(
                classifier.classify(reading.query), bar=bar, in_scope_labels=inside
            )
            if resolved.route in ("acknowledgement", "walkthrough"):
                return RouteDecision("answer", reading.frame.kind or resolved.kind, resolved.reason)
            if resolved.route == "recommendation" and reading.relation == "about_answer":
                return RouteDecision("answer", resolved.kind, resolved.reason)
            return resolved
        return decision

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
        previous: Reading | None,
        reading: Reading,
        decision: RouteDecision,
        on_text: Callable[[str], None] | None,
    ) -> tuple[Answer, Reading]:
        """Answer an on-topic message as the self-contained question it stands for (shown, and
        carried in `resolved_question`), composed for its merged frame."""
        in_thread = previous is not None and self._on_topic(previous)
        kind = decision.kind
        frame = replace(reading.frame, kind=kind) if reading.relation != "standalone" else None
        answer = self.qa.ask(
            reading.query, on_text=on_text, in_thread=in_thread, kind=kind, frame=frame
        )
        retry = reading.relation not in ("new_topic", "about_answer")
        if previous is not None and in_thread and retry and not answer.grounded:
            # on topic, but nothing in the sources is close to it alone ('how long does the
            # process usually take'): it is about what the thread was asking
            about = read_as("about_answer", reading.frame, previous)
            retried = self.qa.ask(about.query, on_text=on_text, in_thread=True)
            if retried.grounded:
                reading, answer = about, retried
        answer.question = text
        if reading.rewritten:
            answer.resolved_question = reading.query
            if answer.grounded:
                answer.notes.insert(0, Note("reading", reading.shown()))
        return answer, reading

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
                "answer": clip(answer.answer, ANSWER_CHARS),
                "outcome": outcome_of(answer),
                "uncovered": list(answer.uncovered),
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

    def _on_topic(self, previous: Reading) -> bool:
        """Is the conversation so far on topic? (A recommendation's reading is.)"""
        kind = previous.frame.kind
        return (
            not kind
            or kind in self.qa.classifier.in_scope_labels
            or bool(previous.frame.recommended)
        )

    def read(self, text: str, previous: Reading | None, *, own: QuestionKind) -> Reading:
        """Read `text` after `previous`: its frame, its relation to the previous question (the
        learned relation model; where it is unsure, the two likeliest readings are weighed by
        how well the knowledge base answers each), and the question it stands for. With a
        model configured, it condenses the follow-up instead (the model's reading falls back
        to this one when it fails)."""
        places = self.places.find(text) if self.places is not None else []
        frame = Frame.read(text, own.label, places=places)
        if previous is None:
            return Reading(text, "standalone", frame, text)
        if self.condenser is not None and not says_new_topic(text):
            condensed = self._condensed(text, frame, previous)
            if condensed is not None:
                return condensed
        scores = self.relations.relate(frame, previous, in_scope=own.in_scope_probability)
        ranked = sorted(scores, key=lambda r: -scores[r])
        if chooses_between(text, previous.frame):  # 'which one ...' picks among its roles
            ranked = ["same_subject", *[r for r in ranked if r != "same_subject"]]
        reading = read_as(ranked[0], frame, previous)
        if scores[ranked[0]] < self.relations.min_confidence:
            other = read_as(ranked[1], frame, previous)
            if other.query != reading.query and self._evidence(other) > self._evidence(reading):
                reading = other
        return replace(reading, confidence=scores[reading.relation], scores=scores)

    def _evidence(self, reading: Reading) -> float:
        """How well the knowledge base answers a reading: its in-scope probability plus its
        closest sentence's similarity."""
        return self.qa.evidence(reading.query)

    def _condensed(self, text: str, frame: Frame, previous: Reading) -> Reading | None:
        try:
            condensed = self.condenser.condense(text, [previous.query]) if self.condenser else ""
        except GenerationFailed as exc:
            logger.warning("condensing fell back to the relation model", extra={"reason": str(exc)})
            return None
        if condensed.strip().lower() == text.strip().lower():
            return Reading(text, "standalone", frame, text)
        merged = replace(Frame.read(condensed, frame.kind), recommended=previous.frame.recommended)
        return Reading(text, "variant", merged, condensed)

    def previous(self, conversation: str | None, history: Sequence[str]) -> Reading | None:
        """The last question of the conversation, else the last earlier message of a thread
        joined late."""
        if conversation:
            stored = (self.state.get(f"conv:{conversation}") or {}).get("reading")
            if isinstance(stored, dict):
                try:
                    return Reading.from_dict(stored)
                except (KeyError, TypeError, ValueError):
                    logger.warning("ignoring an unreadable conversation state")
        earlier = [m.strip() for m in history if m and m.strip()]
        if not earlier:
            return None
        asked = [m for m in earlier if is_question(m)]
        last = (asked or earlier)[-1]
        frame = Frame.read(last, self.qa.classify(last).label)
        return Reading(last, "standalone", frame, last)

    def knows(self, conversation: str) -> bool:
        """True when the conversation has an answered question on record."""
        return self.previous(conversation, ()) is not None

    def _remember(self, conversation: str, reading: Reading) -> None:
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
        return FeedbackResult(True, first, message, vote)

    def record_feedback_comment(self, *, answer_id: str, user: str, text: str) -> FeedbackResult:
        """Keep what `user` said was wrong with an answer, for `hirebot gaps` (their later
        comment replaces it); an empty comment or an unknown answer is reported, not stored."""
        said = " ".join(text.split())
        if not said:
            return FeedbackResult(False, False, "Please say what was wrong, or close this.")
        if self.state.get(f"answer:{answer_id}") is None:
            return FeedbackResult(False, False, "That answer is too old to comment on now.")
        self.questions.record_comment(answer_id, user=user, text=clip(said, COMMENT_CHARS))
        return FeedbackResult(
            True, False, "Thanks — that goes to the people who keep my knowledge."
        )

    def claim_escalation(self, *, answer_id: str) -> Escalation:
        """Take a click on "Ask the recruiting team" for an answer: exactly one click (across
        replicas) gets `claimed` and sends the request; a later one is told it was `sent`."""
        record = self.state.get(f"answer:{answer_id}")
        if record is None:
            return Escalation("unknown")
        token = uuid.uuid4().hex
        lease = self.state.lease(f"escalation:{answer_id}", token, ESCALATION_LEASE_S)
        if lease == "held":
            return Escalation("sending")
        if lease == "done":
            return Escalation("sent")
        request = EscalationRequest(
            answer_id=answer_id,
            question=str(record.get("question", "")),
            asker=str(record.get("user", "")),
            answer=str(record.get("answer", "")),
            outcome=str(
                record.get("outcome") or ("answered" if record.get("grounded") else "declined")
            ),
            uncovered=tuple(str(t) for t in record.get("uncovered") or ()),
        )
        return Escalation("claimed", request, token)

    def complete_escalation(self, escalation: Escalation, *, user: str, where: str) -> None:
        """The request was posted (`where`): later clicks are told so, and `hirebot gaps` shows
        it."""
        if escalation.request is None:
            return
        answer_id = escalation.request.answer_id
        try:
            self.state.finish(f"escalation:{answer_id}", self.ttl_s)
        except StoreUnavailable:
            logger.warning("escalation not marked sent", extra={"answer_id": answer_id})
        self.questions.record_escalation(answer_id, user=user, where=where)

    def abandon_escalation(self, escalation: Escalation) -> None:
        """The request could not be posted: the next click tries again."""
        if escalation.request is not None:
            self.state.release(f"escalation:{escalation.request.answer_id}", escalation.token)

    def pick_role(self, *, conversation: str, role: str, brief: bool) -> RolePick:
        """The manager picked `role` from the walkthrough's result: follow-ups in the
        conversation are about it ('what do they earn?'); with `brief`, its hiring brief."""
        if role not in ROLE_IDS:
            raise HirebotError(f"unknown role {role!r}", user_message="I don't know that role.")
        said = f"We are hiring {with_article(ROLE_NAMES[role])}"
        frame = replace(Frame.read(said, ROLE_CHOICE), roles=(role,), recommended=role)
        self._remember(conversation, Reading(said, "standalone", frame, said))
        built = self.dialog.briefs.build(role) if brief and self.dialog is not None else None
        return RolePick(role, built)


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


def acknowledgement(previous: Reading | None) -> str:
    """A short friendly reply to a greeting or thanks: after an answer, an offer to go on;
    at the start of a conversation, what hirebot can do."""
    return ACK_AFTER_ANSWER if previous is not None else HELP_TEXT


# a follow-up the relation model is this sure varies the previous question: it has no subject
# of its own for the off-topic check ('what if it's a 6-month contract')
SURE_VARIANT = 0.8
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
