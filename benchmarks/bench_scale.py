"""Retrieval latency and memory as the collection grows (1k, 10k, 100k synthetic chunks), embedded
Chroma vs a `chroma run` server. Vectors are random unit vectors (384-d); texts are random
sequences of knowledge-base words so BM25 has something real to index."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

from benchmarks.common import median, pct, rss_mb, table
from benchmarks.fixtures import ROOT
from bot.answering.retrieval import LexicalIndex
from bot.stores.embeddings import HashingEmbedder
from bot.stores.vectors import ChromaStore
from bot.text import tokenize
from bot.types import Chunk

DIM = 384
QUERIES = 50


def synthetic(n: int, words: list[str], rng: random.Random) -> tuple[list[Chunk], np.ndarray]:
    chunks = [
        Chunk(
            id=f"syn-{i:07d}",
            text=" ".join(rng.choices(words, k=60)),
            source=f"syn/{i // 10}.md",
            title="Synthetic",
            file_hash="x",
            index=i % 10,
        )
        for i in range(n)
    ]
    vectors = np.random.default_rng(n).standard_normal((n, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return chunks, vectors


def server(path: Path) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "chroma"),
            "run",
            "--path",
            str(path),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("chroma run did not start")


def proc_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run(*, quick: bool) -> str:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    sizes = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    words = sorted({t for p in (ROOT / "knowledge").rglob("*.md") for t in tokenize(p.read_text())})
    rng = random.Random(7)
    embedder = HashingEmbedder(DIM)
    proc, url = server(Path(tempfile.mkdtemp(prefix="hirebot-chroma-")))
    rows = []
    try:
        for n in sizes:
            chunks, vectors = synthetic(n, words, rng)
            queries = np.random.default_rng(1).standard_normal((QUERIES, DIM)).astype(np.float32)
            queries /= np.linalg.norm(queries, axis=1, keepdims=True)
            host, port = url.removeprefix("http://").split(":")
            for mode in ("embedded", "server"):
                before = rss_mb() if mode == "embedded" else proc_rss_mb(proc.pid)
                if mode == "embedded":
                    client = chromadb.PersistentClient(
                        path=tempfile.mkdtemp(prefix="hirebot-scale-"),
                        settings=ChromaSettings(anonymized_telemetry=False),
                    )
                else:
                    client = chromadb.HttpClient(
                        host=host,
                        port=int(port),
                        settings=ChromaSettings(anonymized_telemetry=False),
                    )
                store = ChromaStore(client, f"scale_{n}_{mode}", embedder)
                start = time.perf_counter()
                store.add(chunks, vectors, [])
                insert_s = time.perf_counter() - start
                for q in queries[:5]:
                    store.query(q, 24)
                lat = []
                for q in queries:
                    t = time.perf_counter()
                    store.query(q, 24)
                    lat.append((time.perf_counter() - t) * 1000)
                after = rss_mb() if mode == "embedded" else proc_rss_mb(proc.pid)
                rows.append(
                    (
                        f"{n:,}",
                        mode,
                        insert_s,
                        n / insert_s,
                        median(lat),
                        pct(lat, 95),
                        after - before,
                    )
                )
            start = time.perf_counter()
            index = LexicalIndex(chunks)
            build_s = time.perf_counter() - start
            lat = []
            for _ in range(QUERIES):
                q = " ".join(rng.choices(words, k=8))
                t = time.perf_counter()
                index.search(q, 24)
                lat.append((time.perf_counter() - t) * 1000)
            rows.append(
                (
                    f"{n:,}",
                    "BM25 (in process)",
                    build_s,
                    n / build_s,
                    median(lat),
                    pct(lat, 95),
                    float("nan"),
                )
            )
            del chunks, vectors
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return table(
        f"Retrieval as the collection grows (top-24 of {QUERIES} queries; random unit vectors)",
        [
            "chunks",
            "store",
            "insert/build s",
            "chunks/s",
            "query p50 ms",
            "query p95 ms",
            "memory Δ MiB",
        ],
        rows,
    )
