"""Warm `ask` latency split into embed / retrieve / compose, per retriever, against a naive baseline
that re-reads the collection for BM25 and the sentence units on every question."""

from __future__ import annotations

from benchmarks.common import median, pct, table
from benchmarks.fixtures import knowledge_services, questions
from bot.answering.qa import QuestionAnswerer, UnitCache
from bot.answering.retrieval import HybridRetriever, LexicalIndex
from bot.evaluation.harness import qa_factory


class NaiveRetriever(HybridRetriever):
    """Baseline: rebuilds the BM25 index from the whole collection for every query."""

    def lexical_index(self) -> LexicalIndex:
        return LexicalIndex(self.store.all_chunks())


class NoCache(UnitCache):
    """Baseline: fetches sentence units from Chroma for every question."""

    def get(self, chunk_ids):  # type: ignore[no-untyped-def]
        return self._store.units_for(list(chunk_ids))


def measure(qa: QuestionAnswerer, qs: list[str]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"total": [], "embed_ms": [], "retrieve_ms": [], "compose_ms": []}
    for q in qs:
        answer = qa.ask(q)
        out["total"].append(answer.latency_ms)
        for key in ("embed_ms", "retrieve_ms", "compose_ms"):
            out[key].append(answer.timings[key])
    return out


def marginal_answer(services, qs: list[str]) -> str:  # type: ignore[no-untyped-def]
    """The warm marginal answer through the front door (a question never seen before: nothing
    cached for it) against its floor: embedding that one question with the same model."""
    import time

    embedder = services.embedder
    conversations = services.conversations
    for q in qs[:5]:  # warm: model threads, lexical index, unit cache, classifier
        conversations.respond(conversation=None, user="bench", text=q)
    floor, answer = [], []
    for q in qs:
        embedder._cache.clear()  # a new question: nothing cached
        start = time.perf_counter()
        embedder.embed([q])
        floor.append((time.perf_counter() - start) * 1000)
        embedder._cache.clear()
        start = time.perf_counter()
        conversations.respond(conversation=None, user="bench", text=q)
        answer.append((time.perf_counter() - start) * 1000)
    ratio = median(answer) / median(floor) if median(floor) else 0.0
    return table(
        f"Warm marginal answer through the front door over {len(qs)} new questions (ms; "
        "target: at most 3x the floor)",
        ["step", "p50", "p95", "× floor (p50)"],
        [
            ("floor: embed the question once", median(floor), pct(floor, 95), "1.00×"),
            (
                "answer: route + retrieve + compose",
                median(answer),
                pct(answer, 95),
                f"{ratio:.2f}×",
            ),
        ],
    )


def run(*, quick: bool) -> str:
    services = knowledge_services()
    qs = questions()
    if quick:
        qs = qs[:40]
    make = qa_factory(services.qa)
    naive_retriever = NaiveRetriever(services.store, services.embedder)
    naive = QuestionAnswerer(naive_retriever, services.store, top_k=services.qa.top_k)
    naive.units = NoCache(services.store)
    candidates = {
        "hybrid (default)": make("hybrid"),
        "dense only": make("dense"),
        "BM25 only": make("lexical"),
        "hybrid, no caches (baseline)": naive,
    }
    for qa in candidates.values():  # warm up: model threads, lexical index, sentence-unit cache
        for q in qs:
            qa.ask(q)
    results = {name: measure(qa, qs) for name, qa in candidates.items()}
    base = median(results["hybrid, no caches (baseline)"]["total"])
    rows = []
    for name, r in results.items():
        rows.append(
            (
                name,
                median(r["total"]),
                pct(r["total"], 95),
                median(r["embed_ms"]),
                median(r["retrieve_ms"]),
                median(r["compose_ms"]),
                f"{base / median(r['total']):.2f}×",
            )
        )
    front_door = marginal_answer(services, qs)
    return (
        front_door
        + "\n"
        + table(
            f"Warm ask latency over {len(qs)} eval questions (ms; target p95 <= 50)",
            [
                "retriever",
                "p50",
                "p95",
                "embed p50",
                "retrieve p50",
                "compose p50",
                "speed-up vs baseline",
            ],
            rows,
        )
    )
