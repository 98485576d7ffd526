"""The learned role classifier on its own: features, fitting, calibration, artifact, close calls."""

import json
import math

import numpy as np
import pytest

from bot.errors import ConfigError
from bot.evaluation import metrics
from bot.roles import model as rm
from bot.types import ROLE_IDS

DIM = 8


def _toy(seed: int = 0, per_role: int = 12) -> tuple[np.ndarray, list[rm.Example]]:
    """Four separable clusters of unit vectors, each with its own vocabulary."""
    rng = np.random.default_rng(seed)
    vocab = {
        "ai_engineer": "prompt chatbot llm",
        "ml_engineer": "deploy monitor retrain",
        "data_scientist": "analyse experiment dashboard",
        "ml_scientist": "invent novel publish",
    }
    vectors, examples = [], []
    for k, role in enumerate(ROLE_IDS):
        for i in range(per_role):
            v = rng.normal(0, 0.3, DIM)
            v[k] += 2.0
            vectors.append(v / np.linalg.norm(v))
            examples.append(rm.example(f"we need {vocab[role]} number {i}", [role]))
    return np.array(vectors), examples


def test_words_are_whole_words():
    assert rm.words("Inventory, newspaper; because: Autonomous-driving observing") == [
        "inventory",
        "newspaper",
        "because",
        "autonomous-driving",
        "observing",
    ]
    features = rm.WordFeatures.fit(["we invent things", "invent a paper"], min_df=2)
    assert features.vocabulary == ("invent",)
    # 'inventory' and 'newspaper' share letters with vocabulary words but are different words
    assert not features.transform(["our inventory and newspaper"]).any()
    row = features.transform(["invent invent"])[0]
    assert np.linalg.norm(row) == pytest.approx(1.0)


def test_example_targets_spread_over_acceptable_roles():
    clear = rm.example("x", ["ml_engineer"])
    assert clear.clear and clear.label == ROLE_IDS.index("ml_engineer")
    soft = rm.example("y", ["data_scientist", "ml_engineer", "data_scientist"])
    assert not soft.clear and sum(soft.target) == pytest.approx(1.0)
    assert soft.target[ROLE_IDS.index("data_scientist")] == pytest.approx(0.5)
    assert soft.label == ROLE_IDS.index("ml_engineer")  # ties go to the first role of ROLE_IDS
    with pytest.raises(ValueError):
        rm.example("z", ["nurse"])


def test_fit_predicts_held_out_points_and_probabilities_sum_to_one():
    vectors, examples = _toy()
    model = rm.fit(vectors, examples, rm.ModelConfig(c=4.0))
    test_vectors, test_examples = _toy(seed=1, per_role=3)
    probs = model.probabilities(test_vectors, [e.text for e in test_examples])
    assert probs.shape == (12, 4)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert (probs.argmax(axis=1) == [e.label for e in test_examples]).all()


def test_ambiguous_examples_teach_spread_probabilities():
    vectors, examples = _toy()
    point = vectors[:12].mean(axis=0)  # inside the AI engineer cluster
    point /= np.linalg.norm(point)
    soft = [rm.example("unclear need", ["ai_engineer", "ml_engineer"])] * 6
    config = rm.ModelConfig(c=4.0)
    hard = rm.fit(vectors, examples, config)
    spread = rm.fit(np.vstack([vectors, [point] * 6]), [*examples, *soft], config)
    p_hard = hard.probabilities(point[None, :], ["unclear need"])[0]
    p_soft = spread.probabilities(point[None, :], ["unclear need"])[0]
    ai, ml = ROLE_IDS.index("ai_engineer"), ROLE_IDS.index("ml_engineer")
    assert p_hard[ai] > 0.8
    assert p_soft[ai] < p_hard[ai] - 0.2 and p_soft[ml] > p_hard[ml] + 0.2


def test_temperature_recovers_the_sharpness_of_the_data():
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 3, (4000, 4))
    true_t = 2.5
    p = rm.softmax(logits / true_t)
    labels = np.array([rng.choice(4, p=row) for row in p])
    targets = np.eye(4)[labels]
    assert rm.fit_temperature(logits, targets) == pytest.approx(true_t, rel=0.1)
    sharp = np.eye(4)[logits.argmax(axis=1)]  # labels always the arg-max: sharpen (T < 1)
    assert rm.fit_temperature(logits, sharp) < 0.5


