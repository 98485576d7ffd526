"""Render an `EvalResult`: a terminal table, and a Markdown report with per-question failures and plots."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.evaluation import MODE_LABELS, EvalResult, GateFailure, QuestionResult
from bot.types import ROLE_IDS

TABLE_METRICS = (
    "recall@1",
    "recall@3",
    "recall@5",
    "mrr",
    "ndcg@5",
    "context_fact_recall",
    "answer_fact_coverage",
    "citation_correctness",
    "groundedness",
    "decline_accuracy",
    "false_decline_rate",
    "answer_chars_mean",
    "latency_p50_ms",
    "latency_p95_ms",
)
PLOT_METRICS = TABLE_METRICS[:11]


def metrics_table(result: EvalResult) -> str:
    """Markdown table: one row per metric, one column per retriever, plus hybrid / BM25 ratio."""
    modes = list(result.summary)
    header = ["metric", *[MODE_LABELS.get(m, m) for m in modes]]
    has_ratio = "hybrid" in modes and "lexical" in modes
    if has_ratio:
        header.append("hybrid / BM25")
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in TABLE_METRICS:
        cells = [name]
        for mode in modes:
            value = result.summary[mode].get(name, 0.0)
            cells.append(f"{value:.1f}" if name.endswith(("_ms", "_mean")) else f"{value:.3f}")
        if has_ratio:
            base = result.summary["lexical"].get(name, 0.0)
            top = result.summary["hybrid"].get(name, 0.0)
            cells.append(f"{top / base:.2f}×" if base else "–")
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def roles_table(result: EvalResult) -> str:
    """Role accuracy line and confusion matrix (rows: expected, columns: predicted)."""
    if not result.roles:
        return ""
    r = result.roles
    lines = [
        f"role accuracy {r['accuracy']:.3f} on {r['items']} situations; ambiguous cases: "
        f"{r['ambiguous_acceptable']:.0%} acceptable, {r['ambiguous_flagged']:.0%} flagged ambiguous",
        "",
        "| expected \\ predicted | " + " | ".join(ROLE_IDS) + " |",
        "|" + "---|" * (len(ROLE_IDS) + 1),
    ]
    for truth in ROLE_IDS:
        row = r["confusion"][truth]
        lines.append(f"| {truth} | " + " | ".join(str(row[p]) for p in ROLE_IDS) + " |")
    if "holdout_accuracy" in r:
        lines += [
            "",
            f"held-out role accuracy {r['holdout_accuracy']:.3f} on {r['holdout_items']} situations "
            "written independently of the recommender (not used for tuning)",
        ]
    return "\n".join(lines)


REALISTIC_METRICS = (
    "false_decline_rate",
    "off_topic_answered",
    "answer_fact_coverage",
    "citation_correctness",
    "uncovered_noted",
    "recall@5",
    "answer_words_median",
    "questions",
)


def realistic_table(result: EvalResult) -> str:
    """The realistic set's dev half (tuned on) and test half (held out), side by side."""
    if not result.realistic:
        return ""
    halves = [h for h in ("dev", "test") if h in result.realistic]
    label = {"dev": "dev (tuned on)", "test": "test (held out)"}
    rows = [
        "realistic questions (evals/realistic_qa.yaml), hybrid retriever:",
        "",
        "| metric | " + " | ".join(label[h] for h in halves) + " |",
        "|" + "---|" * (len(halves) + 1),
    ]
    for name in REALISTIC_METRICS:
        cells = [result.realistic[h].get(name, 0.0) for h in halves]
        shown = [
            f"{v:.0f}" if name in ("questions", "answer_words_median") else f"{v:.3f}"
            for v in cells
        ]
        rows.append(f"| {name} | " + " | ".join(shown) + " |")
    return "\n".join(rows)


