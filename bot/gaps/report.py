"""Render a `GapReport`: what `hirebot gaps` prints, and a Markdown report with a bar chart."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.gaps.grouping import GapGroup, GapReport
from bot.text import clip

CHART_GROUPS = 10
LABEL_CHARS = 60


def outcome_line(group: GapGroup) -> str:
    """'declined 3 · partly covered 1 · 👎 1 of 4 (25%)', then ' · asked the recruiting team 2'
    when anyone did."""
    line = (
        f"declined {group.outcomes.get('declined', 0)} · "
        f"partly covered {group.outcomes.get('partial', 0)} · "
        f"👎 {group.down_voted} of {group.count} ({group.down_rate:.0%})"
    )
    return line + (f" · asked the recruiting team {group.escalated}" if group.escalated else "")


def closest_line(group: GapGroup) -> str:
    """'knowledge/x.md — Title (similarity 0.41)', or a dash when the index is empty."""
    c = group.closest
    return f"{c.source} — {c.title} (similarity {c.similarity:.2f})" if c else "–"


def summary_line(report: GapReport, *, since: str) -> str:
    """One line of totals for the window."""
    o = report.outcomes
    return (
        f"Last {since}: {report.questions} questions logged ({o.get('answered', 0)} answered, "
        f"{o.get('partial', 0)} partly covered, {o.get('declined', 0)} declined); "
        f"{report.gap_questions} gaps in {len(report.groups)} groups."
    )


def format_console(report: GapReport, *, since: str) -> str:
    """What `hirebot gaps` prints: totals, then one paragraph per group, largest first."""
    lines = [summary_line(report, since=since)]
    if not report.groups:
        lines.append("Nothing to report: every logged question was answered and none got a 👎.")
    for n, group in enumerate(report.groups, 1):
        lines += [
            "",
            f"{n}. {group.count} × “{group.representative}”",
            f"   {outcome_line(group)}",
        ]
        if group.uncovered:
            lines.append(f"   not covered: {', '.join(group.uncovered)}")
        if group.comments:
            lines.append(
                "   what was wrong: " + "; ".join(f"“{_inline(c)}”" for c in group.comments)
            )
        lines.append(f"   closest document: {closest_line(group)}")
        others = group.questions[1:]
        if others:
            lines.append("   also asked: " + "; ".join(f"“{q}”" for q in others))
    return "\n".join(lines)


def write_report(report: GapReport, path: Path, *, since: str) -> list[Path]:
    """Write the Markdown report and its bar chart (a PNG next to it); return the files written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    chart = _chart(report, path) if report.groups else None
    stamp = datetime.fromtimestamp(report.generated_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# hirebot knowledge gaps",
        "",
        f"Generated {stamp}. {summary_line(report, since=since)}",
        "",
        "A gap is a question hirebot declined, answered only in part, answered with a 👎, or "
        "that someone took to the recruiting team. "
        "Similar questions are grouped; the largest groups come first. The closest document is "
        "where new content on the topic would most likely belong.",
        "",
    ]
    if chart is not None:
        lines += [f"![top gap groups]({chart.name})", ""]
    if not report.groups:
        lines.append("No gaps in this window.")
    else:
        lines += [
            "| # | questions | declined | partly covered | 👎 | representative question | "
            "not covered | closest document |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for n, g in enumerate(report.groups, 1):
            cells = [
                str(n),
                str(g.count),
                str(g.outcomes.get("declined", 0)),
                str(g.outcomes.get("partial", 0)),
                f"{g.down_voted} ({g.down_rate:.0%})",
                _cell(g.representative),
                _cell(", ".join(g.uncovered)) or "–",
                _cell(g.closest.source) if g.closest else "–",
            ]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        for n, g in enumerate(report.groups, 1):
            lines += [f"## {n}. {_inline(g.representative)}", "", f"- {outcome_line(g)}"]
            if g.uncovered:
                lines.append(f"- not covered: {_inline(', '.join(g.uncovered))}")
            if g.comments:
                lines.append("- what was wrong:")
                lines += [f"  - {_inline(c)}" for c in g.comments]
            lines += [f"- closest document: {_inline(closest_line(g))}", "- asked as:"]
            lines += [f"  - {_inline(q)}" for q in g.questions]
            lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return [path] if chart is None else [path, chart]


def _cell(text: str) -> str:
    return _inline(text).replace("|", "\\|")


def _inline(text: str) -> str:
    return " ".join(text.split())


def _chart(report: GapReport, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    groups = report.groups[:CHART_GROUPS][::-1]  # largest at the top
    labels = [clip(g.representative, LABEL_CHARS) for g in groups]
    declined = [g.outcomes.get("declined", 0) for g in groups]
    partial = [g.outcomes.get("partial", 0) for g in groups]
    voted_down = [g.outcomes.get("answered", 0) for g in groups]  # answered gaps are the 👎 ones
    out = path.with_name(path.stem + "-groups.png")
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(groups) + 1.6))
    ax.barh(labels, declined, label="declined", color="#c0392b")
    ax.barh(labels, partial, left=declined, label="partly covered", color="#e67e22")
    left = [d + p for d, p in zip(declined, partial, strict=True)]
    ax.barh(labels, voted_down, left=left, label="answered, voted down", color="#7f8c8d")
    ax.set_xlabel("questions")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"Top {len(groups)} knowledge-gap groups")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
