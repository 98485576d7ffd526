"""What a message is about, as typed values: its frame, and how a follow-up is read with it.

A frame holds a message's kind (the question classifier's label), the roles, levels, regions,
industry, engagement and company size it states (from the one vocabulary, bot/vocabulary.py),
and the question in the user's own words. A follow-up's relation to the previous question
(bot/answering/relation.py) decides what it inherits:

- standalone: nothing; new_topic: only the conversation's setting (industry, company size)
  where it applies;
- variant ('and for a lead?'): the previous question, with the slots the message states;
- same_subject ('how do I interview them?'): the message's own question, about the previous
  subject (role, level, and the region and setting where they apply);
- about_answer ('is that base or total?'): the message, about what was just answered.

The self-contained question answered (`Reading.query`) is made from the frame: slots are put
into the user's own words, never serialised as "(about: ...)" and parsed back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from bot.text import fix_articles, is_question, message_sentences, with_article
from bot.vocabulary import vocabulary

RELATIONS = ("standalone", "variant", "same_subject", "about_answer", "new_topic")
# kinds whose answer depends on the role, and those where a place, or the setting, matters
ROLE_KINDS = frozenset(
    {"pay", "contracting", "skills", "job_description", "interviewing", "red_flags", "sourcing"}
)
REGION_KINDS = frozenset({"pay", "contracting"})
SETTING_KINDS = frozenset(
    {"role_choice", "industries", "job_description", "skills", "interviewing", "red_flags"}
)
# closed word classes: people pronouns and references, and the markers of a new topic
_PEOPLE = re.compile(
    r"\b(?:(?:people|ppl|folks|candidates|talent|someone|somebody|anyone) like (?:that|this|them|those)|"
    r"(?:these|those|such) (?:people|ppl|folks|candidates|hires|guys|roles?|engineers|devs)|"
    r"(?:this|that|the same) (?:person|hire|role|candidate|profile|kind of (?:person|hire|role))|"
    r"the (?:hire|candidate|role)|they|them|their|theirs|he|she|him|his|her)\b",
    re.IGNORECASE,
)
# 'which one' of the roles the conversation compared
_WHICH_ONE = re.compile(
    r"\bwhich (?:one|of (?:them|those|these|the two|the roles)|do i need|should i hire|role)\b",
    re.IGNORECASE,
)
# 'one' standing for a person: 'interview one', 'what does one make'
_ONE = re.compile(
    r"\b(interview|hire|find|pay|vet|keep|trial|onboard|need|get|test|assess|recruit|does|"
    r"would|will|should|can|could|do)\s+one\b",
    re.IGNORECASE,
)
_NEW_TOPIC = re.compile(
    r"^\W*(?:ok(?:ay)?[,.!]?\s+|so[,.]?\s+|also[,.]?\s+|and\s+)?(?:(?:totally|completely|"
    r"slightly)\s+)?(?:unrelated|different (?:question|topic|q)|separate (?:question|topic|"
    r"thing)|switching (?:gears|topics)|changing (?:the )?(?:subject|topic)|new (?:question|"
    r"topic|q)|scratch that|another (?:question|thing)|on another note|off topic)\b"
    r"(?:[\s,:;.!?—–-]*\bbut\b)?[\s,:;.!?—–-]*",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Frame:
    """What one message is about."""

    question: str = ""
    kind: str = ""
    roles: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    # a place as the user typed it, when it is not a region the vocabulary knows ('toronto')
    place: str | None = None
    industry: str | None = None
    employment: str | None = None
    size: str | None = None
    # the role recommended in answer to it (a pick), which 'they' may then mean
    recommended: str | None = None

    @classmethod
    def read(cls, text: str, kind: str = "", *, places: Sequence[str] = ()) -> Frame:
        """The frame a message states; `places`: place names found in it by meaning."""
        words = vocabulary()
        expanded = words.expand(text)
        named = words.roles_in(expanded)
        roles = (
            named or tuple(sorted(words.roles_implied(expanded))) if kind in ROLE_KINDS else named
        )
        regions = words.regions_in(expanded)
        typed = [p for p in places if _has_words(text, p)]
        unknown = [p for p in typed if not words.regions_in(p)]
        return cls(
            question=text,
            kind=kind,
            roles=roles,
            levels=words.levels_in(expanded),
            regions=regions,
            place=unknown[0] if unknown else None,
            industry=next(iter(words.industries_in(expanded)), None),
            employment=next(iter(words.employment_in(expanded)), None),
            size=next(iter(words.sizes_in(expanded)), None),
        )

    @classmethod
    def of(cls, question: str, kind: str) -> Frame:
        """The frame of a question asked on its own."""
        return cls.read(question, kind)

    @property
    def plan_kind(self) -> str:
        """The kind whose answer plan fits the question: a contractor's pay is a rate."""
        return "contracting" if self.kind == "pay" and self.employment == "contract" else self.kind

    @property
    def subject(self) -> tuple[str, ...]:
        """The roles the conversation is about: those named, else the one recommended."""
        return self.roles or ((self.recommended,) if self.recommended else ())

    def states_a_slot(self) -> bool:
        """Names a role, level, place, industry, engagement or company size."""
        return bool(
            self.roles
            or self.levels
            or self.regions
            or self.place
            or self.industry
            or self.employment
            or self.size
        )

    def region_matches(self, regions: Sequence[str]) -> bool:
        """A sentence's regions include one asked about, or a region it lies within."""
        if not self.regions or not regions:
            return False
        words = vocabulary()
        wanted = {r for asked in self.regions for r in words.broader(asked)}
        return bool(wanted & set(regions))

    def to_dict(self) -> dict[str, Any]:
        """Plain form for the state store."""
        return {
            "question": self.question,
            "kind": self.kind,
            "roles": list(self.roles),
            "levels": list(self.levels),
            "regions": list(self.regions),
            "place": self.place,
            "industry": self.industry,
            "employment": self.employment,
            "size": self.size,
            "recommended": self.recommended,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Frame:
        """Inverse of `to_dict`."""
        return cls(
            question=str(data.get("question", "")),
            kind=str(data.get("kind", "")),
            roles=tuple(data.get("roles") or ()),
            levels=tuple(data.get("levels") or ()),
            regions=tuple(data.get("regions") or ()),
            place=data.get("place"),
            industry=data.get("industry"),
            employment=data.get("employment"),
            size=data.get("size"),
            recommended=data.get("recommended"),
        )


@dataclass(frozen=True, slots=True)
class Reading:
    """How a message is read in its conversation: its relation to the previous question, the
    merged frame, and the self-contained question answered."""

    message: str
    relation: str
    frame: Frame
    query: str
    # for a question about the previous answer: the question that answer was to
    about: str = ""
    confidence: float = 1.0
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def rewritten(self) -> bool:
        """Read in the light of the conversation: the question answered is not just what was
        typed (a new topic without its marker counts as typed)."""
        if self.relation == "standalone":
            return False
        typed = without_marker(self.message) if self.relation == "new_topic" else self.message
        return self.query.strip() != typed.strip()

    def shown(self) -> str:
        """The 'Reading this as' line."""
        if self.relation == "about_answer" and self.about:
            return f"Reading this as about the answer to: {self.about}"
        return f"Reading this as: {self.query}"

    def to_dict(self) -> dict[str, Any]:
        """Plain form for the state store."""
        return {
            "message": self.message,
            "relation": self.relation,
            "frame": self.frame.to_dict(),
            "query": self.query,
            "about": self.about,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reading:
        """Inverse of `to_dict` (KeyError/TypeError on a malformed entry)."""
        return cls(
            message=str(data["message"]),
            relation=str(data["relation"]),
            frame=Frame.from_dict(dict(data["frame"])),
            query=str(data["query"]),
            about=str(data.get("about", "")),
        )


def says_new_topic(text: str) -> bool:
    """The message says it changes the subject ('unrelated, but ...', 'new q:')."""
    return _NEW_TOPIC.match(text) is not None


def without_marker(text: str) -> str:
    """The message without its new-topic marker."""
    return _NEW_TOPIC.sub("", text, count=1).strip() or text


def chooses_between(text: str, previous: Frame) -> bool:
    """'which one ...' after a question about several roles."""
    return len(previous.roles) > 1 and _WHICH_ONE.search(text) is not None


def refers_to_people(text: str) -> bool:
    """A people pronoun or reference ('them', 'such people', 'the hire', 'interview one')."""
    return _PEOPLE.search(text) is not None or _ONE.search(text) is not None


def read_as(relation: str, message: Frame, previous: Reading) -> Reading:
    """`message` read as `relation` to `previous` (see the module docstring)."""
    before = previous.frame
    text = message.question
    if relation == "standalone":
        return Reading(text, relation, message, text)
    if relation == "new_topic":
        rest = without_marker(text)
        frame = replace(
            Frame.read(rest, message.kind),
            industry=message.industry or before.industry,
            size=message.size or before.size,
        )
        return Reading(text, relation, frame, with_setting(rest, frame, before))
    if relation == "variant":
        frame = merged(before, message, keep_kind=True)
        if message.employment == "contract":
            frame = replace(frame, kind=frame.plan_kind)  # a contractor's pay is a rate
        return Reading(text, relation, frame, substituted(previous.query, before, frame, message))
    if relation == "about_answer":
        frame = merged(before, message, keep_kind=True)
        return Reading(text, relation, frame, f"{text} {previous.query}", about=previous.query)
    frame = merged(before, message, keep_kind=False)  # same_subject
    return Reading(text, relation, frame, about_subject(text, message, frame, before))


def merged(before: Frame, message: Frame, *, keep_kind: bool) -> Frame:
    """The previous frame with every slot the message states replaced."""
    return Frame(
        question=message.question,
        kind=before.kind if keep_kind or not message.kind else message.kind,
        roles=message.roles or before.roles,
        levels=message.levels or before.levels,
        regions=message.regions or (() if message.place else before.regions),
        place=message.place or (None if message.regions else before.place),
        industry=message.industry or before.industry,
        employment=message.employment or before.employment,
        size=message.size or before.size,
        recommended=before.recommended if not message.roles else None,
    )


def role_phrase(roles: Sequence[str], levels: Sequence[str] = (), *, plural: bool) -> str:
    """'a senior ML engineer', 'ML engineers', 'AI engineers or ML engineers'."""
    words = vocabulary()
    names = [words.role_plurals[r] if plural else words.role_names[r] for r in roles]
    phrase = " or ".join(names)
    if levels:
        phrase = f"{levels[0]} {phrase}"
    return phrase if plural else with_article(phrase)


def substituted(question: str, before: Frame, after: Frame, message: Frame) -> str:
    """The previous question with the slots the message states put in its words: the roles,
    the level, the place ('what does a senior ML engineer make in the US?' + 'and for a
    lead?' -> 'what does a lead ML engineer make in the US?'); a slot it did not have is
    added."""
    words = vocabulary()
    text = asking_sentence(words.expand(question))
    if message.roles and set(message.roles) != set(before.roles):
        spans = words.role_matcher.find(text)
        plural = bool(spans) and text[spans[0][1] : spans[0][2]].lower().endswith("s")
        phrase = role_phrase(message.roles, plural=plural).removeprefix("a ").removeprefix("an ")
        if spans:  # every mention of a role becomes the new one, said once
            text = _replace_spans(text, spans, phrase)
            text = _said_once(text, phrase)
        else:
            text = f"{_open(text)} for {with_article(phrase)}?"
    if message.levels and set(message.levels) != set(before.levels):
        spans = words.level_matcher.find(text)
        level = message.levels[0]
        if spans:
            text = _replace_spans(text, spans, level)
        else:
            roles = words.role_matcher.find(text)
            text = (
                text[: roles[0][1]] + f"{level} " + text[roles[0][1] :]
                if roles
                else f"{_open(text)} at {level} level?"
            )
    new_place = message.place or (message.regions[0] if message.regions else None)
    if new_place and (message.regions != before.regions or message.place != before.place):
        old = [s for s in words.region_matcher.find(text)]
        if before.place:
            found = _find(text, before.place)
            if found:
                old = [("place", *found)]
        typed = _typed(message.question, new_place)
        plain = not typed.lower().startswith("the ")
        text = (
            _replace_spans(text, old, typed, drop_the=plain)
            if old
            else f"{_open(text)} in {typed}?"
        )
    if message.employment and message.employment != before.employment:
        text = f"{_open(text)} {'as a contractor' if message.employment == 'contract' else 'full-time'}?"
    if message.industry and message.industry != before.industry:
        text = f"{_open(text)} in {message.industry}?"
    if message.size and message.size != before.size:
        text = f"{_open(text)} at {with_article(message.size)}?"
    return fix_articles(with_setting(text, after, before))


def asking_sentence(text: str) -> str:
    """The sentence of a message that asks (its last question), without the setup around it."""
    sentences = message_sentences(text)
    asking = [s for s in sentences if is_question(s.lstrip("\"'(*_-–— "))]
    return asking[-1] if asking else text


def about_subject(text: str, message: Frame, frame: Frame, before: Frame) -> str:
    """A new question about the previous subject: people pronouns become the role ('how do I
    interview them?' -> 'how do I interview senior ML engineers?'); a role-specific question
    that names no role gets it; a place and the setting carry over where they apply."""
    words = vocabulary()
    query = words.expand(text)
    subject = frame.subject
    levels = frame.levels if frame.kind in REGION_KINDS else ()  # a level matters for pay
    if len(before.roles) > 1 and not message.roles and _WHICH_ONE.search(query):
        options = " or ".join(with_article(vocabulary().role_names[r]) for r in before.roles)
        return fix_articles(_WHICH_ONE.sub(f"which of {options}", query, count=1))
    if subject and not message.roles:
        plural_phrase = role_phrase(subject, levels, plural=True)
        if _PEOPLE.search(query):
            query = _PEOPLE.sub(plural_phrase, query, count=1)
        elif _ONE.search(query):
            singular = role_phrase(subject, levels, plural=False)
            query = _ONE.sub(lambda m: f"{m.group(1)} {singular}", query, count=1)
        elif frame.kind in ROLE_KINDS:
            query = f"{_open(query)} for {role_phrase(subject, levels, plural=False)}?"
    if frame.kind in REGION_KINDS and not (message.regions or message.place):
        place = before.place or (before.regions[0] if before.regions else None)
        if place and place.lower() not in query.lower():
            query = f"{_open(query)} in {_typed(before.question, place)}?"
    return fix_articles(with_setting(query, frame, before))


def with_setting(query: str, frame: Frame, before: Frame) -> str:
    """The conversation's industry carried into a question where it applies."""
    industry = before.industry
    if frame.kind in SETTING_KINDS and industry and industry.lower() not in query.lower():
        return f"{_open(query)} in {industry}?"
    return query


def _open(text: str) -> str:
    """The question without its closing punctuation, to add to it."""
    return text.rstrip(" \t\n?!.")


def _typed(source: str, value: str) -> str:
    """`value` as the user typed it in `source` when it is there ('toronto', 'the Bay Area')."""
    span = _find(source, value)
    return source[span[0] : span[1]] if span else value


def _has_words(text: str, phrase: str) -> bool:
    """Whether `phrase` occurs in `text` as whole words, whatever its case."""
    low, target, start = text.lower(), phrase.lower(), 0
    while target and (at := low.find(target, start)) >= 0:
        end = at + len(target)
        if not low[at - 1 : at].isalnum() and not low[end : end + 1].isalnum():
            return True
        start = at + 1
    return False


def _said_once(text: str, phrase: str) -> str:
    """'ML engineers or ML engineers' -> 'ML engineers' (after two roles became one)."""
    repeats = [
        f"{phrase}{joiner}{article}{phrase}"
        for joiner in (" or ", " and ")
        for article in ("", "a ", "an ")
    ]
    while found := next((r for r in repeats if r in text), None):
        text = text.replace(found, phrase)
    return text


def _find(text: str, value: str) -> tuple[int, int] | None:
    """Where `value` first occurs in `text`, whatever its case."""
    start = text.lower().find(value.lower())
    return (start, start + len(value)) if start >= 0 and len(text) == len(text.lower()) else None


def _replace_spans(
    text: str, spans: Sequence[tuple[str, int, int]], value: str, *, drop_the: bool = False
) -> str:
    """`text` with every distinct span replaced by `value` (from the end, so offsets hold);
    `drop_the`: a 'the' before a span goes too ('in the US' -> 'in berlin')."""
    out = text
    seen: set[tuple[int, int]] = set()
    for _, start, end in sorted(spans, key=lambda s: -s[1]):
        if (start, end) in seen:
            continue
        seen.add((start, end))
        before = out[:start]
        head, _, last = before.rstrip().rpartition(" ")
        if drop_the and last.lower() == "the" and before[-1:].isspace():
            before = f"{head} " if head else ""
        out = before + value + out[end:]
    return out