def format_console(result: EvalResult, failures: Sequence[GateFailure]) -> str:
    """What `hirebot eval` prints."""
    parts = [metrics_table(result)]
    if result.realistic:
        parts.append(realistic_table(result))
    if result.roles:
        parts.append(roles_table(result))
    parts.append(f"evaluated in {result.seconds:.1f}s")
    if failures:
        parts.append("GATE FAILED:\n" + "\n".join(f"  - {f}" for f in failures))
    else:
        parts.append("all gates passed")
    return "\n\n".join(parts)


def write_report(result: EvalResult, path: Path, failures: Sequence[GateFailure]) -> list[Path]:
    """Write the Markdown report and its plots (PNG files next to it); return the files written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    plots = _plots(result, path)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# hirebot evaluation report",
        "",
        f"Generated {stamp}; {int(next(iter(result.summary.values()))['questions'])} questions, "
        f"{len(result.summary)} retrievers, {result.seconds:.1f}s.",
        "",
        "## Gates",
        "",
        *(["All gates passed."] if not failures else [f"- FAILED: {f}" for f in failures]),
        "",
        "## Metrics by retriever",
        "",
        metrics_table(result),
        "",
    ]
    for plot in plots:
        lines += [f"![{plot.stem}]({plot.name})", ""]
    if result.roles:
        lines += ["## Role recommendation", "", roles_table(result), ""]
        if result.roles["misses"]:
            lines += ["Misclassified situations:", ""]
            lines += [
                f"- `{m['id']}`: expected {m['expected']}, got {m['got']} — {m['situation']}"
                for m in result.roles["misses"]
            ]
            lines.append("")
    if result.realistic:
        lines += ["## Realistic questions", "", realistic_table(result), ""]
        dev_failed = [q for q in result.realistic_questions.get("dev", []) if q.failures]
        lines += [
            "Failures on the dev half (the test half is reported only in aggregate, so that "
            "nobody tunes on it):",
            "",
            *(_failure_lines(dev_failed) or ["None.", ""]),
        ]
    lines += ["## Per-question failures (hybrid)", ""]
    failed = [q for q in result.questions.get("hybrid", []) if q.failures]
    lines += _failure_lines(failed) or ["None."]
    path.write_text("\n".join(lines), encoding="utf-8")
    return [path, *plots]


def _failure_lines(failed: Sequence[QuestionResult]) -> list[str]:
    lines: list[str] = []
    for q in failed:
        lines += [
            f"### `{q.item.id}` ({q.item.topic})",
            "",
            f"- question: {q.item.question}",
            f"- problems: {'; '.join(q.failures)}",
            f"- retrieved: {', '.join(dict.fromkeys(q.docs))}",
            f"- gold: {' + '.join('/'.join(g) for g in q.item.sources) or '(out of scope)'}",
            "",
            "> " + q.answer.replace("\n", "\n> "),
            "",
        ]
    return lines


def _plots(result: EvalResult, path: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    modes = list(result.summary)
    bars = path.with_name(path.stem + "-metrics.png")
    fig, ax = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / max(1, len(modes))
    x = np.arange(len(PLOT_METRICS))
    for i, mode in enumerate(modes):
        values = [result.summary[mode].get(m, 0.0) for m in PLOT_METRICS]
        ax.bar(x + i * width, values, width, label=MODE_LABELS.get(mode, mode))
    ax.set_xticks(x + width * (len(modes) - 1) / 2, PLOT_METRICS, rotation=35, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_title("Retrieval and answer metrics by retriever")
    ax.legend(loc="lower left", ncols=len(modes), fontsize="small")
    fig.tight_layout()
    fig.savefig(bars, dpi=110)
    plt.close(fig)

    hist = path.with_name(path.stem + "-latency.png")
    fig, ax = plt.subplots(figsize=(7, 4))
    for mode in modes:
        ax.hist(
            [q.latency_ms for q in result.questions[mode]],
            bins=20,
            alpha=0.55,
            label=MODE_LABELS.get(mode, mode),
        )
    ax.set_xlabel("latency per question (ms)")
    ax.set_ylabel("questions")
    ax.set_title("Answer latency")
    ax.legend()
    fig.tight_layout()
    fig.savefig(hist, dpi=110)
    plt.close(fig)
    return [bars, hist]
