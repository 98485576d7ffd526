"""Question answering: validate, retrieve, gate out-of-scope questions, compose a cited answer."""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from bot.answering.classify import NEED_DESCRIPTION, ROLE_CHOICE, QuestionClassifier, QuestionKind
from bot.answering.compose import (
    ComposerConfig,
    Lead,
    Trace,
    best_unit_similarity,
    compose_answer,
    decline,
    merge_answers,
    prepend_lead,
)
from bot.answering.frame import Frame
from bot.answering.generation import AnswerGenerator, GenerationFailed
from bot.answering.ranker import SentenceRanker
from bot.answering.retrieval import HybridRetriever, LexicalIndex
from bot.answering.scope import (
    NAME_KINDS,
    WORD_KINDS,
    ScopeConfig,
    Term,
    assess,
    entity_score,
    mentions_ai_work,
    other_roles_named,
    uncovered,
    unknown_terms,
)
from bot.answering.spelling import Lexicon, correct
from bot.errors import BadQuestion, HirebotError, IndexMissing
from bot.stores.embeddings import CACHED_TEXT_CHARS
from bot.stores.vectors import UnitRecord, VectorStore
from bot.text import (
    expand_shorthand,
    message_sentences,
    tokenize,
)
from bot.types import Answer
from bot.vocabulary import vocabulary

logger = logging.getLogger(__name__)
EXAMPLE_QUESTION = "What does a senior AI engineer earn?"


class LeadWriter(Protocol):
    """Writes the direct answer for a kind of question the passages alone cannot lead with
    (the role recommender answers 'who should we hire?')."""

    def lead(self, question: str, *, described: bool = True) -> Lead | None:
        """The lead for `question` (`described`: it describes a situation), or None to leave
        the answer as composed."""
        ...


def validate_question(question: str, *, max_chars: int) -> str:
    """Normalise whitespace; refuse empty or over-long questions with a clear reason."""
    text = " ".join((question or "").split())
    if not any(c.isalnum() or c == "_" or unicodedata.category(c) == "So" for c in text):
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


