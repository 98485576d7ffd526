"""Follow-up questions: read a message in the light of its conversation as one self-contained
question ("and an ML scientist?" after "what does a senior AI engineer make in the US?" is
"what does a senior ML scientist make in the US?").

Each answered question leaves a structured `Reading` (what it asked, the roles, seniority,
location, industry, company size, contract or full-time, and the role an answer recommended).
A follow-up replaces what it states and inherits the rest; a message that says it is a new
topic, or asks a complete question of its own, starts fresh. Pure functions: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from bot.text import (
    STOPWORDS,
    expand_shorthand,
    message_sentences,
    roles_mentioned,
    seniority_levels,
)
from bot.types import ROLE_NAMES

LEVEL_NAMES = {"entry": "junior", "mid": "mid-level"}
# What a question of each kind is about when it names no role: these kinds need one.
ROLE_SPECIFIC_KINDS = frozenset(
    {"pay", "skills", "interviewing", "red_flags", "job_description", "contracting"}
)
# Kinds that ask the same thing of different terms (what a contractor charges is pay).
RELATED_KINDS = frozenset({"pay", "contracting"})
_NEW_TOPIC = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|so|also|lol|haha|cool|thanks|thx|got it|hmm+|right|great|nice|k)"
    r"[\s,.!]+)*(?:unrelated|different (?:question|topic|q)|"
    r"separate (?:question|topic|thing)|new (?:question|topic)|switching gears|change of topic|"
    r"changing (?:the )?(?:topic|subject)|on another note|another (?:question|thing|q)|"
    r"off[- ]topic|random q(?:uestion)?|btw|by the way|totally different|side question|"
    # "also totally separate, ...", "something different:" (not "different roles need ...")
    r"(?:(?:totally|completely|entirely|something) )?(?:separate|different)"
    r"(?=\s*[,:;.!?—–-]|\s+but\b))\b"
    r"[\s,:;.!?—–-]*(?:(?:but|question|q|though)\b[\s,:;.!?—–-]*)?",
    re.IGNORECASE,
)
_CONNECTOR = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|so|and|also|then|right|cool|great|thanks|got it|makes sense)"
    r"[\s,.!]+)*(?:and|what about|how about|how bout|wat abt|what abt|same (?:for|with|in)|"
    r"what if|and if|or|plus|n)\b",
    re.IGNORECASE,
)
# "does that hold for Toronto?", "is it different for a bank?": the last answer, elsewhere.
_APPLIES_ELSEWHERE = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|so|and|also|but|hmm)[\s,.!]+)*(?:does|do|would|will|is|are) "
    r"(?:that|this|it|the same|those|these|any of (?:that|this)) (?:still |also )?"
    r"(?:hold|apply|change|differ|work|carry over|translate|stand|look different|"
    r"the same|different)\b",
    re.IGNORECASE,
)
# "... then?", "... too?", "... instead?": the message continues the one before.
_CONTINUATION = re.compile(r"\b(?:then|too|as well|instead|though)(?:\W*$|\s*[?!.])", re.IGNORECASE)
# A message that opens like a question of its own ("how much do contractors charge?").
_QUESTION_WORD = re.compile(
    r"^\W*(?:what|what's|whats|how|which|who|when|where|why|should|do|does|is|are|can|could|"
    r"would|will)\b",
    re.IGNORECASE,
)
_VERBS_BEFORE_PRONOUN = (
    r"for|of|with|hire|hiring|hired|interview|interviewing|pay|paying|find|finding|vet|vetting|"
    r"trial|test|assess|onboard|keep|retain|recruit"
)
# People in the plural ('they', 'those folks', 'people like that'): replaced by the plural role.
_PLURAL_PEOPLE = (
    r"(?:(?:people|ppl|folks|candidates) like (?:that|this|them|those)|"
    r"(?:those|these) (?:people|ppl|folks|candidates|hires|guys)|they|them|those|these)"
)
# "good ones", "the best ones": people of the role, as the manager rates them.
_GOOD_ONES = (
    r"(?:good|great|strong|decent|solid|best|right|top|real|qualified|experienced|senior|junior)"
    r" ones"
)
_ANAPHORA = re.compile(
    rf"\b(?:(?:(?:{_VERBS_BEFORE_PRONOUN}) )?(?:that|this|such a|the same) (?:kind|type|sort) of "
    r"(?:person|people|hire|role|candidate|profile|talent)|"
    rf"{_PLURAL_PEOPLE}|(?:someone|somebody|anyone|a person|a hire) like (?:that|this|them|those)|"
    r"(?:if|whether|once|when|until) one(?= (?:is|are|was|would|will|can|could|does|has|gets|"
    r"turns|works|fits)\b)|"
    r"he|she|him|"
    rf"(?:{_VERBS_BEFORE_PRONOUN}) (?:that|one)|"
    r"(?:that|this|such a|the same) (?:role|hire|person|position|candidate|one|job|opening|req)|"
    r"the (?:role|hire|candidate)|"
    r"(?:what|how much) (?:would|does|do|will|should|can|could) "
    r"(?:one|that(?! (?:role|hire|person|position|candidate|one|kind|type|sort)\b))|"
    r"(?:a|an|the) (?:\w+ )?one|"
    rf"{_GOOD_ONES})\b",
    re.IGNORECASE,
)
# Pronouns that stand for people in the plural: the role replaces them in the plural.
_PLURAL_PRONOUN = re.compile(_PLURAL_PEOPLE, re.IGNORECASE)
# "they're" -> "they are", so that the role can stand in for the pronoun.
_PRONOUN_CONTRACTION = re.compile(r"\b(they|he|she)['’](re|ve|ll|d|s)\b", re.IGNORECASE)
_CONTRACTED = {"re": "are", "ve": "have", "ll": "will", "d": "would", "s": "is"}
# "is that number base only?", "does that include stock?": about the previous answer itself.
_ANSWER_REFERENCE = re.compile(
    r"\b(?:(?:that|this|those|these|the same) (?:numbers?|figures?|ranges?|rates?|salar(?:y|ies)|"
    r"estimates?|bands?|process|loop|trial|period|test|steps?|advice|list|approach|option|"
    r"setup|split|mix)|(?:is|does|was|will|would|can|could) (?:that|this)(?! (?:role|hire|person|"
    r"job|one|kind|type|sort|position|candidate)\b))\b",
    re.IGNORECASE,
)
# A bare "it" in a short message stands for what the previous question was about ("how long
# does it last" after a paid-trial answer), except the empty "it" of "does it make sense to
# ...", "is it ok if ...", "how long does it take to ...".
_IT = re.compile(r"\bit\b", re.IGNORECASE)
_EMPTY_IT = re.compile(
    r"\bit(?:['’]s)?\s+(?:\w+\s+){0,2}?(?:to|that|if|whether|when)\b|\bit\s+depends\b|"
    r"\bit(?:['’]s|\s+is|\s+was)\s+(?:a|an|the|just|only|for)\b",  # 'what if it's a contract'
    re.IGNORECASE,
)
MAX_IT_REFERENCE_WORDS = 7
# A clause that asks: 'any way to ...', or a wh-word after up to three filler words ('now how do I').
_OWN_QUESTION = re.compile(
    r"^\W*(?:any(?:thing|one|body| way| tips| advice)?\b|(?:(?:now|so|then|but|ok|okay|k|well|"
    r"and|also|like|cool|right|hmm+|great|thanks|got it)\W+){0,3}"
    r"(?:what|what's|whats|how|which|who|when|where|why)\b)",
    re.IGNORECASE,
)
# At most this many words of its own in a follow-up that varies the previous question.
MAX_VARIANT_WORDS = 6
_ABOUT = re.compile(r"\(about: (.+)\)[?!.]*\s*$")
# "those"/"these" before a noun point at that noun ("those marketplaces"), unless it is a person.
_DEMONSTRATIVE = re.compile(r"^(?:those|these)\s+([a-z][a-z-]+)", re.IGNORECASE)
PEOPLE_NOUNS = frozenset(
    "people folks candidates hires roles positions guys ones engineers scientists developers "
    "devs profiles applicants specialists experts persons".split()
)
# "the scientist one", "one of the engineer ones": a role picked out by a word of its name.
_DESCRIBED = re.compile(
    r"\b(?:(?:one|any|either|each|some) of )?(?:the|that|this) ([a-z]+) ones?\b", re.IGNORECASE
)
# "their"/"his"/"her" stand for the role only when no other noun in the message could be meant.
_POSSESSIVE = re.compile(r"\b(?:their|theirs|his|her)\b", re.IGNORECASE)
_WHICH_ONE = re.compile(r"\bwhich (?:one|of (?:them|those|the two))\b", re.IGNORECASE)
# A role (in the words of roles_mentioned) and its seniority, as written in a question.
_ROLE_PHRASE = re.compile(
    r"\b(?:(?:a|an|the|our|one)\s+)?(?:(?:senior|junior|entry[- ]level|mid[- ]level|principal|"
    r"lead|staff)\s+)*(?:(?:ai|ml|machine learning|ai/ml|ml/ai)\s+(?:engineer|developer)s?|"
    r"data scientists?|(?:(?:ai|ml)\s+)?(?:ml|machine learning|research|applied)\s+scientists?)\b",
    re.IGNORECASE,
)
_SENIORITY_WORDS = re.compile(
    r"\b(?:senior|junior|entry[- ]level|mid[- ]level|principal)\s+", re.IGNORECASE
)
_LOCATION = re.compile(
    r"\b(?:in|across|for|based in|out of)\s+(?:the\s+)?"
    r"(US|U\.S\.|USA|United States|America|North America|Canada|UK|U\.K\.|Europe|EU|"
    r"(?-i:[A-Z][a-z]+(?:\s[A-Z][a-z]+)?))\b",
    re.IGNORECASE,
)
# Industries a manager may name, by the word the knowledge base uses for them.
INDUSTRIES: dict[str, tuple[str, ...]] = {
    "healthcare": (
        "hospital",
        "clinic",
        "healthcare",
        "health care",
        "medical",
        "patients",
        "telehealth",
        "health system",
        "nhs",
    ),
    "finance": ("bank", "banking", "fintech", "finance", "financial", "lender", "payments"),
    "insurance": ("insurer", "insurance"),
    "retail": ("retail", "online store", "e-commerce", "ecommerce", "shop", "store", "retailer"),
    "manufacturing": (
        "manufacturing",
        "factory",
        "factories",
        "car parts",
        "automotive",
        "industrial",
        "plant floor",
    ),
    "telecom": ("telco", "telecom", "telecommunications", "mobile operator", "carrier"),
    "biotech": ("drug discovery", "biotech", "pharma", "life sciences"),
    "logistics": ("logistics", "shipping", "delivery", "supply chain", "freight"),
    "media": ("media", "newsroom", "publisher", "newspaper", "streaming"),
    "gaming": ("gaming", "game studio", "games"),
    "public sector": ("government", "public sector", "council", "agency", "ministry"),
    "software": ("saas", "software company", "b2b software"),
}
_EMPLOYMENT = {
    "contract": re.compile(
        r"\b(?:contractors?|contract(?:ing)?|freelanc\w*|consultants?|gig|agency|outsourc\w*)\b",
        re.IGNORECASE,
    ),
    "full-time": re.compile(
        r"\b(?:full[- ]time|fte|permanent|in-house|employees?|on staff)\b", re.IGNORECASE
    ),
}
_SIZE = re.compile(
    r"\b(\d[\d,]*[- ](?:person|people|employee)s?|startup|start-up|enterprise|scale-?up|"
    r"small (?:team|company|business)|big company|large company)\b",
    re.IGNORECASE,
)
# Words that ask nothing of their own in a follow-up ("anything different if ...").
_GENERIC = frozenset(
    "ok okay so and also then what how about bout wat abt if or any anything else different "
    "diff change changes same instead just think thoughts you your yours hmm well "
    "please thanks cool right sure hey hi would will does do is are was were be we us our "
    "matter matters specifically fwiw exactly hire hiring one ones for that this case "
    "hold holds apply applies differ carry translate stand still too lol tbh imo "
    "side part angle version equivalent actually really basically honestly kinda sorta "
    "go goes going went gone pick picked choose chose opt opted".split()
)
# Asides that ask nothing ("we're a bank btw"), and contraction endings ("we're").
_ASIDE = re.compile(
    r"\b(?:by the way|btw|fyi|for your information|just curious|for what it'?s worth|if that matters|"
    r"if it matters|if that helps)\b",
    re.IGNORECASE,
)
_CONTRACTION = re.compile(r"['’](?:re|s|ve|ll|d|m|t)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Reading:
    """The structured reading of an answered question, kept per conversation."""

    question: str
    kind: str = ""
    roles: tuple[str, ...] = ()
    seniority: str | None = None
    location: str | None = None
    industry: str | None = None
    size: str | None = None
    employment: str | None = None
    recommended: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the state store."""
        return {**asdict(self), "roles": list(self.roles)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reading | None:
        """Inverse of `to_dict`; None for anything unusable."""
        question = str(data.get("question") or "") if isinstance(data, dict) else ""
        if not question:
            return None

        def text(name: str) -> str | None:
            value = data.get(name)
            return str(value) if value else None

        return cls(
            question=question,
            kind=str(data.get("kind") or ""),
            roles=tuple(r for r in data.get("roles") or () if r in ROLE_NAMES),
            seniority=text("seniority"),
            location=text("location"),
            industry=text("industry"),
            size=text("size"),
            employment=text("employment"),
            recommended=text("recommended") if data.get("recommended") in ROLE_NAMES else None,
        )

    @property
    def subject_roles(self) -> tuple[str, ...]:
        """The roles a follow-up's 'they' points at: the one recommended when the question asked
        for a pick (or named no role), else those asked about."""
        if self.recommended and (self.kind == "role_choice" or not self.roles):
            return (self.recommended,)
        return self.roles


def read(
    question: str,
    *,
    kind: str = "",
    recommended: str | None = None,
    places: Sequence[str] = (),
) -> Reading:
    """The slots a question states (roles, seniority, location, industry, size, employment);
    `places`: place names found in it by meaning ('toronto', 'NYC'), beside those written
    with a capital after 'in'."""
    text = expand_shorthand(question)
    levels = sorted(seniority_levels(text))
    match = _LOCATION.search(text)
    typed = [p for p in places if re.search(rf"\b{re.escape(p)}\b", question, re.IGNORECASE)]
    location = match.group(1) if match else (typed[0] if typed else None)
    employment = [name for name, pattern in _EMPLOYMENT.items() if pattern.search(text)]
    size = _SIZE.search(text)
    return Reading(
        question=question,
        kind=kind,
        roles=tuple(r for r in ROLE_NAMES if r in roles_mentioned(text)),
        seniority=levels[0] if len(levels) == 1 else None,
        location=location,
        industry=_industry(text),
        size=size.group(1) if size else None,
        employment=employment[0] if len(employment) == 1 else None,
        recommended=recommended,
    )


def _industry(text: str) -> str | None:
    lowered = text.lower()
    for name, words in INDUSTRIES.items():
        if any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in words):
            return name
    return None


