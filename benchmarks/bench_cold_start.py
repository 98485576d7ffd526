"""Cold start: a fresh process until the model is loaded and the index open, and to a first answer."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import median, pct, table
from benchmarks.fixtures import ROOT

PROBE = r"""
import json, os, sys, time
t0 = time.perf_counter()
from bot.services import build_services
from bot.settings import Settings
t1 = time.perf_counter()
services = build_services(Settings(_env_file=None, data_dir=sys.argv[1]))
services.embedder.load()
services.store.count()
t2 = time.perf_counter()
services.qa.ask("What does a senior AI engineer earn?")
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "ready_s": t2 - t0, "first_answer_s": t3 - t0,
                  "first_answer_only_s": t3 - t2}))
"""


def run(*, quick: bool) -> str:
    data = Path(tempfile.mkdtemp(prefix="hirebot-cold-"))
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "ingest", "--no-progress", str(ROOT / "knowledge")],
        cwd=ROOT,
        env=_env(data),
        check=True,
        capture_output=True,
    )
    samples = []
    for _ in range(2 if quick else 5):
        out = subprocess.run(
            [sys.executable, "-c", PROBE, str(data)],
            cwd=ROOT,
            env=_env(data),
            check=True,
            capture_output=True,
            text=True,
        )
        samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    rows = []
    for key, label in (
        ("import_s", "imports (torch, chromadb, bolt …)"),
        ("ready_s", "ready: model loaded + index open"),
        ("first_answer_s", "to first answer"),
        ("first_answer_only_s", "first answer after ready"),
    ):
        values = [s[key] for s in samples]
        rows.append((label, median(values), pct(values, 95)))
    return table(
        f"Cold start ({len(samples)} fresh processes)", ["stage", "median s", "p95 s"], rows
    )


def _env(data: Path) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("HIREBOT_", "SLACK_"))}
    env["HIREBOT_DATA_DIR"] = str(data)
    return env
