"""Ingest throughput, and an unchanged re-ingest (which must embed nothing)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.common import table
from benchmarks.fixtures import ROOT
from bot.services import build_services
from bot.settings import Settings
from bot.stores.embeddings import load_embedder


def run(*, quick: bool) -> str:
    embedder = load_embedder()
    embedder.load()
    rows = []
    for trial in range(1 if quick else 3):
        data = Path(tempfile.mkdtemp(prefix="hirebot-ingest-"))
        services = build_services(Settings(_env_file=None, data_dir=data), embedder=embedder)  # type: ignore[call-arg]
        start = time.perf_counter()
        first = services.ingest([ROOT / "knowledge"], progress=False)
        full = time.perf_counter() - start
        start = time.perf_counter()
        again = services.ingest([ROOT / "knowledge"], progress=False)
        unchanged = time.perf_counter() - start
        rows.append(
            (
                trial + 1,
                first.chunks_added,
                first.texts_embedded,
                full,
                first.chunks_added / full,
                first.texts_embedded / full,
                unchanged * 1000,
                again.texts_embedded,
                f"{full / unchanged:.0f}×",
            )
        )
    return table(
        "Ingest of knowledge/ (15 files) into embedded Chroma",
        [
            "trial",
            "chunks",
            "texts embedded",
            "full s",
            "chunks/s",
            "texts/s",
            "unchanged re-ingest ms",
            "re-ingest texts embedded",
            "full / unchanged",
        ],
        rows,
    )
