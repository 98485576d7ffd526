"""Render an `EvalResult`: a terminal table, and a Markdown report with per-question failures and plots."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.evaluation.harness import (
    LEAD_WORDS,
    MODE_LABELS,
    ROLE_SPLITS,
    EvalResult,
    GateFailure,
    QuestionResult,
)
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
    "answer_words_median",
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
    """One row per role split (train-CV, dev, test, each labelled), then the test split's
    confusion matrix (rows: expected, columns: predicted) and reliability table."""
    splits = result.roles.get("splits") or {}
    if not splits:
        return ""
    lines = [
        "| role split | situations (clear / ambiguous) | accuracy | Brier | ECE | "
        "ambiguous acceptable | ambiguous flagged | clear flagged |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, s in splits.items():
        lines.append(
            f"| {name} | {s['clear']} / {s['ambiguous']} | {s['accuracy']:.3f} | {s['brier']:.3f} | "
            f"{s['ece']:.3f} | {_share(s, 'ambiguous_acceptable')} | "
            f"{_share(s, 'ambiguous_flagged')} | {s['clear_flagged']:.0%} |"
        )
    lines += ["", *[f"- {name}: {ROLE_SPLITS.get(name, name)}" for name in splits]]
    shown = "test" if "test" in splits else next(reversed(splits))
    s = splits[shown]
    lines += [
        "",
        f"{shown}: confusion (rows expected, columns predicted) and reliability of the top pick",
        "",
        "| expected \\ predicted | " + " | ".join(ROLE_IDS) + " |",
        "|" + "---|" * (len(ROLE_IDS) + 1),
    ]
    for truth in ROLE_IDS:
        row = s["confusion"][truth]
        lines.append(f"| {truth} | " + " | ".join(str(row[p]) for p in ROLE_IDS) + " |")
    lines += ["", reliability_markdown(s["reliability"])]
    return "\n".join(lines)


def _share(split: dict[str, Any], key: str) -> str:
    return f"{split[key]:.0%}" if split["ambiguous"] else "–"


def reliability_markdown(rows: Sequence[dict[str, float]]) -> str:
    """Reliability table: per confidence bin, how many picks, mean confidence, accuracy."""
    lines = ["| confidence | picks | mean confidence | accuracy |", "|---|---|---|---|"]
    for r in rows:
        if r["n"]:
            lines.append(
                f"| {r['lo']:.2f}–{r['hi']:.2f} | {int(r['n'])} | {r['confidence']:.3f} | "
                f"{r['accuracy']:.3f} |"
            )
    return "\n".join(lines)


REALISTIC_METRICS = (
    "lead_fact",
    "retrieved_not_shown",
    "false_decline_rate",
    "off_topic_answered",
    "answer_fact_coverage",
    "citation_correctness",
    "uncovered_noted",
    "recall@5",
    "answer_words_median",
    "questions",
)


QA_SPLIT_METRICS = (
    "lead_fact",
    "retrieved_not_shown",
    "answer_fact_coverage",
    "false_decline_rate",
    "decline_accuracy",
    "citation_correctness",
    "recall@5",
    "answer_words_median",
    "questions",
)


def qa_splits_table(result: EvalResult) -> str:
    """The fixed set (evals/qa.yaml) by half, hybrid retriever."""
    return _halves_table(
        "fixed questions (evals/qa.yaml) by half, hybrid retriever:",
        result.qa_splits,
        QA_SPLIT_METRICS,
        lambda name, v: f"{v:.0f}" if name in ("questions", "answer_words_median") else f"{v:.3f}",
    )


def realistic_table(result: EvalResult) -> str:
    """The realistic set's dev half (tuned on) and test half (held out), side by side."""
    return _halves_table(
        "realistic questions (evals/realistic_qa.yaml), hybrid retriever:",
        result.realistic,
        REALISTIC_METRICS,
        lambda name, v: f"{v:.0f}" if name in ("questions", "answer_words_median") else f"{v:.3f}",
    )


