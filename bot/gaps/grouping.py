"""Knowledge gaps: the logged questions hirebot could not (fully) answer or that got a 👎, grouped
by meaning, largest group first.

Grouping is agglomerative clustering (complete linkage, cosine distance) of the questions'
embeddings, after removing most of what every hiring question shares: the mean direction of the
knowledge base's chunks. Without that, "ML engineer" in two questions about different things
(pay in Toronto, the job post) makes them look alike."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.answering.retrieval import HybridRetriever
from bot.errors import StoreUnavailable
from bot.gaps.question_log import OUTCOMES
from bot.stores.embeddings import Embedder
from bot.stores.state import QuestionRecord

# complete-linkage cosine distance at which groups stop merging, and how much of the knowledge
# base's mean direction is removed first; chosen on the dev split of evals/gaps.yaml
# (`python -m benchmarks.gap_grouping` prints the sweep), checked on its held-out test split
MAX_DISTANCE = 0.675
BACKGROUND_WEIGHT = 0.75
BACKGROUND_CHUNKS = 5000
MAX_QUESTIONS = 2000  # most recent gap questions clustered (memory grows with the square)
MAX_EXAMPLES = 5
CLOSEST_VOTERS = 5  # the group's most central questions each name the document retrieved first
MAX_TERMS = 8
MAX_COMMENTS = 5  # what people said was wrong, most recent first
_SINCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$", re.IGNORECASE)
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(text: str) -> float:
    """'7d', '24h', '30m', '90s', '2w' -> seconds; ValueError with a one-line reason otherwise."""
    match = _SINCE.match(text or "")
    if match is None:
        raise ValueError(
            f"--since must be a number and a unit (s, m, h, d or w), like 7d, 24h or 30m; "
            f"got {text!r}"
        )
    seconds = float(match.group(1)) * _UNIT_S[match.group(2).lower()]
    if seconds <= 0:
        raise ValueError(f"--since must be longer than zero; got {text!r}")
    return seconds


def is_gap(record: QuestionRecord) -> bool:
    """Declined, partly covered, answered but voted 👎 by someone, or taken to the recruiting
    team."""
    return (
        record.outcome != "answered" or "down" in record.votes.values() or bool(record.escalations)
    )


@dataclass(frozen=True, slots=True)
class ClosestDocument:
    """The knowledge document nearest to a group's questions (where new content would go)."""

    source: str
    title: str
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"source": self.source, "title": self.title, "similarity": round(self.similarity, 3)}


@dataclass(slots=True)
class GapGroup:
    """Similar gap questions: how often they came up, what became of them, and where to look."""

    representative: str
    questions: list[str]
    count: int
    outcomes: dict[str, int]
    uncovered: list[str]
    down_voted: int
    up_voted: int
    first_at: float
    last_at: float
    closest: ClosestDocument | None = None
    # what people said was wrong with the answers (most recent first), and how many of the
    # group's questions someone took to the recruiting team
    comments: list[str] = field(default_factory=list)
    escalated: int = 0

    @property
    def down_rate(self) -> float:
        """Share of the group's questions whose answer got a 👎."""
        return self.down_voted / self.count if self.count else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON form (stable keys)."""
        return {
            "count": self.count,
            "representative": self.representative,
            "questions": list(self.questions),
            "outcomes": {o: self.outcomes.get(o, 0) for o in OUTCOMES},
            "uncovered": list(self.uncovered),
            "down_voted": self.down_voted,
            "up_voted": self.up_voted,
            "down_rate": round(self.down_rate, 3),
            "closest_document": self.closest.to_dict() if self.closest else None,
            "first_asked": iso(self.first_at),
            "last_asked": iso(self.last_at),
            "comments": list(self.comments),
            "escalated": self.escalated,
        }


@dataclass(slots=True)
class GapReport:
    """Every gap group of a time window, largest first, with the window's totals."""

    since_s: float
    generated_at: float
    questions: int
    outcomes: dict[str, int]
    gap_questions: int
    groups: list[GapGroup] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The `hirebot gaps --json` object (stable keys, groups largest first)."""
        return {
            "since": iso(self.generated_at - self.since_s),
            "until": iso(self.generated_at),
            "questions": self.questions,
            "outcomes": {o: self.outcomes.get(o, 0) for o in OUTCOMES},
            "gap_questions": self.gap_questions,
            "groups": [g.to_dict() for g in self.groups],
        }


def iso(at: float) -> str:
    """Epoch seconds as an ISO 8601 UTC timestamp."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))