def _industry_words(text: str) -> str | None:
    lowered = text.lower()
    for words in INDUSTRIES.values():
        for word in words:
            if re.search(rf"\b{re.escape(word)}\b", lowered):
                return word
    return None


NEW_TOPIC = "says it is a new topic"
ABOUT_PREVIOUS = "asks about the previous answer"


@dataclass(frozen=True, slots=True)
class Resolution:
    """What to answer: the message itself, or the self-contained question it stands for."""

    question: str
    reading: Reading
    rewritten: bool
    why: str


def starts_new_topic(text: str) -> bool:
    """The message says it changes the subject ('unrelated, but ...', 'different question')."""
    return _NEW_TOPIC.match(text) is not None


def own_words(text: str, *, places: Sequence[str] = ()) -> list[str]:
    """Content words a message asks with, beyond roles, qualifiers (`places` among them) and
    follow-up filler."""
    stripped = _ROLE_PHRASE.sub(" ", _ASIDE.sub(" ", expand_shorthand(text)))
    for place in places:
        stripped = re.sub(rf"\b{re.escape(place)}\b", " ", stripped, flags=re.IGNORECASE)
    stripped = _CONTRACTION.sub("", stripped)
    stripped = _LOCATION.sub(" ", stripped)
    stripped = _SIZE.sub(" ", stripped)
    for pattern in _EMPLOYMENT.values():
        stripped = pattern.sub(" ", stripped)
    words = re.findall(r"[a-z][a-z-]+", stripped.lower().replace("'", " ").replace("’", " "))
    industry = {w for ws in INDUSTRIES.values() for phrase in ws for w in phrase.split()}
    levels = {"senior", "junior", "entry", "level", "mid", "principal", "lead", "staff"}
    return [
        w
        for w in words
        if w not in STOPWORDS
        and w not in _GENERIC
        and w not in industry
        and w not in levels
        and w.rstrip("s") not in _GENERIC
    ]


