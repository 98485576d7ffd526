"""Question answering: validate, retrieve, gate out-of-scope questions, compose a cited answer."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from bot.answer import (
    ComposerConfig,
    best_unit_similarity,
    compose_answer,
    decline,
    merge_answers,
)
from bot.errors import BadQuestion, IndexMissing
from bot.generation import AnswerGenerator, GenerationFailed
from bot.retrieval import HybridRetriever
from bot.scope import ScopeConfig, UnknownTerms, assess, find_unknown
from bot.store import UnitRecord, VectorStore
from bot.text import expand_shorthand, tokenize
from bot.types import Answer

logger = logging.getLogger(__name__)
_FOLLOW_UP = re.compile(
    r"^(and|also|what about|how about|same for|ok|okay|then)\b|\b(it|they|them|their|that|those|"
    r"this|these|he|she|the role|the same)\b",
    re.IGNORECASE,
)
EXAMPLE_QUESTION = "What does a senior AI engineer earn?"


def validate_question(question: str, *, max_chars: int) -> str:
    """Normalise whitespace; refuse empty or over-long questions with a clear reason."""
    text = re.sub(r"\s+", " ", question or "").strip()
    if not re.search(r"\w", text):
        raise BadQuestion(
            "empty question",
            user_message=f"Please type a question, for example: “{EXAMPLE_QUESTION}”",
        )
    if len(text) > max_chars:
        raise BadQuestion(
            f"question too long ({len(text)} > {max_chars} characters)",
            user_message=(
                f"That question is {len(text):,} characters long. Please keep it under "
                f"{max_chars:,} characters and ask about one thing at a time."
            ),
        )
    return text


_PART_BREAK = re.compile(
    r"(?<=\?)\s+(?=\S)"
    r"|[,;]\s+and\s+(?=(?:what|how|where|which|who|when|why|should|do|does|is|are|can|could|would)\b)"
    r"|\s+and\s+(?=(?:what|how|where|which|who|when|why)\b)",
    re.IGNORECASE,
)
MAX_PARTS = 3
_ELABORATION = re.compile(
    r"^(?:like|i mean|e\.g\.|i\.e\.|for example|for instance|or|basically|ideally|"
    r"in other words)\b",
    re.IGNORECASE,
)


def split_compound(question: str) -> list[str]:
    """Split 'X? And Y?' or 'X, and what Y' into separately answerable parts (at most three).
    A part too short to stand alone, and an elaboration ('... ? Like, what do I get?'), stay
    with the part before them."""
    raw = [p.strip() for p in _PART_BREAK.split(question) if p and p.strip()]
    raw = [
        re.sub(r"^(?:two things|a few things|questions?)\s*:\s*", "", p, flags=re.I) for p in raw
    ]
    parts: list[str] = []
    for part in raw:
        if parts and len(tokenize(part)) < 2:
            parts[-1] = f"{parts[-1]} and {part}"
        elif parts and parts[-1].endswith("?") and _ELABORATION.match(part):
            parts[-1] = f"{parts[-1]} {part}"
        else:
            parts.append(part)
    if len(parts) > MAX_PARTS or (parts and len(tokenize(parts[0])) < 2):
        return [question]
    return parts or [question]


def is_follow_up(question: str) -> bool:
    """Short or pronoun-led questions lean on the previous question for context."""
    return len(question.split()) <= 6 or _FOLLOW_UP.search(question) is not None


class UnitCache:
    """Bounded LRU cache of sentence units per chunk id (ids change when content changes)."""

    def __init__(self, store: VectorStore, size: int = 4096) -> None:
        self._store = store
        self._size = size
        self._data: OrderedDict[str, list[UnitRecord]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, chunk_ids: Sequence[str]) -> dict[str, list[UnitRecord]]:
        """Units of each chunk, loading only the ones not cached yet."""
        with self._lock:
            found = {cid: self._data[cid] for cid in chunk_ids if cid in self._data}
            for cid in found:
                self._data.move_to_end(cid)
        missing = [cid for cid in chunk_ids if cid not in found]
        if missing:
            loaded = self._store.units_for(missing)
            with self._lock:
                for cid, records in loaded.items():
                    self._data[cid] = records
                    found[cid] = records
                while len(self._data) > self._size:
                    self._data.popitem(last=False)
        return found


class QuestionAnswerer:
    """The core 'ask' use case, shared by the CLI, the Slack app and the evals."""

    def __init__(
        self,
        retriever: HybridRetriever,
        store: VectorStore,
        *,
        top_k: int = 5,
        max_question_chars: int = 1500,
        composer: ComposerConfig | None = None,
        scope: ScopeConfig | None = None,
        generator: AnswerGenerator | None = None,
    ) -> None:
        self.retriever = retriever
        self.store = store
        self.top_k = top_k
        self.max_question_chars = max_question_chars
        self.composer = composer or ComposerConfig()
        self.scope = scope or ScopeConfig()
        self.units = UnitCache(store)
        self.generator = generator

    def ask(
        self,
        question: str,
        *,
        context: str | None = None,
        composer: ComposerConfig | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer one question; `context` is the previous question of the same conversation;
        `composer` overrides answer length limits (e.g. for the sections of a hiring brief).

        With a generator configured, covered questions get a generated answer (grounded
        sentences are passed to `on_text` as they arrive); any failure falls back to the
        extractive answer. Out-of-scope questions are declined before any model call."""
        started = time.perf_counter()
        text = validate_question(question, max_chars=self.max_question_chars)
        query = expand_shorthand(f"{context} {text}" if context and is_follow_up(text) else text)
        parts = split_compound(query)
        timings = {"embed_ms": 0.0, "retrieve_ms": 0.0, "compose_ms": 0.0}
        t0 = time.perf_counter()
        # every part, and every part without its unknown words, embedded in one batch
        vocabulary = self.retriever.lexical_index().vocabulary
        unknowns = [find_unknown(part, vocabulary) for part in parts]
        texts = list(parts)
        kept_at: list[int | None] = []
        for unknown in unknowns:
            if unknown.words and unknown.kept.strip():
                kept_at.append(len(texts))
                texts.append(unknown.kept)
            else:
                kept_at.append(None)
        vectors = self.retriever.embedder.embed(texts)
        timings["embed_ms"] = (time.perf_counter() - t0) * 1000
        answers = [
            self._answer_part(
                part,
                timings,
                vector=vectors[n],
                unknown=unknowns[n],
                kept_vector=None if kept_at[n] is None else vectors[kept_at[n]],
                parts=len(parts),
                composer=composer or self.composer,
            )
            for n, part in enumerate(parts)
        ]
        answer = answers[0] if len(answers) == 1 else merge_answers(answers)
        if self.generator is not None and answer.grounded and composer is None:
            answer = self._generate(text, answer, timings, on_text)
        answer.question = text
        answer.timings = timings
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def _generate(
        self,
        text: str,
        extractive: Answer,
        timings: dict[str, float],
        on_text: Callable[[str], None] | None,
    ) -> Answer:
        assert self.generator is not None
        started = time.perf_counter()
        try:
            generated = self.generator.generate(text, extractive.hits, on_text=on_text)
        except GenerationFailed as exc:
            logger.warning("generation failed, answering extractively", extra={"reason": str(exc)})
            extractive.note += f"; generation fell back: {exc}"
            return extractive
        finally:
            timings["generate_ms"] = (time.perf_counter() - started) * 1000
        return generated

    def _answer_part(
        self,
        query: str,
        timings: dict[str, float],
        *,
        vector: np.ndarray,
        unknown: UnknownTerms,
        kept_vector: np.ndarray | None,
        parts: int,
        composer: ComposerConfig,
    ) -> Answer:
        t1 = time.perf_counter()
        hits = self.retriever.search(query, self.top_k, vector=vector)
        if not hits and self.store.count() == 0:
            raise IndexMissing("the knowledge index is empty")
        units = self.units.get([h.chunk.id for h in hits])
        t2 = time.perf_counter()
        if parts > 1:
            composer = replace(
                composer,
                max_points=max(2, composer.max_points // parts + 1),
                max_chars=composer.max_chars // parts + 200,
            )
        decision = assess(
            query,
            hits,
            best_unit_similarity(hits, units, vector),
            unknown=unknown,
            question_vector=vector,
            kept_vector=kept_vector,
            config=self.scope,
        )
        if decision.in_scope:
            answer = compose_answer(query, hits, units, vector, config=composer)
        else:
            answer = decline(query, hits)
        answer.note = decision.reason
        t3 = time.perf_counter()
        timings["retrieve_ms"] += (t2 - t1) * 1000
        timings["compose_ms"] += (t3 - t2) * 1000
        return answer
