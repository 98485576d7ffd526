"""Is a question in hirebot's topic, and which of its terms do the sources not cover?

1. Topic: the question classifier (bot/answering/classify.py) gives the probability that a
   message is about hiring AI/ML talent. Only an off-topic message is declined, whatever words
   it uses.
2. Relevance floor: an on-topic message is still declined when even the best retrieved
   passage is far from it (nothing in the knowledge base is about it at all).
3. Uncovered terms: words the knowledge base never uses (a tool, a city, a company) never
   decline a question. When dropping one moves the question's meaning, the sources do not
   cover that part: it is answered with what they do cover, and the answer says so.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from bot.answering.classify import QuestionKind
from bot.text import STOPWORDS, tokenize
from bot.types import Hit

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’./+&-]*")


@dataclass(frozen=True, slots=True)
class ScopeConfig:
    """Thresholds (cosine, all-MiniLM-L6-v2), set on the dev half of evals/realistic_qa.yaml."""

    min_chunk: float = 0.2
    min_unit: float = 0.25
    # a term is uncovered when the question without it keeps less than this of its meaning...
    max_kept_meaning: float = 0.98
    # ...and it is a name: written as one, not an English word, or typed like a place/product
    min_entity: float = 0.2


# Zero-shot typing of a term by its embedding: how much closer it is to kinds of names than to
# kinds of ordinary words ('toronto' is a city even when typed in lower case).
NAME_KINDS = (
    "a city",
    "a country",
    "a currency",
    "a company",
    "a brand",
    "a software product",
    "a website",
    "a programming tool",
    "an industry",
    "a place",
)
WORD_KINDS = ("a word", "an adjective", "a verb", "an adverb", "slang", "an abbreviation")


@dataclass(frozen=True, slots=True)
class ScopeDecision:
    """The verdict and why."""

    in_scope: bool
    reason: str


# Job titles: an optional specialism before a head noun. A title is one of hirebot's roles
# when its specialism is AI/ML work (the four roles and their usual variants); other titles
# (data engineer, frontend developer, nurse) are roles hirebot has no sources for.
_TITLE = re.compile(
    r"\b((?:[a-z][\w/+.-]*\s){0,2}?)(engineer|developer|dev|scientist|analyst|designer|"
    r"architect|administrator|nurse|doctor|recruiter|accountant|lawyer|teacher|driver|"
    r"technician|salesperson|sales rep|product manager|project manager)s?\b",
    re.I,
)
_AI_SPECIALISM = re.compile(
    r"\b(ai|a\.i\.|ml|machine[- ]learning|mlops|llm|llms|nlp|genai|gen ai|generative ai|"
    r"deep[- ]learning|computer vision|vision|cv|prompt|ai/ml|ml/ai|research|applied|"
    r"algorithm|algorithms|rag|speech|robotics|recommendation|ranking)\b",
    re.I,
)
_NOT_A_SPECIALISM = re.compile(
    r"^(?:(?:a|an|the|our|my|your|their|new|first|good|great|senior|junior|lead|staff|"
    r"principal|mid|mid-level|entry-level|experienced|remote|contract|freelance|"
    r"full-time|part-time|in-house|offshore|one|two|more|few|some|any|software)\s)*$",
    re.I,
)


def mentions_ai_work(question: str) -> bool:
    """True when the question talks about AI/ML at all (an AI project, an ML model)."""
    return bool(_AI_SPECIALISM.search(question)) or bool({"model", "models"} & _words(question))


def other_roles_named(question: str) -> list[str]:
    """Job titles in the question that are not AI/ML roles ('data engineer', 'nurse');
    a title with no specialism ('engineer', 'a senior developer') counts as neither."""
    out = []
    for match in _TITLE.finditer(question):
        specialism, head = match.group(1), match.group(2).lower()
        if head == "scientist" and "data" in _words(specialism):
            continue
        if _AI_SPECIALISM.search(specialism):
            continue
        if head in ("engineer", "developer", "dev", "scientist", "analyst", "architect"):
            if _NOT_A_SPECIALISM.match(specialism):
                continue
            if head == "analyst" and "data" in _words(specialism):
                continue
        out.append(match.group(0).strip())
    return out


def assess(
    kind: QuestionKind,
    hits: Sequence[Hit],
    best_unit: float,
    *,
    config: ScopeConfig,
    other_roles: Sequence[str] = (),
    about_ai: bool = False,
) -> ScopeDecision:
    """Decline only what is off topic: by the classifier, or a question about other jobs
    that never mentions AI/ML work; or what nothing in the knowledge base is close to."""
    if not kind.in_scope:
        return ScopeDecision(False, f"off topic: {kind.explain()}")
    if other_roles and not about_ai:
        return ScopeDecision(False, f"not an AI/ML role: {', '.join(other_roles)}")
    if not hits:
        return ScopeDecision(False, "nothing retrieved")
    best_chunk = max(h.dense for h in hits)
    if best_chunk < config.min_chunk or best_unit < config.min_unit:
        return ScopeDecision(
            False, f"nothing close (chunk {best_chunk:.2f}, sentence {best_unit:.2f})"
        )
    return ScopeDecision(True, f"on topic: {kind.explain()}")


@dataclass(frozen=True, slots=True)
class Term:
    """A run of words the knowledge base never uses, and the question without it."""

    text: str
    without: str
    starts_sentence: bool = False

    def looks_like_a_name(self) -> bool:
        """Capitalised inside a sentence, all capitals, or letters mixed with digits (H-1B),
        but not a number with a unit (10k)."""
        words = self.text.split()
        if any(_mixes_letters_and_digits(w) for w in words):
            return True
        if any(len(w) >= 2 and w.isupper() for w in words):
            return True
        return any(w[:1].isupper() for w in words[1:] or ([] if self.starts_sentence else words))

    def is_coined(self, english: frozenset[str]) -> bool:
        """Holds a word that is not an ordinary English word (Kubeflow, LeetCode)."""
        return any(w.isalpha() and w.lower() not in english for w in self.text.split())


def _words(text: str) -> set[str]:
    """The lower-case words of a text (letters and digits)."""
    return set("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _mixes_letters_and_digits(word: str) -> bool:
    number = word[:-1] if word[-1:] in "kKmMxX%s" else word
    if number and all(c.isdigit() or c in ".," for c in number):
        return False  # a number with a unit: 10k, 3x, 90s
    return any(c.isascii() and c.isalpha() for c in word) and any(c.isdigit() for c in word)


def unknown_terms(question: str, vocabulary: Collection[str]) -> list[Term]:
    """Runs of adjacent words whose tokens never occur in the knowledge base ('Hugging Face',
    'Toronto'); stopwords never count, and punctuation ends a run."""
    matches = list(_WORD.finditer(question))
    unknown = [_is_unknown(m.group(0), vocabulary) for m in matches]
    terms: list[Term] = []
    i = 0
    while i < len(matches):
        if not unknown[i]:
            i += 1
            continue
        j = i
        while (
            j + 1 < len(matches)
            and unknown[j + 1]
            and not question[matches[j].end() : matches[j + 1].start()].strip()
        ):
            j += 1
        text = question[matches[i].start() : matches[j].end()].strip(".'’")
        without = question[: matches[i].start()] + question[matches[j].end() :]
        before = question[: matches[i].start()].rstrip()
        starts = not before or before.endswith((".", "!", "?", ":"))
        terms.append(Term(text, " ".join(without.split()), starts))
        i = j + 1
    return terms


def _is_unknown(word: str, vocabulary: Collection[str]) -> bool:
    bare = word.strip(".,'’?!").lower()
    if not bare or bare in STOPWORDS or not any("a" <= c <= "z" for c in bare):
        return False
    tokens = tokenize(bare)
    return bool(tokens) and all(t not in vocabulary for t in tokens)


def uncovered(
    terms: Sequence[Term],
    question_vector: np.ndarray,
    without_vectors: np.ndarray,
    entity_scores: np.ndarray,
    *,
    english: frozenset[str],
    config: ScopeConfig,
) -> list[str]:
    """The terms the sources do not cover: names (by their writing, by not being English
    words unless they read as slang, or by `entity_scores` from `entity_score`) whose removal
    changes the question."""
    out = []
    for term, without, entity in zip(terms, without_vectors, entity_scores, strict=True):
        if float(np.dot(question_vector, without)) >= config.max_kept_meaning:
            continue
        coined = term.is_coined(english) and entity >= 0  # not slang ('diff', 'chops')
        if term.looks_like_a_name() or coined or entity >= config.min_entity:
            out.append(term.text)
    return out


def entity_score(term_vectors: np.ndarray, names: np.ndarray, words: np.ndarray) -> np.ndarray:
    """Per term: best cosine to a kind of name minus best cosine to a kind of ordinary word
    (rows of `names` / `words` embed NAME_KINDS / WORD_KINDS)."""
    if not len(term_vectors):
        return np.zeros(0)
    return (term_vectors @ names.T).max(axis=1) - (term_vectors @ words.T).max(axis=1)