LEAD_METRICS = (
    "lead_fact",
    "retrieved_not_shown",
    "answer_fact_coverage",
    "citation_correctness",
    "false_decline_rate",
    "answer_words_median",
    "questions",
)


def leads_table(result: EvalResult) -> str:
    """The lead set (evals/leads.yaml): does the answer lead with what was asked?"""
    return _halves_table(
        f"answers that lead with the answer (evals/leads.yaml): an expected fact in the first "
        f"{LEAD_WORDS} words a reader sees:",
        result.leads,
        LEAD_METRICS,
        lambda name, v: f"{v:.0f}" if name in ("questions", "answer_words_median") else f"{v:.3f}",
    )


def _halves_table(
    title: str,
    by_half: Mapping[str, Mapping[str, float]],
    names: Sequence[str],
    shown: Callable[[str, float], str],
) -> str:
    """A metric per row, the dev half (tuned on) and the test half (held out) as columns; a
    rate with a 95% interval (`<name>_low`, `<name>_high`) shows it beside the value."""
    if not by_half:
        return ""
    halves = [h for h in ("dev", "test") if h in by_half]
    label = {"dev": "dev (tuned on)", "test": "test (held out)"}
    rows = [
        title,
        "",
        "| metric | " + " | ".join(label[h] for h in halves) + " |",
        "|" + "---|" * (len(halves) + 1),
    ]
    for name in names:
        cells = []
        for h in halves:
            cell = shown(name, by_half[h].get(name, 0.0))
            if f"{name}_low" in by_half[h]:
                cell += f" ({by_half[h][f'{name}_low']:.2f}–{by_half[h][f'{name}_high']:.2f})"
            cells.append(cell)
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


CONVERSATION_METRICS = (
    "followup_fact_coverage",
    "rewrite_fact_coverage",
    "coverage_ratio",
    "topic_changes_inherited",
    "topic_changes",
    "followups",
)


def conversations_table(result: EvalResult) -> str:
    """Follow-ups in threads (evals/conversations.yaml): dev (tuned on) and test (held out)."""
    return _halves_table(
        "follow-up questions (evals/conversations.yaml): facts in the follow-up's reply vs. in "
        "its self-contained rewrite asked alone:",
        result.conversations,
        CONVERSATION_METRICS,
        lambda _name, v: f"{v:.3f}" if v % 1 else f"{v:.0f}",
    )


ROUTING_METRICS = ("accuracy", "misroutes", "answer_fact_coverage", "role_accuracy", "items")


def routing_table(result: EvalResult) -> str:
    """The routing set (evals/routing_dev.yaml, routing_test.yaml): accuracy with its 95%
    interval per half, then each half's confusion matrix (rows expected, columns got)."""
    if not result.routing:
        return ""

    def shown(name: str, value: float) -> str:
        return f"{value:.0f}" if name in ("misroutes", "items") else f"{value:.3f}"

    lines = [
        _halves_table(
            "routing (evals/routing_*.yaml): every message through the front door:",
            result.routing,
            ROUTING_METRICS,
            shown,
        )
    ]
    for half, summary in result.routing.items():
        low, high = summary["accuracy_ci"]
        lines += [
            "",
            f"{half}: accuracy {summary['accuracy']:.3f} (95% interval {low:.3f}–{high:.3f}); "
            "confusion, rows expected, columns got:",
            "",
            confusion_markdown(summary["confusion"]),
        ]
    return "\n".join(lines)


def confusion_markdown(matrix: Mapping[str, Mapping[str, int]]) -> str:
    """A confusion matrix as a Markdown table (rows: expected, columns: got); empty rows and
    columns are left out."""
    rows = [r for r in matrix if sum(matrix[r].values())]
    columns = [c for c in matrix if any(matrix[r].get(c, 0) for r in matrix)]
    lines = [
        "| expected \\ got | " + " | ".join(columns) + " |",
        "|" + "---|" * (len(columns) + 1),
    ]
    for r in rows:
        lines.append(f"| {r} | " + " | ".join(str(matrix[r].get(c, 0)) for c in columns) + " |")
    return "\n".join(lines)