def resolve(
    text: str, previous: Reading | None, *, kind: str = "", places: Sequence[str] = ()
) -> Resolution:
    """Read `text` (whose own classifier label is `kind`; `places`: the place names found in
    it by meaning) after `previous`: a new topic or a complete question stands alone; a
    follow-up keeps what it states and inherits the rest."""
    fresh = Resolution(text, read(text, kind=kind, places=places), False, "stands alone")

    def rewritten(question: str, why: str) -> Resolution:
        return Resolution(question, read(question, kind=kind, places=places), True, why)

    if previous is None:
        return fresh
    if starts_new_topic(text):
        rest = _NEW_TOPIC.sub("", text, count=1).strip() or text
        return Resolution(rest, read(rest, kind=kind), False, NEW_TOPIC)
    stated = read(text, kind=kind, places=places)
    asks = own_words(text, places=places)
    connected = _CONNECTOR.match(text) is not None or _CONTINUATION.search(text) is not None
    narrows = _states_a_slot(stated) and (
        _APPLIES_ELSEWHERE.match(text) is not None
        or (connected and len(asks) <= 4 and same_kind(kind, previous.kind))
        # 'and if we went the research route instead? like a senior ML scientist', 'we'd go
        # junior tbh': a variant of the previous question, with no question of its own
        or (
            (connected or "?" not in text)
            and len(asks) <= MAX_VARIANT_WORDS
            and not asks_its_own_question(text)
        )
    )
    if not asks or narrows:  # slots and filler: the previous question, with what this states
        question = _restate(previous, stated, text)
        reading = _merge(previous, stated, question)
        return Resolution(question, reading, question != text, "narrows the previous question")
    subject = stated.roles or previous.subject_roles
    if _WHICH_ONE.search(text) and len(previous.roles) > 1 and not stated.roles:
        options = " or ".join(_role_phrase((r,), None) for r in previous.roles)
        question = _WHICH_ONE.sub(f"which of {options}", text, count=1)
        return rewritten(question, "chooses between the roles")
    described = _described_role(text, previous.roles) if not stated.roles else None
    if described is not None:
        question = _DESCRIBED.sub(_role_phrase((described,), previous.seniority), text, count=1)
        return rewritten(question, "names one of the roles")
    level = stated.seniority or previous.seniority
    if _refers_to_the_role(text) and not stated.roles and subject:
        question = _replace_anaphora(text, subject, level)
        return rewritten(question, "refers to the previous role")
    if (
        _pronoun_before_a_role(text)
        and previous.subject_roles
        and set(previous.subject_roles) != set(stated.roles)
    ):
        # 'should we pair them with an AI engineer': 'them' is still the previous subject
        question = _replace_anaphora(text, previous.subject_roles, previous.seniority)
        return rewritten(question, "refers to the previous role")
    if _refers_to_the_answer(text) and not stated.roles:
        return about_previous(text, previous, kind=kind, places=places)
    continues = (
        _CONNECTOR.match(text) is not None
        or _CONTINUATION.search(text) is not None
        or (not _QUESTION_WORD.match(text) and len(text.split()) <= 4)
        or (bool(kind) and kind == previous.kind)  # a narrower question on the same subject
        or (previous.kind == "role_choice" and previous.recommended is not None)  # about the pick
    )
    if not stated.roles and subject and kind in ROLE_SPECIFIC_KINDS and continues:
        context = _role_phrase(subject, level)
        question = _with_context(text, f"for {context}")
        return rewritten(question, "keeps the previous role")
    return fresh


