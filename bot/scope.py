"""Is a question covered by the knowledge? A small, explainable gate in front of answer composition.

Three signals, each with a threshold measured by `hirebot eval`:
1. retrieval similarity: the best chunk and the best sentence must be close to the question;
2. unknown meaning: if dropping the words the knowledge base never uses changes the question's
   embedding a lot, those words carry the question ("H-1B visa sponsorship", "nurse in Texas");
3. unknown names: when those words include a capitalised name (GDPR, React, Berlin), the
   question must keep even more of its meaning without them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from bot.text import tokenize
from bot.types import Hit

# Conversational words that carry no topic: never counted as "unknown to the knowledge base".
FILLER = frozenset(
    tokenize(
        "going really basically genuinely actually quick quickly worry worried stuff thing things "
        "anyone someone something tip tips worth stick okay ok hey hi thanks please guys folks "
        "insane crazy huge honestly literally saw seen heard wondering wonder idea ideas kind sort "
        "lot lots maybe probably else sure fine right wrong bad badly good great big small"
    )
)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’./+-]*")


@dataclass(frozen=True, slots=True)
class ScopeConfig:
    """Thresholds (cosine, all-MiniLM-L6-v2), set from `hirebot eval` measurements."""

    min_chunk: float = 0.30
    min_unit: float = 0.33
    min_kept_meaning: float = 0.70
    min_kept_meaning_named: float = 0.85


@dataclass(frozen=True, slots=True)
class ScopeDecision:
    """The verdict and why."""

    in_scope: bool
    reason: str
    unknown: tuple[str, ...] = ()


def unknown_words(question: str, vocabulary: Collection[str]) -> list[str]:
    """Words of the question whose tokens never occur in the knowledge base (fillers excepted)."""
    out = []
    for word in _WORD.findall(question):
        tokens = tokenize(word)
        if tokens and all(t not in vocabulary and t not in FILLER for t in tokens):
            out.append(word.strip(".,'’"))
    return out


def is_name(word: str, question: str) -> bool:
    """Capitalised or all-caps (not just sentence-initial), or letters mixed with digits."""
    if re.search(r"[A-Za-z]", word) and re.search(r"\d", word):
        return True
    if not word[:1].isupper():
        return False
    if word.isupper() and len(word) >= 2:
        return True
    start = re.search(r"(?:^|[.!?]\s+)" + re.escape(word), question)
    return start is None


@dataclass(frozen=True, slots=True)
class UnknownTerms:
    """The words of a question the knowledge never uses, and the question without them."""

    words: tuple[str, ...]
    kept: str


def find_unknown(question: str, vocabulary: Collection[str]) -> UnknownTerms:
    """Split a question into unknown words and the rest (to embed alongside the question)."""
    unknown = unknown_words(question, vocabulary)
    lower = {w.lower() for w in unknown}
    kept = " ".join(w for w in _WORD.findall(question) if w.strip(".,'’").lower() not in lower)
    return UnknownTerms(tuple(unknown), kept)


def assess(
    question: str,
    hits: Sequence[Hit],
    best_unit: float,
    *,
    unknown: UnknownTerms,
    question_vector: np.ndarray,
    kept_vector: np.ndarray | None,
    config: ScopeConfig | None = None,
) -> ScopeDecision:
    """Decide whether the knowledge covers `question` (see the module docstring); `kept_vector`
    embeds `unknown.kept` (None when there are no unknown words)."""
    cfg = config or ScopeConfig()
    if not hits:
        return ScopeDecision(False, "nothing retrieved")
    best_chunk = max(h.dense for h in hits)
    if best_chunk < cfg.min_chunk or best_unit < cfg.min_unit:
        return ScopeDecision(
            False, f"low similarity (chunk {best_chunk:.2f}, sentence {best_unit:.2f})"
        )
    if not unknown.words:
        return ScopeDecision(True, "covered")
    names = [w for w in unknown.words if is_name(w, question)]
    needed = cfg.min_kept_meaning_named if names else cfg.min_kept_meaning
    kept_meaning = 0.0
    if kept_vector is not None and unknown.kept.strip():
        kept_meaning = float(np.dot(question_vector, kept_vector))
    if kept_meaning < needed:
        return ScopeDecision(
            False, f"key words not in the knowledge: {', '.join(unknown.words)}", unknown.words
        )
    return ScopeDecision(True, "covered", unknown.words)
