"""Training the role model from the labelled situations in `evals/`: model selection by
cross-validation, honest cross-validated calibration, the artifact's fingerprint."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from bot.errors import ConfigError
from bot.evaluation.harness import RoleItem, load_roles, role_split_metrics
from bot.evaluation.report import reliability_markdown
from bot.roles import model as rm
from bot.stores.embeddings import Embedder

# The training set: situations written from the articles' decision criteria for the model, plus
# the labelled set the hand-tuned recommender was built on. The dev and test sets are never fitted.
TRAIN_FILES = ("roles_train.yaml", "roles.yaml")
DEV_FILE = "roles_holdout.yaml"
TEST_FILE = "roles_test.yaml"
# Hyper-parameters tried by cross-validation: (C, word_weight); word_weight 0 = embedding only.
GRID: tuple[tuple[float, float], ...] = tuple(
    (c, w) for w in (0.0, 0.5, 1.0, 1.5) for c in (1.0, 4.0, 16.0, 64.0)
)


def load_training_items(evals_dir: Path) -> list[RoleItem]:
    """Every situation of the training files, in file order (ids unique across files)."""
    items: list[RoleItem] = []
    for name in TRAIN_FILES:
        items += load_roles(evals_dir / name)
    ids = [i.id for i in items]
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise ConfigError(f"duplicate training situation id {duplicate!r} in {evals_dir}")
    return items


def to_examples(items: Sequence[RoleItem]) -> list[rm.Example]:
    """Clear items as hard labels; ambiguous ones spread evenly over role and alternatives."""
    return [
        rm.example(i.situation, (i.role, *i.alternatives) if i.ambiguous else (i.role,))
        for i in items
    ]


def fingerprint(items: Sequence[RoleItem], embedding_model: str) -> str:
    """Hash of everything the artifact depends on: situations, labels, features, grid, embedder."""
    payload = {
        "features": rm.FEATURES,
        "embedding_model": embedding_model,
        "grid": GRID,
        "config": rm.ModelConfig().to_dict(),
        "items": [[i.id, i.situation, i.role, i.ambiguous, list(i.alternatives)] for i in items],
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


def is_fresh(model: rm.RoleModel, items: Sequence[RoleItem], embedding_model: str) -> bool:
    """True when the artifact was trained on exactly these situations with this embedder."""
    return model.meta.get("training_hash") == fingerprint(items, embedding_model)


def cross_validated_probabilities(
    vectors: np.ndarray, examples: Sequence[rm.Example], config: rm.ModelConfig
) -> np.ndarray:
    """Out-of-fold probabilities, calibrated fold by fold (see `calibrate_by_fold`)."""
    logits = rm.out_of_fold_logits(vectors, examples, config)
    return calibrate_by_fold(logits, examples, config)


def calibrate_by_fold(
    logits: np.ndarray, examples: Sequence[rm.Example], config: rm.ModelConfig
) -> np.ndarray:
    """Each fold's out-of-fold logits scaled by a temperature fitted on the other folds', so
    neither the weights nor the calibration of a prediction saw its situation."""
    targets = np.array([e.target for e in examples])
    out = np.zeros_like(logits)
    for held in rm.folds(examples, config):
        rest = np.setdiff1d(np.arange(len(examples)), held)
        temperature = rm.fit_temperature(logits[rest], targets[rest])
        out[held] = rm.softmax(logits[held] / temperature)
    return out


def cv_metrics(
    items: Sequence[RoleItem], probabilities: np.ndarray, *, log_loss: float | None = None
) -> dict[str, Any]:
    """Split metrics of cross-validated probabilities, with the model's own ambiguity rule."""
    predictions = []
    for row in probabilities:
        scores = {r: float(p) for r, p in zip(rm.ROLE_IDS, row, strict=True)}
        predictions.append((scores, rm.close_call(scores)[0]))
    metrics = role_split_metrics(items, predictions)
    if log_loss is not None:
        metrics["log_loss"] = log_loss
    return metrics


@dataclass
class TrainingRun:
    """A fitted, calibrated model with the cross-validation figures behind it."""

    model: rm.RoleModel
    config: rm.ModelConfig
    cv: dict[str, Any]
    search: list[dict[str, float]] = field(default_factory=list)


