"""Training the role model: the committed artifact is fresh and reproducible, the command works."""

import json

import numpy as np
import pytest
import yaml

from bot import cli
from bot.errors import ConfigError
from bot.evaluation.harness import load_roles
from bot.roles import model as rm
from bot.roles import training as rt
from bot.types import ROLE_IDS
from tests.conftest import ROOT

EVALS = ROOT / "evals"


def test_training_set_has_forty_clear_situations_per_role_and_no_dev_or_test_items():
    items = rt.load_training_items(EVALS)
    clear = [i for i in items if not i.ambiguous]
    for role in ROLE_IDS:
        assert sum(i.role == role for i in clear) >= 40, role
    fitted = {i.situation for i in items}
    for name in (rt.DEV_FILE, rt.TEST_FILE):
        if (EVALS / name).exists():
            assert not fitted & {i.situation for i in load_roles(EVALS / name)}, name


def test_committed_artifact_is_fresh():
    """Fails when situations were added or edited without `make train-roles`."""
    model = rm.RoleModel.load(rm.DEFAULT_ARTIFACT)
    items = rt.load_training_items(EVALS)
    assert rt.is_fresh(model, items, model.meta["embedding_model"]), (
        "bot/data/role_model.json is stale: run `make train-roles`"
    )
    assert model.meta["trained_on"] == len(items)


def test_committed_artifact_is_reproduced_by_training(embedder):
    """Re-fitting with the artifact's hyper-parameters gives the same weights and temperature."""
    model = rm.RoleModel.load(rm.DEFAULT_ARTIFACT)
    assert model.meta["embedding_model"] == embedder.name
    items = rt.load_training_items(EVALS)
    run = rt.train(items, embedder, config=rt.config_of(model), search=False)
    assert run.model.words.vocabulary == model.words.vocabulary
    assert np.allclose(run.model.coef, model.coef, atol=1e-3)
    assert run.model.temperature == pytest.approx(model.temperature, rel=1e-3)
    assert run.cv["accuracy"] == pytest.approx(model.meta["cv"]["accuracy"])
    dev = load_roles(EVALS / rt.DEV_FILE)
    texts = [i.situation for i in dev]
    vectors = embedder.embed(texts)
    assert (
        run.model.probabilities(vectors, texts).argmax(axis=1)
        == model.probabilities(vectors, texts).argmax(axis=1)
    ).all()


def test_duplicate_ids_across_training_files_are_refused(tmp_path):
    item = {"id": "same", "situation": "Build a RAG chatbot", "role": "ai_engineer"}
    for name in rt.TRAIN_FILES:
        (tmp_path / name).write_text(yaml.safe_dump({"items": [item]}))
    with pytest.raises(ConfigError, match="same"):
        rt.load_training_items(tmp_path)


def test_fingerprint_changes_with_the_situations():
    items = rt.load_training_items(EVALS)
    base = rt.fingerprint(items, "m")
    assert rt.fingerprint(items, "m") == base
    assert rt.fingerprint(items[:-1], "m") != base
    assert rt.fingerprint(items, "other-model") != base


def _small_evals(tmp_path, per_role: int = 6):
    """A copy of the training files cut to `per_role` clear situations per role (+2 ambiguous)."""
    evals = tmp_path / "evals"
    evals.mkdir()
    for name in rt.TRAIN_FILES:
        data = yaml.safe_load((EVALS / name).read_text())
        kept, counts = [], dict.fromkeys(ROLE_IDS, 0)
        for item in data["items"]:
            if item.get("ambiguous"):
                if sum(i.get("ambiguous", False) for i in kept) < 1:
                    kept.append(item)
            elif counts[item["role"]] < per_role // 2:
                counts[item["role"]] += 1
                kept.append(item)
        (evals / name).write_text(yaml.safe_dump({"items": kept}))
    return evals


def test_train_roles_command_writes_a_model_and_checks_freshness(tmp_path, embedder, capsys):
    evals = _small_evals(tmp_path)
    out = tmp_path / "model.json"
    assert cli.main(["train-roles", "--evals-dir", str(evals), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "cross-validation: accuracy" in printed and "| confidence |" in printed
    assert "←" in printed  # the chosen grid point is marked
    model = rm.RoleModel.load(out)
    assert model.meta["trained_on"] == 26 and 0.05 < model.temperature < 20
    assert json.loads(out.read_text())["classes"] == list(ROLE_IDS)
    assert cli.main(["train-roles", "--check", "--evals-dir", str(evals), "--out", str(out)]) == 0
    path = evals / rt.TRAIN_FILES[0]
    data = yaml.safe_load(path.read_text())
    data["items"][0]["situation"] += " Edited."
    path.write_text(yaml.safe_dump(data))
    assert cli.main(["train-roles", "--check", "--evals-dir", str(evals), "--out", str(out)]) == 1
    assert "STALE" in capsys.readouterr().out


def test_train_roles_reports_bad_training_files(tmp_path, capsys):
    (tmp_path / rt.TRAIN_FILES[0]).write_text("items: [{id: x, situation: y, role: nurse}]")
    (tmp_path / rt.TRAIN_FILES[1]).write_text("items: []")
    assert cli.main(["train-roles", "--evals-dir", str(tmp_path)]) == 2
    assert "unknown role" in capsys.readouterr().err
