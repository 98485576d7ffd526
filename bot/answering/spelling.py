"""Typo repair against the knowledge base's own words ('salery' -> 'salary', 'enginer' -> 'engineer').

A word is repaired only when it is unknown both to the knowledge base and to the embedding
model's English word list (so real words and names such as 'Lever' or 'Toronto' are never
'corrected'), and exactly one edit or two (long words) away from a knowledge-base word.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_WORD = re.compile(r"[A-Za-z][a-z]+")
MIN_LENGTH = 4


@lru_cache(maxsize=4)
def english_words(vocab_file: Path) -> frozenset[str]:
    """Whole words of a WordPiece vocabulary (the model's tokenizer vocab.txt)."""
    try:
        lines = vocab_file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    return frozenset(w for w in lines if w.isalpha() and w.islower())


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count 1), or limit+1 once it exceeds limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The knowledge base's words with their counts, and a list of ordinary English words."""

    counts: Counter[str]
    english: frozenset[str]

    @classmethod
    def from_texts(cls, texts: Iterable[str], english: frozenset[str] = frozenset()) -> Lexicon:
        """Count the lower-case words of some texts."""
        return cls(Counter(w.lower() for text in texts for w in _WORD.findall(text)), english)

    def knows(self, word: str) -> bool:
        """True for a knowledge-base word or an ordinary English word."""
        lower = word.lower()
        return lower in self.counts or lower in self.english

    def correction(self, word: str) -> str | None:
        """The knowledge-base word this looks like a typo of, or None."""
        lower = word.lower()
        if len(lower) < MIN_LENGTH or not lower.isalpha() or self.knows(lower):
            return None
        limit = 1 if len(lower) < 8 else 2
        best: tuple[int, int, str] | None = None
        for candidate, count in self.counts.items():
            if len(candidate) < MIN_LENGTH or candidate[0] != lower[0]:
                continue
            distance = edit_distance(lower, candidate, limit)
            if distance <= limit and (best is None or (distance, -count) < best[:2]):
                best = (distance, -count, candidate)
        return None if best is None else best[2]


def correct(text: str, lexicon: Lexicon) -> tuple[str, dict[str, str]]:
    """The text with typos repaired, and the repairs made (typo -> word)."""
    repairs: dict[str, str] = {}

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if word[0].isupper() and not word.isupper() and match.start() > 0:
            return word  # a capitalised word inside a sentence is a name, not a typo
        fixed = lexicon.correction(word)
        if fixed is None:
            return word
        repairs[word] = fixed
        return fixed.capitalize() if word[0].isupper() else fixed

    return _WORD.sub(fix, text), repairs
