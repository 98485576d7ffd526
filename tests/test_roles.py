"""Free-text role recommendation against the labelled situations in evals/roles.yaml."""

import json

import pytest

from bot import cli
from bot.evaluation import evaluate_roles, load_roles
from bot.roles import matched_cues, softmax
from bot.types import ROLE_IDS
from tests.conftest import ROOT


def test_cues_and_softmax():
    cues = matched_cues("Deploy and monitor our fraud model in production; watch for drift")
    assert {"production", "drift"} <= set(cues["ml_engineer"]) and not cues["ml_scientist"]
    assert sum(softmax({"a": 1.0, "b": 2.0}).values()) == pytest.approx(1.0)


def test_accuracy_on_the_labelled_set_is_high(kb_services):
    items = load_roles(ROOT / "evals" / "roles.yaml")
    result = evaluate_roles(
        items, lambda s: (lambda r: (r.role, r.ambiguous))(kb_services.roles.recommend(s))
    )
    assert result["accuracy"] >= 0.85, result["misses"]
    assert result["ambiguous_acceptable"] >= 0.8
    diag = sum(result["confusion"][r][r] for r in ROLE_IDS)
    assert diag == round(result["accuracy"] * sum(not i.ambiguous for i in items))


def test_recommendation_has_contract_shape_and_sources(kb_services):
    rec = kb_services.roles.recommend(
        "We need someone to build a RAG chatbot over our policies with an LLM API"
    )
    data = rec.to_dict()
    assert data["role"] == "ai_engineer"
    assert set(data["scores"]) == set(ROLE_IDS) and sum(data["scores"].values()) == pytest.approx(
        1, abs=1e-3
    )
    assert data["confidence"] == max(data["scores"].values())
    assert "AI engineer" in data["rationale"] and data["sources"]
    assert set(data["sources"][0]) == {"source", "title", "original", "score", "quote"}


def test_vague_needs_are_flagged_ambiguous(kb_services):
    rec = kb_services.roles.recommend("We need someone to do AI stuff with our data")
    assert rec.ambiguous and "walkthrough" in rec.rationale


def test_pick_role_cli_json(monkeypatch, kb_services, kb_dir, capsys):
    monkeypatch.setenv("HIREBOT_DATA_DIR", str(kb_dir))
    assert cli.main(["pick-role", "--json", "Research novel architectures and publish papers"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["role"] == "ml_scientist"
    assert {"situation", "role", "confidence", "scores", "rationale", "sources"} <= set(data)
    assert cli.main(["pick-role"]) == 2