THREAD_METRICS = (
    "coverage_ratio",
    "ratio_turn2",
    "ratio_turn3",
    "ratio_turn4",
    "paraphrase_ratio",
    "topic_changes_inherited",
    "topic_changes",
    "followups",
)


def threads_table(result: EvalResult) -> str:
    """Threads of any length (evals/threads_*.yaml): follow-up coverage over the rewrite's, per
    turn and with every follow-up typed in its other phrasings."""
    return _halves_table(
        "threads (evals/threads_dev.yaml, threads_test.yaml): facts in each follow-up's reply vs. "
        "in its self-contained rewrite asked alone, per turn, and over the other phrasings:",
        result.threads,
        THREAD_METRICS,
        lambda _name, v: f"{v:.3f}" if v % 1 else f"{v:.0f}",
    )


def format_console(result: EvalResult, failures: Sequence[GateFailure]) -> str:
    """What `hirebot eval` prints."""
    parts = [metrics_table(result)]
    if result.qa_splits:
        parts.append(qa_splits_table(result))
    if result.routing:
        parts.append(routing_table(result))
    if result.leads:
        parts.append(leads_table(result))
    if result.realistic:
        parts.append(realistic_table(result))
    if result.conversations:
        parts.append(conversations_table(result))
    if result.threads:
        parts.append(threads_table(result))
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
        f"Written by `hirebot eval --report {path.as_posix()}` on {stamp}; "
        f"{int(next(iter(result.summary.values()))['questions'])} questions, "
        f"{len(result.summary)} retrievers, {result.seconds:.1f}s. Every figure below comes from "
        "that run; do not edit by hand.",
        "",
        "## Gates",
        "",
        *(["All gates passed."] if not failures else [f"- FAILED: {f}" for f in failures]),
        "",
        "## Metrics by retriever",
        "",
        metrics_table(result),
        "",
        qa_splits_table(result),
        "",
    ]
    for plot in plots:
        lines += [f"![{plot.stem}]({plot.name})", ""]
    if result.roles:
        lines += ["## Role recommendation", "", roles_table(result), ""]
        for name, split in (result.roles.get("splits") or {}).items():
            if split["misses"]:
                lines += [f"Misclassified situations ({name}):", ""]
                lines += [
                    f"- `{m['id']}`: expected {m['expected']}, got {m['got']} — {m['situation']}"
                    for m in split["misses"]
                ]
                lines.append("")
    if result.routing:
        lines += ["## Routing", "", routing_table(result), ""]
        misrouted = result.routing.get("dev", {}).get("misrouted", [])
        lines += ["Misrouted on the dev half (the test half is reported only in aggregate):", ""]
        lines += [
            f"- `{m['id']}`: expected {m['expected']}, got {m['got']} — {m['message']}"
            for m in misrouted
        ] or ["None."]
        lines.append("")
    if result.leads:
        lines += ["## Leading with the answer", "", leads_table(result), ""]
        dev_failed = [q for q in result.lead_questions.get("dev", []) if not q.lead_fact]
        lines += ["Dev items whose first words miss the answer:", ""]
        lines += [f"- `{q.item.id}`: {q.item.question}" for q in dev_failed] or ["None."]
        lines.append("")
    if result.conversations:
        lines += ["## Follow-up questions", "", conversations_table(result), ""]
    if result.threads:
        lines += ["## Threads of any length", "", threads_table(result), ""]
    if result.realistic:
        lines += ["## Realistic questions", "", realistic_table(result), ""]
        dev_failed = [q for q in result.realistic_questions.get("dev", []) if q.failures]
        lines += [
            "Failures on the dev half (the test half is reported only in aggregate, so that "
            "nobody tunes on it):",
            "",
            *(_failure_lines(dev_failed) or ["None.", ""]),
        ]
    lines += ["## Per-question failures (hybrid, dev half)", ""]
    failed = [
        q for q in result.questions.get("hybrid", []) if q.failures and q.item.split != "test"
    ]
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