def select_config(
    vectors: np.ndarray, examples: Sequence[rm.Example], base: rm.ModelConfig
) -> tuple[rm.ModelConfig, list[dict[str, float]]]:
    """The grid point with the lowest cross-validated, calibrated log loss (accuracy breaks ties)."""
    targets = np.array([e.target for e in examples])
    labels = np.array([e.label for e in examples])
    clear = np.array([e.clear for e in examples])
    rows = []
    for c, word_weight in GRID:
        config = replace(base, c=c, word_weight=word_weight)
        probs = cross_validated_probabilities(vectors, examples, config)
        rows.append(
            {
                "c": c,
                "word_weight": word_weight,
                "log_loss": rm.cross_entropy(probs, targets),
                "accuracy": float(np.mean(probs[clear].argmax(axis=1) == labels[clear])),
            }
        )
    best = min(rows, key=lambda r: (round(r["log_loss"], 4), -r["accuracy"]))
    return replace(base, c=best["c"], word_weight=best["word_weight"]), rows


def train(
    items: Sequence[RoleItem],
    embedder: Embedder,
    *,
    config: rm.ModelConfig | None = None,
    search: bool = True,
) -> TrainingRun:
    """Select hyper-parameters by cross-validation (unless `search` is off), fit on every item,
    calibrate with the out-of-fold temperature, and record provenance in `meta`."""
    base = config or rm.ModelConfig()
    examples = to_examples(items)
    vectors = embedder.embed([e.text for e in examples])
    rows: list[dict[str, float]] = []
    if search:
        base, rows = select_config(vectors, examples, base)
    targets = np.array([e.target for e in examples])
    logits = rm.out_of_fold_logits(vectors, examples, base)
    probs = calibrate_by_fold(logits, examples, base)
    cv = cv_metrics(items, probs, log_loss=rm.cross_entropy(probs, targets))
    model = rm.fit(vectors, examples, base)
    model.temperature = rm.fit_temperature(logits, targets)
    model.meta = {
        "embedding_model": embedder.name,
        "training_hash": fingerprint(items, embedder.name),
        "trained_on": len(items),
        "config": base.to_dict(),
        "cv": {k: cv[k] for k in ("accuracy", "brier", "ece", "log_loss") if k in cv},
    }
    return TrainingRun(model, base, cv, rows)


def cross_validate(
    items: Sequence[RoleItem], embedder: Embedder, config: rm.ModelConfig
) -> dict[str, Any]:
    """Cross-validated metrics of one configuration (what `hirebot eval` reports as train-CV)."""
    examples = to_examples(items)
    vectors = embedder.embed([e.text for e in examples])
    probs = cross_validated_probabilities(vectors, examples, config)
    targets = np.array([e.target for e in examples])
    return cv_metrics(items, probs, log_loss=rm.cross_entropy(probs, targets))


def config_of(model: rm.RoleModel) -> rm.ModelConfig:
    """The configuration an artifact was trained with."""
    raw = model.meta.get("config") or {}
    defaults = rm.ModelConfig()
    return rm.ModelConfig(
        c=float(raw.get("c", defaults.c)),
        word_weight=float(raw.get("word_weight", defaults.word_weight)),
        min_df=int(raw.get("min_df", defaults.min_df)),
        folds=int(raw.get("folds", defaults.folds)),
        seed=int(raw.get("seed", defaults.seed)),
    )


def format_run(run: TrainingRun) -> str:
    """What `hirebot train-roles` prints: the search, the chosen model and its calibration."""
    lines = []
    if run.search:
        lines += ["| C | word weight | CV log loss | CV accuracy |", "|---|---|---|---|"]
        for r in run.search:
            mark = (
                " ←" if (r["c"], r["word_weight"]) == (run.config.c, run.config.word_weight) else ""
            )
            lines.append(
                f"| {r['c']:g} | {r['word_weight']:g} | {r['log_loss']:.3f} | "
                f"{r['accuracy']:.3f}{mark} |"
            )
        lines.append("")
    cv = run.cv
    lines += [
        f"chosen: C={run.config.c:g}, word weight={run.config.word_weight:g}; "
        f"temperature {run.model.temperature:.3f}; {run.model.meta.get('trained_on')} situations, "
        f"{len(run.model.words.vocabulary)} words",
        f"{run.config.folds}-fold cross-validation: accuracy {cv['accuracy']:.3f} on "
        f"{cv['clear']} clear situations; Brier {cv['brier']:.3f}; ECE {cv['ece']:.3f}; "
        f"log loss {cv.get('log_loss', math.nan):.3f}; ambiguous situations: "
        f"{cv['ambiguous_acceptable']:.0%} acceptable, {cv['ambiguous_flagged']:.0%} flagged; "
        f"clear situations flagged: {cv['clear_flagged']:.0%}",
        "",
        reliability_markdown(cv["reliability"]),
    ]
    return "\n".join(lines)