def asks_its_own_question(text: str) -> bool:
    """Does a clause of the message ask something, once the follow-up opener ('and', 'what
    about', 'what if') is left out? It does when it opens with a question word or 'any ...',
    after filler words or not ('now how do I word the post'). ('and how do I
    interview them?': yes; 'what if we went senior instead': no, it varies the previous one.)"""
    clauses = [
        c for s in message_sentences(expand_shorthand(text)) for c in re.split(r"[,;:—–]|\s-\s", s)
    ]
    for clause in clauses:
        opener = _CONNECTOR.match(clause)
        rest = clause[opener.end() :] if opener else clause
        if _QUESTION_WORD.match(rest) or _OWN_QUESTION.match(rest):
            return True
    return False


def about_previous(
    text: str, previous: Reading, *, kind: str = "", places: Sequence[str] = ()
) -> Resolution:
    """`text` read as a question about what the previous one asked ('is that base only (about:
    what does a senior AI engineer earn)?'), its subject named when that question named none."""
    about = _the_question(previous.question)
    role_specific = previous.kind in ROLE_SPECIFIC_KINDS or not previous.kind
    if role_specific and previous.subject_roles and not roles_mentioned(expand_shorthand(about)):
        about += f" for {_role_phrase(previous.subject_roles, previous.seniority)}"
    question = _with_context(text, f"about: {about}", once=True)
    reading = _merge(previous, read(text, kind=kind, places=places), question)
    return Resolution(question, reading, True, ABOUT_PREVIOUS)


