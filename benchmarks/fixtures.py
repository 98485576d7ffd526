"""Build the services the benchmarks measure (real model, real Chroma in a temp dir)."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

from bot.services import Services, build_services
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def knowledge_services() -> Services:
    """Services over knowledge/, ingested once into a temp dir."""
    data = Path(tempfile.mkdtemp(prefix="hirebot-bench-"))
    services = build_services(Settings(_env_file=None, data_dir=data))  # type: ignore[call-arg]
    services.ingest([ROOT / "knowledge"], progress=False)
    return services


def questions() -> list[str]:
    """The eval set's questions (in and out of scope)."""
    from bot.evaluation.harness import load_qa

    return [i.question for i in load_qa(ROOT / "evals" / "qa.yaml")]
