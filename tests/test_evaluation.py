"""The fixed evaluation sets, the gate, and the report."""

import pytest

from bot import evaluation
from bot.errors import ConfigError
from bot.eval_report import write_report
from bot.qa import QuestionAnswerer
from bot.retrieval import HybridRetriever
from bot.types import ROLE_IDS
from tests.conftest import ROOT

EVALS = ROOT / "evals"


def test_qa_set_schema_and_coverage():
    items = evaluation.load_qa(EVALS / "qa.yaml")
    assert len(items) >= 80
    outside = [i for i in items if not i.in_scope]
    assert len(outside) >= 8
    assert sum(len(i.sources) == 2 for i in items) >= 10
    knowledge = {p.relative_to(ROOT).as_posix() for p in (ROOT / "knowledge").rglob("*.md")}
    gold = {d for i in items for g in i.sources for d in g}
    assert gold <= knowledge, gold - knowledge
    assert gold == knowledge  # every knowledge document is covered by some question
    for item in items:
        if item.in_scope:
            assert item.facts, item.id
            text = "\n".join((ROOT / d).read_text() for g in item.sources for d in g)
            for fact in item.facts:
                assert evaluation.metrics.fact_present(fact, text), (item.id, fact)


def test_role_set_schema_and_balance():
    items = evaluation.load_roles(EVALS / "roles.yaml")
    clear = [i for i in items if not i.ambiguous]
    assert len(items) >= 30
    assert all(sum(i.role == r for i in clear) >= 8 for r in ROLE_IDS)


def test_thresholds_file_is_valid():
    gates = evaluation.load_thresholds(EVALS / "thresholds.yaml")
    assert gates["min"]["hybrid.recall@5"] > 0.5 and "hybrid.false_decline_rate" in gates["max"]


def test_broken_set_is_rejected_with_the_item_named(tmp_path):
    bad = tmp_path / "qa.yaml"
    bad.write_text(
        "version: 1\nitems:\n  - id: x\n    question: q\n    topic: pay\n    in_scope: true\n"
    )
    with pytest.raises(ConfigError, match=r"item 1 \(x\): missing sources, facts"):
        evaluation.load_qa(bad)
    bad.write_text(
        "items:\n  - {id: y, question: q, topic: nope, in_scope: false, sources: [], facts: []}\n"
    )
    with pytest.raises(ConfigError, match="unknown topic"):
        evaluation.load_qa(bad)


class StaleRetriever(HybridRetriever):
    """A deliberately degraded retriever: answers each query with the previous query's results
    (the kind of bug a broken cache would cause)."""

    previous = "What is the weather like?"

    def search(self, query, k, *, vector=None):
        stale, StaleRetriever.previous = StaleRetriever.previous, query
        return super().search(stale, k)


def test_gate_fails_when_retrieval_degrades(kb_services, tmp_path):
    items = evaluation.load_qa(EVALS / "qa.yaml")[:40]
    gates = evaluation.load_thresholds(EVALS / "thresholds.yaml")
    base = kb_services.qa

    def degraded(mode):
        retriever = StaleRetriever(base.store, base.retriever.embedder)
        return QuestionAnswerer(retriever, base.store, top_k=base.top_k)

    good = evaluation.run_eval(items, make_qa=evaluation.qa_factory(base), modes=("hybrid",))
    bad = evaluation.run_eval(items, make_qa=degraded, modes=("hybrid",))
    assert bad.summary["hybrid"]["recall@1"] < good.summary["hybrid"]["recall@1"] - 0.3
    failed = {f.metric for f in evaluation.check_gates(bad, gates)}
    assert {"hybrid.recall@1", "hybrid.mrr"} <= failed

    written = write_report(bad, tmp_path / "report.md", evaluation.check_gates(bad, gates))
    assert all(p.exists() and p.stat().st_size > 0 for p in written)
    report = (tmp_path / "report.md").read_text()
    assert "FAILED: hybrid.recall@1" in report and "Per-question failures" in report
    assert [p.suffix for p in written] == [".md", ".png", ".png"]
