"""Pure text helpers: tokens for lexical search, sentence units for extractive answers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves s t don shouldn isn aren wasn weren hasn haven hadn doesn didn won
    wouldn shan mustn needn also may might must shall us get got e g ie eg e.g i.e vs etc re
    ve ll d m
    """.split()
)

_TOKEN = re.compile(r"[a-z0-9]+(?:[.+#][a-z0-9]+)*")
_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "U.S.", "Ph.D.", "M.Sc.", "etc.", "approx.", "Dr.", "No.")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9$“])")


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """A light English stemmer: enough to match 'engineers'/'engineer', 'hiring'/'hire'
    (memoised: every sentence of every answer is tokenised, from a small vocabulary)."""
    if len(token) <= 3 or not token.isalpha():
        return token
    for suffix, repl in (
        ("ies", "y"),
        ("sses", "ss"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
    ):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            base = token[: -len(suffix)] + repl
            if suffix in ("ing", "ed") and len(base) > 2 and base[-1] == base[-2]:
                base = base[:-1]
            token = base
            break
    if len(token) >= 4 and token.endswith("e"):
        token = token[:-1]
    return token


def tokenize(text: str) -> list[str]:
    """Lowercase, split, drop stopwords, stem: the token stream used by BM25 and overlap scores."""
    normalized = text.lower().replace("’", "'").replace("$", " $")
    return [stem(t) for t in _TOKEN.findall(normalized) if t not in STOPWORDS]


@dataclass(frozen=True, slots=True)
class Unit:
    """A sentence or list item of a chunk; `lead` is the sentence that introduces a list item."""

    index: int
    text: str
    paragraph: int
    lead: int | None = None

    @property
    def is_list_item(self) -> bool:
        """True for bullets and numbered items."""
        return self.lead is not None


def clean_inline(text: str) -> str:
    """Strip Markdown emphasis and collapse whitespace."""
    return " ".join(text.replace("**", "").replace("__", "").replace("`", "").split())


def ends_with_abbreviation(text: str) -> bool:
    """Whether a text's closing period belongs to an abbreviation ('e.g.', 'U.S.') or an
    initial ('J.'), not to the end of a sentence."""
    for abbreviation in (*_ABBREVIATIONS, "."):
        if text.endswith(abbreviation):
            before = text[: -len(abbreviation)]
            if abbreviation == "." and not (before[-1:].isupper() and before[-1:].isalpha()):
                continue  # an initial is one capital letter standing alone
            start = before[:-1] if abbreviation == "." else before
            if not start[-1:].isalnum():
                return True
    return False


def _is_table_rule(line: str) -> bool:
    """A Markdown table's header rule ('|---|:---|')."""
    return line.strip().lstrip("|").lstrip().lstrip(":").startswith("---")


def _bullet_end(line: str) -> int | None:
    """Where a list item's text starts ('- x', '* x', '• x', '1. x', '2) x'), else None."""
    body = line.lstrip()
    at = len(line) - len(body)
    digits = len(body) - len(body.lstrip("0123456789"))
    if body[:1] and body[0] in "-*+•":
        at += 1
    elif 1 <= digits <= 2 and body[digits : digits + 1] in (".", ")") and body[digits:][:1]:
        at += digits + 1
    else:
        return None
    rest = line[at:]
    spaces = len(rest) - len(rest.lstrip())
    return at + spaces if spaces else None


def message_sentences(text: str) -> list[str]:
    """Split a chat message at sentence punctuation, whatever case follows ('what tools does a
    DS use? need laptops by monday'); `split_sentences` is for prose, where a capital follows."""
    sentences, current = [], ""
    for piece in text.split():
        current = f"{current} {piece}" if current else piece
        if current.rstrip().endswith((".", "!", "?")):
            sentences.append(current.strip())
            current = ""
    return [s for s in (*sentences, current.strip()) if s]


# Words that open a question: wh-words and auxiliaries (a closed word class).
_INTERROGATIVE = re.compile(
    r"^(?:what|what's|whats|how|where|which|who|whom|whose|when|why|should|shall|do|does|did|"
    r"is|are|was|were|can|could|would|will|may|might|must|any|isn't|aren't|don't|doesn't)\b",
    re.IGNORECASE,
)


def is_question(text: str) -> bool:
    """True for a question ('...?' or 'what/how/should ...'), false for a statement or aside."""
    text = text.strip()
    return text.endswith("?") or _INTERROGATIVE.match(text) is not None


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping common abbreviations and figures intact."""
    protected = text
    for i, abbr in enumerate(_ABBREVIATIONS):
        protected = protected.replace(abbr, f"\x00{i}\x00")
    parts = _SENTENCE_END.split(protected)
    out = []
    for part in parts:
        for i, abbr in enumerate(_ABBREVIATIONS):
            part = part.replace(f"\x00{i}\x00", abbr)
        part = part.strip()
        if part:
            out.append(part)
    return out


def split_units(text: str) -> list[Unit]:
    """Split a Markdown chunk into sentence units; list items remember the sentence before them."""
    units: list[Unit] = []
    paragraph = 0
    last_prose: int | None = None
    in_list = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or _is_table_rule(line):
            if not line:
                paragraph += 1
                if not in_list:
                    last_prose = None
            continue
        if line.startswith("|"):
            cells = [clean_inline(c) for c in line.strip("|").split("|")]
            row = " | ".join(c for c in cells if c)
            if row:
                units.append(Unit(len(units), row, paragraph))
            continue
        bullet = _bullet_end(line)
        if bullet is not None:
            item = clean_inline(line[bullet:])
            if item:
                in_list = True
                units.append(Unit(len(units), item, paragraph, lead=last_prose))
            continue
        if in_list:
            in_list = False
            paragraph += 1
        for sentence in split_sentences(clean_inline(line)):
            units.append(Unit(len(units), sentence, paragraph))
            last_prose = len(units) - 1
    return units


def expand_shorthand(text: str) -> str:
    """Expand Slack shorthand (MLE, DS, JD, comp, prod, devs, ...) into the words documents use,
    from the vocabulary's data (bot/data/vocabulary.yaml), only where it means that."""
    from bot.vocabulary import vocabulary

    return vocabulary().expand(text)


# letters whose spoken name starts with a vowel sound: "an ML engineer", "an AI engineer"
_VOWEL_LETTER_NAMES = frozenset("AEFHILMNORSX")
# acronyms people type in lower case, said letter by letter ("a ml engineer" is "an ML ...")
_LOWER_ACRONYMS = frozenset("ml ai mle hr fte nlp llm".split())


def starts_with_vowel_sound(phrase: str) -> bool:
    """Whether 'an' goes before `phrase`: by the sound of its first word (an acronym by its first
    letter's name; 'uni-', 'use', 'usu-' start with a 'y' sound)."""
    first = phrase.split(" ", 1)[0].split("-", 1)[0] if phrase else ""
    if not first:
        return False
    if (first.isupper() and len(first) > 1) or first in _LOWER_ACRONYMS:
        return first[0].upper() in _VOWEL_LETTER_NAMES
    low = first.lower()
    if low.startswith("u"):
        return not low.startswith(("uni", "use", "usu"))
    return low[0] in "aeio" or (low[0] == "x" and phrase[1:2] == "-")


def with_article(noun: str) -> str:
    """'AI engineer' -> 'an AI engineer', 'data scientist' -> 'a data scientist'."""
    return f"{'an' if starts_with_vowel_sound(noun) else 'a'} {noun}"


def fix_articles(text: str) -> str:
    """'a AI engineer' -> 'an AI engineer' (after a word was put in another's place)."""
    words = text.split(" ")
    for n, word in enumerate(words[:-1]):
        if word.lower() in ("a", "an") and words[n + 1]:
            right = "an" if starts_with_vowel_sound(words[n + 1]) else "a"
            words[n] = right.capitalize() if word[0].isupper() else right
    return " ".join(words)


def clip(text: str, limit: int) -> str:
    """Trim to `limit` characters on a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"
