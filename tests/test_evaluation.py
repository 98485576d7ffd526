"""The fixed evaluation sets, the gate, and the report."""

import pytest
import yaml

from bot.answering.qa import QuestionAnswerer
from bot.answering.retrieval import HybridRetriever
from bot.cli import CONVERSATION_SETS
from bot.conversation import Conversations
from bot.errors import ConfigError
from bot.evaluation import harness as evaluation
from bot.evaluation.report import write_report
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
        qa = QuestionAnswerer(retriever, base.store, classifier=base.classifier, top_k=base.top_k)
        return Conversations(qa, kb_services.state, ttl_s=60)

    front_door = evaluation.conversations_factory(kb_services.conversations)
    good = evaluation.run_eval(items, make_conversations=front_door, modes=("hybrid",))
    bad = evaluation.run_eval(items, make_conversations=degraded, modes=("hybrid",))
    assert bad.summary["hybrid"]["recall@1"] < good.summary["hybrid"]["recall@1"] - 0.3
    failed = {f.metric for f in evaluation.check_gates(bad, gates)}
    assert {"hybrid.recall@1", "hybrid.mrr"} <= failed

    written = write_report(bad, tmp_path / "report.md", evaluation.check_gates(bad, gates))
    assert all(p.exists() and p.stat().st_size > 0 for p in written)
    report = (tmp_path / "report.md").read_text()
    assert "FAILED: hybrid.recall@1" in report and "Per-question failures" in report
    assert [p.suffix for p in written] == [".md", ".png", ".png"]


def _scores(role: str, p: float) -> dict[str, float]:
    rest = (1 - p) / 3
    return {r: (p if r == role else rest) for r in ROLE_IDS}


def test_role_split_metrics_and_gates():
    items = [
        evaluation.RoleItem("a", "s1", "ai_engineer"),
        evaluation.RoleItem("b", "s2", "ml_engineer"),
        evaluation.RoleItem("c", "s3", "data_scientist"),
        evaluation.RoleItem("d", "s4", "ml_scientist"),
        evaluation.RoleItem("e", "s5", "ml_engineer", True, ("data_scientist",)),
        evaluation.RoleItem("f", "s6", "ml_engineer", True, ("ai_engineer",)),
    ]
    predictions = [
        (_scores("ai_engineer", 0.97), False),
        (_scores("ml_engineer", 0.6), True),
        (_scores("ml_scientist", 0.7), False),  # wrong
        (_scores("ml_scientist", 0.91), False),
        (_scores("data_scientist", 0.5), True),  # acceptable, flagged
        (_scores("ml_scientist", 0.8), False),  # not acceptable, not flagged
    ]
    split = evaluation.role_split_metrics(items, predictions)
    assert split["accuracy"] == 0.75 and split["clear"] == 4 and split["ambiguous"] == 2
    assert split["ambiguous_acceptable"] == 0.5 and split["ambiguous_flagged"] == 0.5
    assert split["clear_flagged"] == 0.25
    assert split["misses"] == [
        {"id": "c", "situation": "s3", "expected": "data_scientist", "got": "ml_scientist"}
    ]
    assert split["confusion"]["data_scientist"]["ml_scientist"] == 1
    wrong = 0.7**2 + 0.1**2 + 2 * 0.1**2  # the miss: 0.7 on the wrong role, 0.1 on the right one
    assert split["brier"] > wrong / 4
    assert sum(r["n"] for r in split["reliability"]) == 4

    result = evaluation.EvalResult(roles=evaluation.role_results({"test": split, "dev": split}))
    assert result.metric("roles.test_accuracy") == 0.75
    assert result.metric("roles.dev_ambiguous_flagged") == 0.5
    assert result.metric("roles.train_cv_accuracy") is None
    gates = {"min": {"roles.test_accuracy": 0.9, "roles.dev_accuracy": 0.7}, "max": {}}
    failed = evaluation.check_gates(result, gates)
    assert [f.metric for f in failed] == ["roles.test_accuracy"]


def test_role_table_names_each_split(tmp_path):
    from bot.evaluation.report import roles_table

    items = [evaluation.RoleItem("a", "s1", "ai_engineer")]
    split = evaluation.role_split_metrics(items, [(_scores("ai_engineer", 0.9), False)])
    result = evaluation.EvalResult(
        roles=evaluation.role_results({"train_cv": split, "test": split})
    )
    table = roles_table(result)
    assert "| train_cv | 1 / 0 | 1.000 |" in table and "| test | 1 / 0 | 1.000 |" in table
    assert "cross-validation" in table and "never used to choose anything" in table
    assert "test: confusion" in table and "| 0.80–0.90 | 1 | 0.900 | 1.000 |" in table


def test_conversation_set_schema_and_split(tmp_path):
    items = evaluation.load_conversations(EVALS / "conversations.yaml")
    assert len(items) >= 40 and {i.split for i in items} == {"dev", "test"}
    assert sum(t.new_topic for i in items for t in i.turns) >= 10
    assert all(t.rewrite and t.facts for i in items for t in i.turns[1:])
    bad = tmp_path / "conversations.yaml"
    bad.write_text("items:\n  - {id: x, split: dev, kind: k, turns: [{question: q}]}\n")
    with pytest.raises(ConfigError, match="at least two turns"):
        evaluation.load_conversations(bad)


@pytest.mark.parametrize(
    "name",
    [
        "conversations_dev.yaml",
        "conversations_dev2.yaml",
        "conversations_dev3.yaml",
        "conversations_dev4.yaml",
    ],
)
def test_extra_conversation_sets_are_dev_only_and_their_facts_are_in_their_sources(name):
    raw = yaml.safe_load((EVALS / name).read_text(encoding="utf-8"))
    items = evaluation.load_conversations(EVALS / name)
    assert len(items) >= 36 and {i.split for i in items} == {"dev"}  # never a test item
    assert name in CONVERSATION_SETS  # and the eval reads it
    root = EVALS.parent
    for item in raw["items"]:
        for turn in item["turns"][1:]:
            texts = [
                (root / path).read_text(encoding="utf-8").lower()
                for group in turn["sources"]
                for path in group
            ]
            for fact in turn["facts"]:
                assert any(v.lower() in t for v in fact for t in texts), (item["id"], fact)


def test_realistic_set_is_split_in_halves_with_neighbouring_topics():
    items = evaluation.load_qa(EVALS / "realistic_qa.yaml", topics=None)
    assert len(items) >= 100 and {i.split for i in items} == {"dev", "test"}
    dev = [i for i in items if i.split == "dev"]
    assert abs(len(dev) - len(items) / 2) <= 1
    assert sum(not i.in_scope for i in items) >= 25
    assert all(i.sources and i.facts for i in items if i.in_scope)