def _refers_to_the_answer(text: str) -> bool:
    """'is that number base only?', or a short message whose 'it' is what was just asked
    about ('how long does it last')."""
    expanded = expand_shorthand(text)
    if _ANSWER_REFERENCE.search(expanded):
        return True
    short = len(expanded.split()) <= MAX_IT_REFERENCE_WORDS
    return short and bool(_IT.search(expanded)) and not _EMPTY_IT.search(expanded)


def _the_question(message: str) -> str:
    """The last sentence of a message that asks (its setup and asides left out), with the
    sentences before it when it only points at them ('... a paid trial. what is that exactly');
    for a message that was itself about an earlier question, that one (the topic stays)."""
    earlier = _ABOUT.search(message)
    if earlier:
        return earlier.group(1)
    sentences = message_sentences(asking_part(message)) or [message]
    asking = [n for n, s in enumerate(sentences) if s.endswith("?") or _QUESTION_WORD.match(s)]
    last = asking[-1] if asking else len(sentences) - 1
    first = last
    while first > 0 and not own_words(sentences[first]):
        first -= 1
    return ", ".join(s.rstrip(" ?.!") for s in sentences[first : last + 1])


def _with_context(text: str, context: str, *, once: bool = False) -> str:
    """`text` with `context` put before the closing punctuation of each of its questions, so
    that each stays one sentence ('should the take-home be timed (for an ML engineer)?')."""
    body = text.rstrip()
    if not re.search(r"[?!.]$", body):
        body += "?"
    sentences = message_sentences(body)
    # a fragment ('hourly?') stays part of the question before it and takes no context itself
    asking = [s.endswith("?") and len(s.split()) >= 3 for s in sentences]
    if not any(asking):  # only fragments ('freelance instead? hourly?'): one question
        sentences = [", ".join(s.rstrip("?!. ") for s in sentences) + "?"]
        asking = [True]
    if once:  # only the first question takes it
        first = asking.index(True)
        asking = [n == first for n in range(len(asking))]
    out = []
    for sentence, asks in zip(sentences, asking, strict=True):
        if asks:
            end = re.search(r"[?!.]+$", sentence)
            cut = end.start() if end else len(sentence)
            sentence = f"{sentence[:cut].rstrip()} ({context}){sentence[cut:]}"
        out.append(sentence)
    return " ".join(out)


