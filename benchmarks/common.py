"""Shared helpers: timing, percentiles, tables, RSS."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence

import numpy as np


def pct(values: Sequence[float], q: float) -> float:
    """q-th percentile."""
    return float(np.percentile(np.asarray(values, dtype=float), q)) if values else 0.0


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds per call over `repeat` calls."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def median(values: Sequence[float]) -> float:
    """Median (0 for none)."""
    return statistics.median(values) if values else 0.0


def rss_mb() -> float:
    """Resident set size of this process, MiB (Linux)."""
    with open(f"/proc/{os.getpid()}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table with a title line."""

    def fmt(v: object) -> str:
        if isinstance(v, float):
            return f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"
        return str(v)

    lines = [f"### {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