def test_out_of_fold_logits_never_see_their_example():
    vectors, examples = _toy()
    config = rm.ModelConfig(c=4.0, folds=4)
    held = rm.folds(examples, config)
    assert sorted(np.concatenate(held).tolist()) == list(range(len(examples)))
    logits = rm.out_of_fold_logits(vectors, examples, config)
    # a mislabelled example is predicted as its cluster when held out
    flipped = list(examples)
    flipped[0] = rm.example(examples[0].text.replace("prompt chatbot llm", "x"), ["ml_scientist"])
    oof = rm.out_of_fold_logits(vectors, flipped, config)
    assert oof[0].argmax() == ROLE_IDS.index("ai_engineer")
    assert logits.shape == (len(examples), 4)


def test_artifact_round_trip_gives_the_same_probabilities(tmp_path):
    vectors, examples = _toy()
    model = rm.fit(vectors, examples, rm.ModelConfig(c=4.0))
    model.temperature = 0.7
    model.meta = {"embedding_model": "toy", "training_hash": "abc"}
    path = tmp_path / "model.json"
    model.save(path)
    loaded = rm.RoleModel.load(path)
    texts = [e.text for e in examples]
    assert np.allclose(loaded.probabilities(vectors, texts), model.probabilities(vectors, texts))
    assert loaded.meta["training_hash"] == "abc" and loaded.dimension == DIM


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(format=99),
        lambda d: d.update(classes=list(reversed(d["classes"]))),
        lambda d: d.update(coef=d["coef"][:2]),
        lambda d: d.update(idf=d["idf"][:-1]),
        lambda d: d.pop("temperature"),
        lambda d: d.update(coef="not numbers"),
    ],
)
def test_bad_artifacts_are_config_errors(tmp_path, mutate):
    vectors, examples = _toy()
    data = rm.fit(vectors, examples, rm.ModelConfig(c=4.0)).to_dict()
    mutate(data)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError):
        rm.RoleModel.load(path)


def test_missing_or_garbled_artifact_names_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="train-roles"):
        rm.RoleModel.load(tmp_path / "absent.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ConfigError, match="train-roles"):
        rm.RoleModel.load(tmp_path / "bad.json")


def test_wrong_embedding_width_is_refused():
    vectors, examples = _toy()
    model = rm.fit(vectors, examples, rm.ModelConfig(c=4.0))
    with pytest.raises(ConfigError, match="8-d"):
        model.probabilities(np.zeros((1, 5)), ["x"])


def test_word_evidence_names_the_words_that_pushed_towards_the_role():
    vectors, examples = _toy()
    model = rm.fit(vectors, examples, rm.ModelConfig(c=16.0, word_weight=1.5))
    text = "we need to deploy and monitor it"
    found = model.word_evidence(text, "ml_engineer")
    assert found and set(found) <= {"deploy", "monitor"}
    assert "deploy" not in model.word_evidence(text, "ml_engineer", skip={"deploy"})
    assert model.word_evidence(text, "ml_scientist") == []


def test_close_call_rule_uses_the_calibrated_top_probability():
    clear = {"ai_engineer": 0.7, "ml_engineer": 0.2, "data_scientist": 0.05, "ml_scientist": 0.05}
    assert rm.close_call(clear) == (False, None)
    close = {"ai_engineer": 0.55, "ml_engineer": 0.35, "data_scientist": 0.05, "ml_scientist": 0.05}
    assert rm.close_call(close) == (True, "ml_engineer")


def test_calibration_metrics():
    perfect = np.eye(4)[[0, 1, 2]]
    assert metrics.brier_score(perfect, [0, 1, 2]) == 0.0
    assert metrics.brier_score(np.full((2, 4), 0.25), [0, 3]) == pytest.approx(0.75)
    assert metrics.brier_score(np.eye(4)[[1]], [0]) == pytest.approx(2.0)
    rows = metrics.reliability_table([0.95, 0.97, 0.6, 0.55], [True, False, True, True])
    top = next(r for r in rows if r["lo"] == 0.95)
    assert top["n"] == 1 and top["accuracy"] == 0.0
    mid = next(r for r in rows if r["lo"] == 0.5)
    assert mid["n"] == 2 and mid["confidence"] == pytest.approx(0.575) and mid["accuracy"] == 1.0
    assert sum(r["n"] for r in rows) == 4
    ece = metrics.expected_calibration_error([0.95, 0.97, 0.6, 0.55], [True, False, True, True])
    assert ece == pytest.approx((0.05 + 0.97 + 2 * 0.425) / 4)
    assert math.isclose(metrics.expected_calibration_error([], []), 0.0)