def same_kind(kind: str, previous: str) -> bool:
    """Would a question of `kind` ask the same thing as one of `previous` kind? (A contract
    question after a pay one asks for rates; an unlabelled message is read as the same.)"""
    return not kind or kind == previous or {kind, previous} <= RELATED_KINDS


def states_a_slot(text: str) -> bool:
    """Does the message name a role, a level, a place, an industry, a size or an employment
    type?"""
    return _states_a_slot(read(text))


def _states_a_slot(reading: Reading) -> bool:
    return bool(
        reading.roles
        or reading.seniority
        or reading.location
        or reading.industry
        or reading.size
        or reading.employment
    )


def remember(
    previous: Reading | None, resolution: Resolution, *, kind: str, recommended: str | None
) -> Reading:
    """The reading to keep after answering `resolution`: a turn that names no role and says
    no new topic keeps the conversation's subject (and the pick recommended before)."""
    reading = replace(resolution.reading, kind=kind, recommended=recommended)
    if previous is None or reading.roles or recommended or resolution.why == NEW_TOPIC:
        return reading
    return replace(reading, roles=previous.roles, recommended=previous.recommended)


def _described_role(text: str, roles: tuple[str, ...]) -> str | None:
    """The one role of `roles` that 'the scientist one' / 'one of the AI ones' picks out."""
    match = _DESCRIBED.search(expand_shorthand(text))
    if match is None or len(roles) < 2:
        return None
    word = match.group(1).lower()
    picked = [r for r in roles if word in ROLE_NAMES[r].lower().split()]
    return picked[0] if len(picked) == 1 else None


