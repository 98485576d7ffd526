"""Run every benchmark and print one Markdown report (also saved to .hirebot/bench.md).

python -m benchmarks            # everything (about 10 minutes on 2 cores)
python -m benchmarks --quick    # smaller sizes, for a smoke run
python -m benchmarks --only ask,http
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SUITES = ("cold", "ingest", "ask", "http", "scale", "roles")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats")
    parser.add_argument("--only", default=",".join(SUITES), help=f"comma list of {SUITES}")
    parser.add_argument("--out", type=Path, default=Path(".hirebot/bench.md"))
    args = parser.parse_args()
    chosen = [s for s in args.only.split(",") if s]
    unknown = set(chosen) - set(SUITES)
    if unknown:
        parser.error(f"unknown suites: {', '.join(sorted(unknown))}")

    import logging

    logging.disable(logging.WARNING)
    from benchmarks import (
        bench_ask,
        bench_cold_start,
        bench_http,
        bench_ingest,
        bench_roles,
        bench_scale,
    )

    runners = {
        "cold": bench_cold_start.run,
        "ingest": bench_ingest.run,
        "ask": bench_ask.run,
        "http": bench_http.run,
        "scale": bench_scale.run,
        "roles": bench_roles.run,
    }
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cpu = platform.processor() or platform.machine()
    parts = [
        "## hirebot benchmarks",
        "",
        f"{stamp} · {os.cpu_count()} CPU cores ({cpu}) · Python {platform.python_version()} · "
        f"{'quick' if args.quick else 'full'} run",
        "",
        f"Written by `python -m benchmarks --out {args.out.as_posix()}` (`make bench`); every "
        "figure below comes from that run, ratios against a baseline measured in the same run.",
        "",
    ]
    for name in chosen:
        started = time.perf_counter()
        print(f"... {name}", file=sys.stderr, flush=True)
        parts.append(runners[name](quick=args.quick))
        print(f"    {name} took {time.perf_counter() - started:.0f}s", file=sys.stderr, flush=True)
    report = "\n".join(parts)
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