def cluster(
    vectors: np.ndarray, *, max_distance: float = MAX_DISTANCE, linkage: str = "complete"
) -> list[int]:
    """Group labels (0..k-1): agglomerative clustering on cosine distance, merging groups while
    every pair across them (complete linkage) is closer than `max_distance`."""
    if len(vectors) == 0:
        return []
    if len(vectors) == 1:
        return [0]
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(
        n_clusters=None, distance_threshold=max_distance, metric="cosine", linkage=linkage
    )
    return [int(label) for label in model.fit_predict(vectors)]


def remove_background(
    vectors: np.ndarray, background: np.ndarray | None, weight: float = BACKGROUND_WEIGHT
) -> np.ndarray:
    """Unit vectors minus `weight` × the shared background direction, normalised again."""
    if background is None:
        return vectors
    shifted = vectors - weight * background
    return shifted / np.maximum(np.linalg.norm(shifted, axis=1, keepdims=True), 1e-12)


class GapFinder:
    """Turns logged questions into a gap report; embeddings of question texts are cached.
    Without a retriever (no index) questions are grouped on their raw embeddings."""

    def __init__(
        self,
        embedder: Embedder,
        retriever: HybridRetriever | None = None,
        *,
        max_distance: float = MAX_DISTANCE,
        background_weight: float = BACKGROUND_WEIGHT,
        cache_size: int = 8192,
    ) -> None:
        self.embedder = embedder
        self.retriever = retriever
        self.max_distance = max_distance
        self.background_weight = background_weight
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._background: tuple[str, np.ndarray | None] | None = None

    def report(
        self, records: Sequence[QuestionRecord], *, since_s: float, now: float | None = None
    ) -> GapReport:
        """Group the gap questions among `records` (most recent first) and rank the groups."""
        gaps = [r for r in records if is_gap(r)][:MAX_QUESTIONS]
        report = GapReport(
            since_s=since_s,
            generated_at=time.time() if now is None else now,
            questions=len(records),
            outcomes=dict(Counter(r.outcome for r in records)),
            gap_questions=len(gaps),
        )
        if not gaps:
            return report
        vectors = self.embed([r.topic for r in gaps])
        searchable = self._searchable()
        labels = self.labels(vectors, background=self.background() if searchable else None)
        members: dict[int, list[int]] = {}
        for i, label in enumerate(labels):
            members.setdefault(label, []).append(i)
        groups = [
            self._group([gaps[i] for i in idx], vectors[idx], searchable)
            for idx in members.values()
        ]
        groups.sort(key=lambda g: (-g.count, -g.down_voted, -g.last_at, g.representative))
        report.groups = groups
        return report

    def labels(self, vectors: np.ndarray, *, background: np.ndarray | None) -> list[int]:
        """Group labels of question vectors (see the module docstring)."""
        shifted = remove_background(vectors, background, self.background_weight)
        return cluster(shifted, max_distance=self.max_distance)

    def background(self) -> np.ndarray | None:
        """Mean unit vector of the knowledge base's chunks (cached per index version); None
        without an index."""
        if self.retriever is None:
            return None
        store = self.retriever.store
        try:
            version = store.version()
            if self._background is not None and self._background[0] == version:
                return self._background[1]
            ids = [c.id for c in store.all_chunks()[:BACKGROUND_CHUNKS]]
            stored = store.chunk_vectors(ids)
        except StoreUnavailable:
            return None
        mean: np.ndarray | None = None
        if stored:
            matrix = np.stack([np.asarray(v, dtype=np.float32) for v in stored.values()])
            matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
            mean = matrix.mean(axis=0)
        self._background = (version, mean)
        return mean

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of `texts`, embedding only those not cached yet."""
        with self._lock:
            found = {t: self._cache[t] for t in texts if t in self._cache}
            for text in found:
                self._cache.move_to_end(text)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            fresh = np.asarray(self.embedder.embed(missing), dtype=np.float32)
            fresh /= np.maximum(np.linalg.norm(fresh, axis=1, keepdims=True), 1e-12)
            found.update(zip(missing, fresh, strict=True))
            with self._lock:
                self._cache.update(zip(missing, fresh, strict=True))
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return np.stack([found[t] for t in texts])

    def _searchable(self) -> bool:
        if self.retriever is None:
            return False
        try:
            return self.retriever.store.count() > 0
        except StoreUnavailable:
            return False

    def _group(
        self, records: list[QuestionRecord], vectors: np.ndarray, searchable: bool
    ) -> GapGroup:
        centroid = vectors.mean(axis=0)
        centroid = centroid / (np.linalg.norm(centroid) or 1.0)
        central = [int(i) for i in np.argsort(-(vectors @ centroid), kind="stable")]
        representative = records[central[0]].topic
        examples = [representative]
        seen = {representative.casefold()}
        for record in records:  # most recent first
            if len(examples) >= MAX_EXAMPLES:
                break
            if record.topic.casefold() not in seen:
                seen.add(record.topic.casefold())
                examples.append(record.topic)
        return GapGroup(
            representative=representative,
            questions=examples,
            count=len(records),
            outcomes=dict(Counter(r.outcome for r in records)),
            uncovered=top_terms(records),
            down_voted=sum("down" in r.votes.values() for r in records),
            up_voted=sum("up" in r.votes.values() for r in records),
            first_at=min(r.at for r in records),
            last_at=max(r.at for r in records),
            closest=self._closest(records, vectors, central) if searchable else None,
            comments=comments_of(records),
            escalated=sum(bool(r.escalations) for r in records),
        )

    def _closest(
        self, records: list[QuestionRecord], vectors: np.ndarray, central: list[int]
    ) -> ClosestDocument | None:
        """The document hirebot's own retriever ranks first for most of the group's central
        questions (ties: the higher summed fused score)."""
        assert self.retriever is not None
        votes: Counter[str] = Counter()
        fused: dict[str, float] = {}
        best: dict[str, tuple[str, float]] = {}
        try:
            for i in central[:CLOSEST_VOTERS]:
                hits = self.retriever.search(records[i].topic, 1, vector=vectors[i])
                if not hits:
                    continue
                top = hits[0]
                source = top.chunk.source
                votes[source] += 1
                fused[source] = fused.get(source, 0.0) + top.score
                seen = best.get(source, ("", -1.0))[1]
                best[source] = (top.chunk.title, max(seen, top.dense))
        except StoreUnavailable:
            return None
        if not votes:
            return None
        source = max(votes, key=lambda s: (votes[s], fused[s]))
        title, similarity = best[source]
        return ClosestDocument(source, title, similarity)


def comments_of(records: Sequence[QuestionRecord], limit: int = MAX_COMMENTS) -> list[str]:
    """What people said was wrong with the answers to `records` (most recent first; each text
    once)."""
    said = [c.strip() for r in records for c in r.comments.values() if c.strip()]
    return list(dict.fromkeys(said))[:limit]


def top_terms(records: Sequence[QuestionRecord], limit: int = MAX_TERMS) -> list[str]:
    """The uncovered terms of `records`, most frequent first (case-insensitive, first spelling)."""
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for record in records:
        for term in dict.fromkeys(t.strip() for t in record.uncovered if t.strip()):
            key = term.casefold()
            spelling.setdefault(key, term)
            counts[key] += 1
    ranked = sorted(counts, key=lambda k: (-counts[k], k))
    return [spelling[k] for k in ranked[:limit]]