def _pronouns(text: str) -> list[re.Match[str]]:
    """The pronouns and role references in `text`; 'those'/'these' before a noun that is not a
    person ('those marketplaces') point at that noun instead."""
    out = []
    for match in _ANAPHORA.finditer(text):
        demonstrative = _DEMONSTRATIVE.match(match.group(0) + text[match.end() :])
        if demonstrative and match.group(0).lower() in ("those", "these"):
            noun = demonstrative.group(1).lower()
            if noun not in STOPWORDS and noun not in _GENERIC and noun not in PEOPLE_NOUNS:
                continue
        out.append(match)
    return out


def _pronoun_before_a_role(text: str) -> bool:
    """A people pronoun ahead of every role the message names: it points back, not ahead."""
    expanded = expand_shorthand(text)
    role = _ROLE_PHRASE.search(expanded)
    found = [m for m in _pronouns(expanded) if _PLURAL_PRONOUN.fullmatch(m.group(0))]
    return bool(role and found and found[0].end() <= role.start())


def _refers_to_the_role(text: str) -> bool:
    """A pronoun or 'that role' for the person hired; a possessive only when the message names
    no other plural noun before it ('for their AI work' after 'enterprises' is theirs)."""
    expanded = expand_shorthand(text)
    if _pronouns(expanded):
        return True
    possessive = _POSSESSIVE.search(expanded)
    if not possessive:
        return False
    before = re.findall(r"[a-z]{4,}s\b", expanded[: possessive.start()].lower())
    return not [w for w in before if w not in _GENERIC and not w.endswith("ss")]


def _merge(previous: Reading, stated: Reading, question: str) -> Reading:
    """The previous reading with every slot the follow-up states replaced."""
    changes = {
        name: getattr(stated, name)
        for name in ("roles", "seniority", "location", "industry", "size", "employment")
        if getattr(stated, name)
    }
    return replace(previous, question=question, **changes)


def _restate(previous: Reading, stated: Reading, text: str) -> str:
    """The previous question with the follow-up's roles, level and qualifiers put in."""
    question = asking_part(previous.question).rstrip(" ?.!")
    if stated.roles and previous.roles:
        level = stated.seniority or previous.seniority
        question = _replace_roles(question, _role_phrase(stated.roles, level))
    elif stated.roles:
        question += f" for {_role_phrase(stated.roles, stated.seniority)}"
    elif stated.seniority and _SENIORITY_WORDS.search(question):
        level = LEVEL_NAMES.get(stated.seniority, stated.seniority)
        question = _SENIORITY_WORDS.sub(f"{level} ", question, count=1)
    elif stated.seniority and previous.roles:
        question = _replace_roles(question, _role_phrase(previous.roles, stated.seniority))
    elif stated.seniority:
        question += f" at {stated.seniority} level"
    if stated.location and stated.location != previous.location:
        if previous.location:
            # each place with its own article: 'the US' -> 'the Bay Area', 'the bay area' -> 'toronto'
            where = rf"\b(?:the\s+)?{re.escape(previous.location)}\b"
            said = re.search(rf"\bthe\s+{re.escape(stated.location)}\b", text, re.IGNORECASE)
            place = f"the {stated.location}" if said else stated.location
            question = re.sub(where, place, question, count=1, flags=re.IGNORECASE)
        else:
            question += f" in {stated.location}"
    extras = []
    if stated.industry and stated.industry != previous.industry:
        words = _industry_words(text) or stated.industry
        extras.append(
            f"for a {words} ({stated.industry})"
            if words != stated.industry
            else f"in the {stated.industry} industry"
        )
    if stated.employment and stated.employment != previous.employment:
        if previous.employment:
            question = _EMPLOYMENT[previous.employment].sub("", question)
            question = re.sub(r"\s+([,?])", r"\1", re.sub(r"\s{2,}", " ", question)).strip()
        extras.append("as a contractor" if stated.employment == "contract" else "full-time")
    if stated.size and stated.size != previous.size:
        extras.append(f"at a {stated.size}")
    if extras:
        question += ", " + ", ".join(extras)
    return question + "?"


