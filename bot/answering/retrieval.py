"""Hybrid retrieval: dense (Chroma) + lexical (BM25) fused by reciprocal rank, diverse across documents."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from bot.answering.spelling import Lexicon
from bot.stores.embeddings import Embedder
from bot.stores.vectors import VectorStore
from bot.text import tokenize
from bot.types import Chunk, Hit

logger = logging.getLogger(__name__)
Mode = Literal["hybrid", "dense", "lexical"]


class LexicalIndex:
    """BM25 over every chunk (title + headings + text), built once per corpus version."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        import bm25s

        self.chunks = list(chunks)
        self._bm25 = bm25s.BM25(k1=1.2, b=0.75)
        corpus = [tokenize(c.embedding_text) or ["_empty_"] for c in self.chunks]
        self.vocabulary: frozenset[str] = frozenset(t for doc in corpus for t in doc)
        # in how many chunks each token occurs: how telling a word is (its idf)
        self.document_frequency: Counter[str] = Counter(t for doc in corpus for t in set(doc))
        # surface words and their counts, for typo repair against the corpus
        self.word_counts: Counter[str] = Lexicon.from_texts(
            c.embedding_text for c in self.chunks
        ).counts
        if corpus:
            self._bm25.index(corpus, show_progress=False)

    def idf(self, token: str) -> float:
        """Inverse document frequency of a token over the chunks (smoothed; unseen: highest)."""
        n = len(self.chunks)
        return float(np.log((1 + n) / (1 + self.document_frequency.get(token, 0))) + 1.0)

    def search(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        """Top-k chunks by BM25 score (only chunks sharing a term with the query)."""
        tokens = [t for t in tokenize(query)]
        if not self.chunks or not tokens:
            return []
        scores = self._bm25.get_scores(tokens)
        n = min(k, len(self.chunks))
        top = np.argpartition(-scores, n - 1)[:n]
        ranked = sorted(top, key=lambda i: -scores[i])
        return [(self.chunks[i], float(scores[i])) for i in ranked if scores[i] > 0]


@dataclass(frozen=True, slots=True)
class RetrievalConfig:
    """Knobs of the hybrid retriever (tuned with `hirebot eval`)."""

    candidates: int = 24
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    # chunks ranked by their best sentence: finds the one sentence that answers (a "no source
    # gives ..." line) in a chunk whose other sentences are about something else
    sentence_weight: float = 1.0
    per_source: int = 2
    refresh_s: float = 2.0


class HybridRetriever:
    """Dense + BM25 with reciprocal rank fusion and a per-document cap for diversity."""

    def __init__(
        self,
        store: VectorStore,
        embedder: Embedder,
        *,
        config: RetrievalConfig | None = None,
        mode: Mode = "hybrid",
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.config = config or RetrievalConfig()
        self.mode = mode
        self._lexical: LexicalIndex | None = None
        self._lexical_version: str | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def lexical_index(self) -> LexicalIndex:
        """The BM25 index, rebuilt only when the corpus version changes (checked every few s)."""
        now = time.monotonic()
        with self._lock:
            if self._lexical is not None and now - self._checked_at < self.config.refresh_s:
                return self._lexical
            version = self.store.version()
            self._checked_at = now
            if self._lexical is None or version != self._lexical_version:
                self._lexical = LexicalIndex(self.store.all_chunks())
                self._lexical_version = version
                logger.debug("lexical index built over %d chunks", len(self._lexical.chunks))
            return self._lexical

    def embed_query(self, query: str) -> np.ndarray:
        """Embed one query."""
        return self.embedder.embed([query])[0]

    def _by_best_sentence(self, vector: np.ndarray, k: int) -> list[tuple[Chunk, float]]:
        """Chunks in the order of their closest sentence to the query (sentence search)."""
        by_id = {c.id: c for c in self.lexical_index().chunks}
        out: dict[str, float] = {}
        for chunk_id, similarity in self.store.query_units(vector, k * 3):
            if chunk_id in by_id and chunk_id not in out:
                out[chunk_id] = similarity
        return [(by_id[cid], sim) for cid, sim in list(out.items())[:k]]

    def search(self, query: str, k: int, *, vector: np.ndarray | None = None) -> list[Hit]:
        """Best `k` chunks for `query`, at most `per_source` per document while others remain."""
        cfg = self.config
        dense: list[tuple[Chunk, float]] = []
        lexical: list[tuple[Chunk, float]] = []
        if self.mode in ("hybrid", "dense"):
            vector = self.embed_query(query) if vector is None else vector
            dense = self.store.query(vector, cfg.candidates)
        if self.mode in ("hybrid", "lexical"):
            lexical = self.lexical_index().search(query, cfg.candidates)
        sentences: list[tuple[Chunk, float]] = []
        if self.mode == "hybrid" and cfg.sentence_weight and vector is not None:
            sentences = self._by_best_sentence(vector, cfg.candidates)
        fused: dict[str, float] = {}
        chunks: dict[str, Chunk] = {}
        dense_scores = {c.id: s for c, s in dense}
        lexical_scores = {c.id: s for c, s in lexical}
        for weight, ranked in (
            (cfg.dense_weight, dense),
            (cfg.lexical_weight, lexical),
            (cfg.sentence_weight, sentences),
        ):
            for rank, (chunk, _) in enumerate(ranked):
                chunks[chunk.id] = chunk
                fused[chunk.id] = fused.get(chunk.id, 0.0) + weight / (cfg.rrf_k + rank + 1)
        order = sorted(fused, key=lambda cid: -fused[cid])
        picked = diversify([chunks[c] for c in order], k=k, per_source=cfg.per_source)
        missing = [c.id for c in picked if c.id not in dense_scores]
        if missing and vector is not None:
            for cid, vec in self.store.chunk_vectors(missing).items():
                dense_scores[cid] = float(np.dot(vec, vector))
        return [
            Hit(
                chunk=c,
                score=fused[c.id],
                dense=dense_scores.get(c.id, 0.0),
                lexical=lexical_scores.get(c.id, 0.0),
            )
            for c in picked
        ]


def diversify(ranked: Sequence[Chunk], *, k: int, per_source: int) -> list[Chunk]:
    """Keep rank order but cap chunks per source; fill up from the overflow if too few sources."""
    picked: list[Chunk] = []
    overflow: list[Chunk] = []
    per: dict[str, int] = {}
    for chunk in ranked:
        if per.get(chunk.source, 0) < per_source:
            picked.append(chunk)
            per[chunk.source] = per.get(chunk.source, 0) + 1
        else:
            overflow.append(chunk)
        if len(picked) == k:
            return picked
    return (picked + overflow)[:k]
