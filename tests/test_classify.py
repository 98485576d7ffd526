"""The question classifier: learned from labelled messages, cached, and the topic gate it feeds."""

from pathlib import Path

import pytest

from bot.answering.classify import QuestionClassifier, load_labels
from bot.errors import ConfigError
from tests.conftest import CountingEmbedder


@pytest.fixture(scope="session")
def classifier(embedder, tmp_path_factory) -> QuestionClassifier:
    model = QuestionClassifier(embedder, cache_dir=tmp_path_factory.mktemp("classifier-cache"))
    model.fit()
    return model


def test_the_label_files_have_both_scopes_and_enough_examples():
    labels = load_labels()
    inside = [label for label in labels.labels if label.in_scope]
    outside = [label for label in labels.labels if not label.in_scope]
    assert {"pay", "role_choice", "interviewing", "skills"} <= {label.name for label in inside}
    assert {"performance_management", "immigration", "other_roles"} <= {
        label.name for label in outside
    }
    assert all(len(label.examples) >= 30 for label in labels.labels)


def test_bad_label_files_are_refused_with_the_reason(tmp_path: Path):
    broken = tmp_path / "question_types.yaml"
    broken.write_text("labels: [not, a, mapping", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read"):
        load_labels([broken])
    one_scope = tmp_path / "one.yaml"
    one_scope.write_text(
        "labels:\n  pay:\n    scope: in\n    examples: [a, b, c]\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="both in-scope and out-of-scope"):
        load_labels([one_scope])
    clash = tmp_path / "clash.yaml"
    clash.write_text("labels:\n  pay:\n    scope: out\n    examples: [d, e, f]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="one scope"):
        load_labels([one_scope, clash])


def test_neighbouring_hr_topics_are_off_topic_even_with_ml_words(classifier):
    for message in (
        "what's the cleanest way to let go of an underperforming data scientist?",
        "how do I write a performance review for an underperforming engineer?",
        "can we sponsor an H-1B for the ML engineer we just hired?",
        "how many stock options should our first ML scientist get?",
    ):
        kind = classifier.classify(message)
        assert not kind.in_scope, (message, kind.explain())


def test_questions_naming_tools_and_cities_are_on_topic_with_what_they_ask(classifier):
    expected = {
        "What does a senior ML engineer earn in Toronto?": "pay",
        "Is Kubeflow experience a must for an ML engineer?": "skills",
        "should we put a time limit on the take-home for ML candidates?": "interviewing",
        "We're a 20-person startup adding an AI chatbot. Who should we hire first?": "role_choice",
    }
    for message, label in expected.items():
        kind = classifier.classify(message)
        assert kind.in_scope and kind.label == label, (message, kind.explain())
        assert abs(sum(kind.probabilities.values()) - 1.0) < 1e-6


def test_cross_validation_reports_label_and_scope_accuracy(classifier):
    """On a sample (40 examples per label); `hirebot train-classifier` reports the full figure."""
    scores = classifier.cross_validate(folds=3, per_label=40)
    texts, targets = classifier.labels.texts_and_targets()
    assert scores["examples"] == sum(min(40, targets.count(t)) for t in set(targets)) < len(texts)
    assert 0.85 <= scores["scope_accuracy"] <= 1.0
    assert 0.6 <= scores["label_accuracy"] <= scores["scope_accuracy"]


def test_the_committed_model_is_fresh_and_loaded_without_training(embedder):
    """The artifact was fitted on exactly the labelled data in bot/data/ (else run
    `hirebot train-classifier`), and loading it embeds no training example."""
    import bot.answering.classify as module
    from bot.answering.question_model import DEFAULT_ARTIFACT, QuestionModel

    counting = CountingEmbedder(embedder)
    fresh = QuestionClassifier(counting)
    assert QuestionModel.load(DEFAULT_ARTIFACT).fingerprint == fresh.fingerprint(), (
        "bot/data/question_model.npz is stale: run `hirebot train-classifier`"
    )
    saved = dict(module._MODELS)
    module._MODELS.clear()  # as in a fresh process
    try:
        assert fresh.classify("ML engineer pay in Austin?").label == "pay"
        assert counting.texts == 1  # the message only: no training example was embedded
    finally:
        module._MODELS.clear()
        module._MODELS.update(saved)


def test_the_artifact_round_trips_and_predicts_as_the_fitted_model(classifier, tmp_path: Path):
    from bot.answering.question_model import QuestionModel

    fitted = classifier.train()
    fitted.save(tmp_path / "model.npz")
    loaded = QuestionModel.load(tmp_path / "model.npz")
    texts = ["what does a senior MLE earn in Berlin?", "thanks!", "how do I fire someone"]
    dense = classifier.embedder.embed(texts)
    assert loaded.classes == fitted.classes and loaded.fingerprint == fitted.fingerprint
    assert abs(loaded.predict_proba(texts, dense) - fitted.predict_proba(texts, dense)).max() < 1e-6


def test_stale_or_broken_artifacts_are_never_used(embedder, tmp_path: Path, caplog):
    import bot.answering.classify as module
    from bot.answering.question_model import QuestionModel

    labels = load_labels()
    tiny = type(labels)(tuple(x for x in labels.labels if x.name in ("pay", "small_talk")))
    stale = tmp_path / "stale.npz"
    QuestionClassifier(embedder).train().save(stale)  # fitted on the full data
    saved = dict(module._MODELS)
    module._MODELS.clear()
    try:
        classifier = QuestionClassifier(embedder, labels=tiny, artifact=stale)
        with caplog.at_level("WARNING", logger="bot.answering.classify"):
            kind = classifier.classify("ML engineer pay in Austin?")
        assert set(kind.probabilities) == {"pay", "small_talk"}  # trained on its own data
        assert "stale" in caplog.text
    finally:
        module._MODELS.clear()
        module._MODELS.update(saved)
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not an archive")
    with pytest.raises(ConfigError, match="cannot read the question model"):
        QuestionModel.load(broken)


def test_a_message_labelled_again_reuses_its_label_unless_its_vector_differs(classifier, embedder):
    text = "what does a senior ML engineer make in Austin?"
    first = classifier.classify(text)
    assert classifier.classify(text) is first  # routed, judged, answered: labelled once
    (vector,) = embedder.embed([text])
    assert classifier.classify(text, vector=vector) is first
    other = classifier.classify(text, vector=-vector)  # another vector: labelled afresh
    assert other is not first


def test_a_message_naming_one_of_the_four_roles_is_never_about_another_role(classifier):
    named = classifier.classify(
        "hiring a senior research scientist (phd) for our drug discovery team in boston. "
        "what salary range should we be offering?"
    )
    assert named.label == "pay" and named.in_scope, named.explain()
    assert named.probabilities["other_roles"] == 0.0
    assert abs(sum(named.probabilities.values()) - 1.0) < 1e-6
    other = classifier.classify("what should we pay a senior React frontend developer in Austin")
    assert other.label == "other_roles" and not other.in_scope, other.explain()