def asking_part(message: str) -> str:
    """A message with shorthand spelled out and the asides after its question left out ('need to
    sort laptops before monday'): what leads up to the question, and every sentence that asks
    or states what is asked about (a question word, a role, a place, an industry...)."""
    text = expand_shorthand(message).strip()
    sentences = message_sentences(text)
    asks = [
        bool(
            s.rstrip().endswith("?")
            or _QUESTION_WORD.match(s)
            or _ROLE_PHRASE.search(s)
            or _states_a_slot(read(s))
        )
        for s in sentences
    ]
    if not any(asks):
        return text
    first = asks.index(True)  # what leads up to the question sets it up, and stays
    return " ".join(sentences[:first] + [s for s, a in zip(sentences, asks, strict=True) if a])


def _replace_roles(question: str, phrase: str) -> str:
    """Put `phrase` where the first role was named and drop any other role names."""
    matches = list(_ROLE_PHRASE.finditer(question))
    if not matches:
        return f"{question} for {phrase}"
    first = matches[0]
    if first.group(0).rstrip().endswith("s") and " and " not in phrase:
        phrase = re.sub(r"^(?:a|an) ", "", phrase) + "s"  # 'AI engineers' -> 'ML scientists'
    out = question[: first.start()] + phrase + question[first.end() :]
    for match in matches[1:]:
        out = out.replace(match.group(0), "").replace("  ", " ")
    return out


def _replace_anaphora(text: str, roles: tuple[str, ...], seniority: str | None) -> str:
    """Replace the first pronoun or 'that role' with the role it stands for."""
    phrase = _role_phrase(roles, seniority)

    def sub(match: re.Match[str]) -> str:
        found = match.group(0)
        if re.fullmatch(_GOOD_ONES, found, re.IGNORECASE):  # 'good ones' -> 'good ML engineers'
            return f"{found.split()[0]} {_plural_phrase(roles, seniority)}"
        if _PLURAL_PRONOUN.fullmatch(found):  # 'they' -> 'ML engineers', in agreement
            return _plural_phrase(roles, seniority)
        lead = re.match(rf"({_VERBS_BEFORE_PRONOUN}|if|whether|once|when|until) ", found, re.I)
        if lead:
            return f"{lead.group(1)} {phrase}"
        asks = re.match(r"((?:what|how much) \w+) (?:one|that)$", found, re.I)
        if asks:
            return f"{asks.group(1)} {phrase}"
        return phrase

    expanded = _PRONOUN_CONTRACTION.sub(
        lambda m: f"{m.group(1)} {_CONTRACTED[m.group(2).lower()]}", expand_shorthand(text)
    )
    found = _pronouns(expanded)
    if found:
        first = found[0]
        return expanded[: first.start()] + sub(first) + expanded[first.end() :]
    return _POSSESSIVE.sub(f"{phrase}'s", expanded, count=1)


def _plural_phrase(roles: tuple[str, ...], seniority: str | None) -> str:
    """'senior ML scientists', 'AI engineers and ML engineers'."""
    level = f"{LEVEL_NAMES.get(seniority, seniority)} " if seniority else ""
    return " and ".join(f"{level}{ROLE_NAMES[r]}s" for r in roles)


def _role_phrase(roles: tuple[str, ...], seniority: str | None) -> str:
    """'a senior ML scientist', or 'AI engineers and ML scientists' for several roles."""
    level = f"{LEVEL_NAMES.get(seniority, seniority)} " if seniority else ""
    if len(roles) == 1:
        name = f"{level}{ROLE_NAMES[roles[0]]}"
        article = "an" if name[:1].lower() in "aeiou" or name.startswith(("ML", "AI")) else "a"
        return f"{article} {name}"
    return _plural_phrase(roles, seniority)
