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
    return table(
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