def as_question_kind(kind: QuestionKind) -> QuestionKind:
    """A described need is answered as the question it implies: which role fits?"""
    return replace(kind, label=ROLE_CHOICE) if kind.label == NEED_DESCRIPTION else kind


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
        classifier: QuestionClassifier | None = None,
        english: frozenset[str] = frozenset(),
        top_k: int = 5,
        max_question_chars: int = 1500,
        composer: ComposerConfig | None = None,
        scope: ScopeConfig | None = None,
        generator: AnswerGenerator | None = None,
        role_lead: LeadWriter | None = None,
        ranker: SentenceRanker | None = None,
    ) -> None:
        self.retriever = retriever
        self.store = store
        self.classifier = classifier or QuestionClassifier(retriever.embedder)
        self.english = english
        self.top_k = top_k
        self.max_question_chars = max_question_chars
        self.composer = composer or ComposerConfig()
        self.scope = scope or ScopeConfig()
        self.units = UnitCache(store)
        self.generator = generator
        self.role_lead = role_lead
        self.ranker = ranker
        # sees each composition's candidates (for `hirebot train-ranker`); None when serving
        self.trace: Trace | None = None
        self._lexicon: tuple[LexicalIndex, Lexicon] | None = None
        self._kind_vectors: tuple[np.ndarray, np.ndarray] | None = None

    def _kinds(self) -> tuple[np.ndarray, np.ndarray]:
        """Embedded kinds of names and of ordinary words (for typing unknown terms), once."""
        if self._kind_vectors is None:
            embed = self.retriever.embedder.embed
            self._kind_vectors = (embed(list(NAME_KINDS)), embed(list(WORD_KINDS)))
        return self._kind_vectors

    def lexicon(self) -> Lexicon:
        """The knowledge base's words (for typo repair), rebuilt with the lexical index."""
        index = self.retriever.lexical_index()
        if self._lexicon is None or self._lexicon[0] is not index:
            # the vocabulary's own words ('grad', 'staff', 'fintech') are never "typos"
            known = self.english | vocabulary().words()
            self._lexicon = (index, Lexicon(index.word_counts, known))
        return self._lexicon[1]

    def normalise(self, question: str) -> str:
        """The question as it is understood: validated, shorthand expanded, typos repaired."""
        text = validate_question(question, max_chars=self.max_question_chars)
        return correct(expand_shorthand(text), self.lexicon())[0]

    def classify(self, question: str) -> QuestionKind:
        """The classifier's reading of a whole message, as it is understood (see `normalise`;
        an off-topic reading is checked on its question alone, see `_judge_the_question`)."""
        text = self.normalise(question)
        return self._judge_the_question(text, self.classifier.classify(text))

    def evidence(self, question: str) -> float:
        """How well the knowledge base answers a question: its in-scope probability plus the
        similarity of its closest sentence (one embedding, one sentence search)."""
        text = self.normalise(question)
        vector = self.retriever.embedder.embed([text])[0]
        kind = self.classifier.classify(text, vector=vector)
        closest = self.store.query_units(vector, 1)
        return kind.in_scope_probability + (closest[0][1] if closest else 0.0)

    def _to_embed(self, query: str) -> tuple[list[str], list[str], list[list[Term]], list[str]]:
        """What answering `query` (normalised) embeds, in one batch: each part of a compound
        question, the whole of one, and each part without each of its unknown terms and the
        terms themselves. Returns (parts, whole, terms per part, texts)."""
        parts = split_compound(query)
        vocabulary = self.retriever.lexical_index().vocabulary
        terms = [unknown_terms(part, vocabulary) for part in parts]
        whole = [query] if len(parts) > 1 else []
        flat = [t for part_terms in terms for t in part_terms]
        return (
            parts,
            whole,
            terms,
            [*parts, *whole, *(t.without for t in flat), *(t.text for t in flat)],
        )

    def prepare(self, questions: Sequence[str]) -> int:
        """Embed what asking each of `questions` will embed, in large batches, ahead of asking
        them (a batch costs about a fifth of the same texts one at a time; the embedder keeps
        recent short texts, so the asks that follow find them). Questions that would be
        refused are skipped. Returns the number of texts embedded; at most half the
        embedder's cache is filled, so nothing prepared is pushed out before it is used."""
        room = max(0, getattr(self.retriever.embedder, "cache_size", 0) // 2)
        texts: list[str] = []
        for question in questions:
            try:
                texts.extend(self._to_embed(self.normalise(question))[3])
            except HirebotError:
                continue
        texts = [t for t in dict.fromkeys(texts) if len(t) <= CACHED_TEXT_CHARS][:room]
        self._kinds()  # embedded once, on the first question otherwise
        if texts:
            self.retriever.embedder.embed(texts)
        return len(texts)

    def ask(
        self,
        question: str,
        *,
        composer: ComposerConfig | None = None,
        on_text: Callable[[str], None] | None = None,
        in_thread: bool = False,
        kind: str | None = None,
        frame: Frame | None = None,
        described: bool | None = None,
    ) -> Answer:
        """Answer one self-contained question (follow-ups are resolved before, by
        bot.conversation); `composer` overrides answer length limits (e.g. for the sections of a hiring brief);
        `in_thread`: the question follows an on-topic one, so it is declined only at a lower bar;
        `kind`: the on-topic kind the router chose for a one-part question (its topic is settled);
        `frame`: what a follow-up is about, merged with its conversation (else read from it);
        `described`: the message describes a hiring need, so a role-choice answer leads with a
        pick (None: the classifier decides, a need description against a question of choosing).

        With a generator configured, covered questions get a generated answer (grounded
        sentences are passed to `on_text` as they arrive); any failure falls back to the
        extractive answer. Off-topic questions are declined before any model call."""
        started = time.perf_counter()
        text = validate_question(question, max_chars=self.max_question_chars)
        query = correct(expand_shorthand(text), self.lexicon())[0]
        timings = {"embed_ms": 0.0, "classify_ms": 0.0, "retrieve_ms": 0.0, "compose_ms": 0.0}
        t0 = time.perf_counter()
        parts, whole, terms, texts = self._to_embed(query)
        flat = [t for part_terms in terms for t in part_terms]
        vectors = self.retriever.embedder.embed(texts)
        entity = entity_score(vectors[len(vectors) - len(flat) :], *self._kinds())
        t1 = time.perf_counter()
        kinds = self.classifier.classify_many(
            [*parts, *whole], vectors=vectors[: len(parts) + len(whole)]
        )
        if whole:  # each part is judged together with the whole message
            bar = self.classifier.config.min_in_scope
            kinds = [k.within(kinds[-1], min_in_scope=bar) for k in kinds[:-1]]
        kinds = [self._judge_the_question(part, k) for part, k in zip(parts, kinds, strict=True)]
        if in_thread:
            kinds = [self.classifier.in_thread(k) for k in kinds]
        if kind is not None and len(parts) == 1:
            kinds = [replace(kinds[0], label=kind, in_scope=True)]
        if described is None:
            odds = kinds[0].probabilities
            described = odds.get(NEED_DESCRIPTION, 0.0) >= odds.get(ROLE_CHOICE, 0.0)
        kinds = [as_question_kind(k) for k in kinds]
        timings["embed_ms"] = (t1 - t0) * 1000
        timings["classify_ms"] = (time.perf_counter() - t1) * 1000
        answers = []
        offset = len(parts) + len(whole)
        for n, part in enumerate(parts):
            without = vectors[offset : offset + len(terms[n])]
            scores = entity[offset - len(parts) - len(whole) :][: len(terms[n])]
            offset += len(terms[n])
            answers.append(
                self._answer_part(
                    part,
                    timings,
                    vector=vectors[n],
                    kind=kinds[n],
                    uncovered_terms=uncovered(
                        terms[n],
                        vectors[n],
                        without,
                        scores,
                        english=self.english,
                        config=self.scope,
                    ),
                    parts=len(parts),
                    composer=composer or self.composer,
                    frame=frame if len(parts) == 1 else None,
                )
            )
        answer = answers[0] if len(answers) == 1 else merge_answers(answers)
        if self.generator is not None and answer.grounded and composer is None:
            answer = self._generate(text, answer, timings, on_text)
        elif kinds[0].label == ROLE_CHOICE and self.role_lead is not None:
            # the pick leads; a described need is answered by the pick even when no passage is
            # close to the description itself (the role model reads it, not retrieval)
            lead = (
                self.role_lead.lead(parts[0], described=described)
                if answer.grounded or kind
                else None
            )
            if lead is not None and lead.citations:
                answer = prepend_lead(answer, lead)
        answer.question = text
        answer.kind = kinds[0].label
        answer.timings = timings
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def _judge_the_question(self, part: str, kind: QuestionKind) -> QuestionKind:
        """An off-topic verdict on a long message is checked on its question alone: a setup
        ('PM wants an assistant over our help docs') can outweigh 'do we hire an ML engineer
        for that?'. The question decides when it names an AI/ML role and is on topic itself."""
        if kind.in_scope:
            return kind
        sentences = message_sentences(part)
        asked = [s for s in sentences[1:] if s.endswith("?") and vocabulary().roles_in(s)]
        if not asked:
            return kind
        alone = self.classifier.classify(asked[-1])
        return alone if alone.in_scope else kind

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
        generated.uncovered = list(extractive.uncovered)
        generated.notes = [n for n in extractive.notes if n.kind == "uncovered"]
        generated.kind = extractive.kind
        return generated

    def _answer_part(
        self,
        query: str,
        timings: dict[str, float],
        *,
        vector: np.ndarray,
        kind: QuestionKind,
        uncovered_terms: list[str],
        parts: int,
        composer: ComposerConfig,
        frame: Frame | None = None,
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
            kind,
            hits,
            best_unit_similarity(hits, units, vector),
            config=self.scope,
            other_roles=other_roles_named(query),
            about_ai=bool(vocabulary().roles_implied(query)) or mentions_ai_work(query),
        )
        if decision.in_scope:
            answer = compose_answer(
                query,
                hits,
                units,
                vector,
                config=composer,
                kind=kind.label,
                uncovered=uncovered_terms,
                ranker=self.ranker,
                frame=frame,
                trace=self.trace,
                idf=self.retriever.lexical_index().idf,
            )
        else:
            answer = decline(query, hits)
        answer.note = decision.reason
        t3 = time.perf_counter()
        timings["retrieve_ms"] += (t2 - t1) * 1000
        timings["compose_ms"] += (t3 - t2) * 1000
        return answer
