"""Place names typed the way people type them in Slack ('what about toronto', 'in NYC',
'and london?').

A place is found by meaning, whatever its case: a word the knowledge base never uses, after
'in', 'across', 'based in', 'out of' or 'near' (or anywhere in a message of a few words, where
a bare place is the whole point: 'how about berlin'), whose embedding is closer to kinds of
places than to kinds of ordinary words, tools and companies (the zero-shot typing that
bot/answering/scope.py uses for names).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

import numpy as np

from bot.answering.scope import WORD_KINDS
from bot.stores.embeddings import Embedder
from bot.text import STOPWORDS, tokenize

PLACE_KINDS = ("a city", "a country", "a place", "a region")
# Not places, though written after 'in' the same way ('in databricks', 'in kubeflow').
NOT_PLACE_KINDS = (
    *WORD_KINDS,
    "a company",
    "a software product",
    "a programming tool",
    "a brand",
    "an industry",
    "a website",
)
# Cosine margin of places over the other kinds (cities score 0.07-0.36 here; tools, words
# and quarters such as 'q4' stay below 0.05).
MIN_PLACE_MARGIN = 0.065
_AFTER_PREPOSITION = re.compile(
    r"\b(?:in|across|based in|out of|near)\s+(?:the\s+)?([a-z][\w.-]*(?:\s+[a-z][\w.-]*)?)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][\w.-]*")
# a message this short may be a bare place ('how about berlin')
MAX_BARE_PLACE_WORDS = 5


class PlaceFinder:
    """Finds place names the knowledge base does not use, whatever their case."""

    def __init__(self, embedder: Embedder, vocabulary: Callable[[], Collection[str]]) -> None:
        self.embedder = embedder
        self.vocabulary = vocabulary
        self._kinds: tuple[np.ndarray, np.ndarray] | None = None

    def find(self, text: str) -> list[str]:
        """The place names in `text` the knowledge base never uses, as typed."""
        runs = [m.group(1).split() for m in _AFTER_PREPOSITION.finditer(text)]
        if len(text.split()) <= MAX_BARE_PLACE_WORDS:
            runs += [[w] for w in _WORD.findall(text)]
        known = self.vocabulary() if runs else frozenset()
        candidates: list[str] = []
        for run in runs:
            words = [w.strip(".,;:!?") for w in run]
            words = [w for w in words if w]
            if not words:
                continue
            first = words[0].lower()
            if first in STOPWORDS or any(t in known for t in tokenize(first)):
                continue
            candidates.append(words[0])
            if len(words) > 1 and words[1].lower() not in STOPWORDS:
                candidates.append(f"{words[0]} {words[1]}")
        candidates = list(dict.fromkeys(candidates))
        if not candidates:
            return []
        places, others = self._kind_vectors()
        vectors = self.embedder.embed(candidates)
        margin = (vectors @ places.T).max(axis=1) - (vectors @ others.T).max(axis=1)
        score = dict(zip(candidates, margin, strict=True))
        found = []
        for name in candidates:
            inner = [c for c in candidates if c != name and name in c.split()[1:]]
            if inner and score[inner[0]] >= MIN_PLACE_MARGIN:
                continue  # 'city' is part of 'kansas city'
            longer = [c for c in candidates if c != name and c.startswith(name + " ")]
            if longer and score[longer[0]] >= score[name]:
                continue  # 'kansas city' over 'kansas'
            if " " in name and score[name] < score[name.split()[0]]:
                continue  # 'toronto we' is 'toronto'
            if score[name] >= MIN_PLACE_MARGIN:
                found.append(name)
        return found

    def _kind_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        if self._kinds is None:
            vectors = self.embedder.embed([*PLACE_KINDS, *NOT_PLACE_KINDS])
            self._kinds = (vectors[: len(PLACE_KINDS)], vectors[len(PLACE_KINDS) :])
        return self._kinds
