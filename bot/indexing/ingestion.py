"""Incremental ingest: discover files, skip unchanged ones by hash, chunk, embed, upsert, prune."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.errors import DocumentError
from bot.indexing.chunking import chunk_document
from bot.indexing.documents import (
    SUPPORTED_SUFFIXES,
    Document,
    display_path,
    file_hash,
    load_document,
)
from bot.indexing.tagging import TopicReader, tag_unit
from bot.stores.embeddings import Embedder
from bot.stores.vectors import UnitRecord, VectorStore
from bot.text import Unit, split_units
from bot.types import Chunk, UnitTags

logger = logging.getLogger(__name__)
PIPELINE_VERSION = "9"
EMBED_BATCH = 64


@dataclass
class IngestReport:
    """What an ingest run did."""

    files_seen: int = 0
    files_added: int = 0
    files_changed: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks_unchanged: int = 0
    texts_embedded: int = 0
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every file could be read."""
        return not self.failures

    @property
    def changed(self) -> bool:
        """True when the corpus changed."""
        return bool(self.files_added or self.files_changed or self.files_removed)

    def summary(self) -> str:
        """One-paragraph human summary."""
        lines = [
            f"files: {self.files_seen} seen, {self.files_added} added, {self.files_changed} changed, "
            f"{self.files_unchanged} unchanged, {self.files_removed} removed, "
            f"{len(self.failures)} failed",
            f"chunks: {self.chunks_added} added, {self.chunks_removed} removed, "
            f"{self.chunks_unchanged} unchanged ({self.texts_embedded} texts embedded)",
            f"took {self.seconds:.1f}s",
        ]
        lines += [f"skipped {path}: {reason}" for path, reason in self.failures]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "files_seen": self.files_seen,
            "files_added": self.files_added,
            "files_changed": self.files_changed,
            "files_unchanged": self.files_unchanged,
            "files_removed": self.files_removed,
            "chunks_added": self.chunks_added,
            "chunks_removed": self.chunks_removed,
            "chunks_unchanged": self.chunks_unchanged,
            "texts_embedded": self.texts_embedded,
            "seconds": round(self.seconds, 3),
            "failures": [{"path": p, "reason": r} for p, r in self.failures],
        }


def pipeline_signature(
    embedder: Embedder, *, size: int, overlap: int, topics: TopicReader | None = None
) -> str:
    """Anything that changes chunks, vectors or tags; a new signature re-embeds everything."""
    reader = topics.name if topics is not None else "none"
    return f"v{PIPELINE_VERSION}|{embedder.name}|{embedder.dimension}|{size}|{overlap}|{reader}"


def discover(paths: Sequence[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to ingest under `paths`, plus failures: paths that do not exist, and files of a type
    that cannot be read (named or found in a directory: a stray .docx is reported, not
    skipped without a word). Inside a directory, names starting with "." or "_" (and anything
    under such a directory) are ignored silently."""
    preferred = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf")
    listed = [s for s in preferred if s in SUPPORTED_SUFFIXES]
    supported = ", ".join(listed + sorted(SUPPORTED_SUFFIXES - set(listed)))

    def unsupported(path: Path) -> tuple[str, str]:
        kind = f"'{path.suffix}'" if path.suffix else "(no file extension)"
        return display_path(path), f"unsupported file type {kind} (supported: {supported})"

    files: list[Path] = []
    failures: list[tuple[str, str]] = []
    for root in paths:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                rel = path.relative_to(root).parts
                if any(p.startswith((".", "_")) for p in rel) or not path.is_file():
                    continue
                if path.suffix.lower() in SUPPORTED_SUFFIXES:
                    files.append(path)
                else:
                    failures.append(unsupported(path))
        elif root.is_file():
            if root.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(root)
            else:
                failures.append(unsupported(root))
        else:
            failures.append((str(root), "no such file or directory"))
    unique = list(dict.fromkeys(p.resolve() for p in files))
    reported = list(dict.fromkeys(failures))
    return unique, reported


def ingest(
    paths: Sequence[Path],
    *,
    store: VectorStore,
    embedder: Embedder,
    chunk_size: int,
    chunk_overlap: int,
    progress: bool | None = None,
    topics: TopicReader | None = None,
) -> IngestReport:
    """Bring the store in line with the files under `paths`; unchanged files cost no embedding.
    Every sentence unit is tagged (bot/indexing/tagging.py); `topics` reads which question
    kinds a unit answers (the question classifier)."""
    started = time.perf_counter()
    report = IngestReport()
    files, report.failures = discover(paths)
    report.files_seen = len(files)
    signature = pipeline_signature(embedder, size=chunk_size, overlap=chunk_overlap, topics=topics)
    stale_pipeline = store.get_meta("pipeline") not in (None, signature)
    stored = store.source_hashes()
    if stale_pipeline:
        logger.info("chunking or embedding settings changed: re-embedding every file")

    fresh: list[Document] = []
    seen_sources: set[str] = set()
    for path in files:
        source = display_path(path)
        seen_sources.add(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            report.failures.append((source, f"cannot read file: {exc.strerror or exc}"))
            continue
        if not stale_pipeline and stored.get(source) == file_hash(data):
            report.files_unchanged += 1
            continue
        try:
            fresh.append(load_document(path))
        except DocumentError as exc:
            report.failures.append((source, str(exc)))

    chunks = [
        c for doc in fresh for c in chunk_document(doc, size=chunk_size, overlap=chunk_overlap)
    ]
    units = _unit_texts(chunks)
    vectors = _embed_all(
        embedder,
        [c.embedding_text for c in chunks] + [text for _, _, text in units],
        progress=progress,
    )
    report.texts_embedded = len(vectors)
    chunk_vectors = vectors[: len(chunks)]
    unit_vectors = vectors[len(chunks) :]
    tags = tag_units(units, unit_vectors, topics)
    records = [
        UnitRecord(
            id=f"{chunk.id}:{unit.index}",
            chunk_id=chunk.id,
            index=unit.index,
            text=unit.text,
            lead=unit.lead,
            paragraph=unit.paragraph,
            vector=unit_vectors[i],
            tags=tags[i],
        )
        for i, (chunk, unit, _) in enumerate(units)
    ]

    for doc in fresh:
        if doc.source in stored:
            report.files_changed += 1
        else:
            report.files_added += 1
    report.chunks_removed += store.delete_sources([d.source for d in fresh if d.source in stored])
    store.add(chunks, chunk_vectors, records)
    report.chunks_added = len(chunks)

    roots = [p.resolve() for p in paths if p.is_dir()] + [p.resolve() for p in paths if p.is_file()]
    gone = [s for s in stored if s not in seen_sources and _under_any(s, roots)]
    report.chunks_removed += store.delete_sources(gone)
    report.files_removed = len(gone)
    report.chunks_unchanged = store.count() - report.chunks_added
    if report.changed or stale_pipeline or store.get_meta("pipeline") is None:
        store.set_meta(pipeline=signature)
    report.seconds = time.perf_counter() - started
    logger.info("ingest done: %s", report.summary().replace("\n", "; "))
    return report


def _unit_texts(chunks: Sequence[Chunk]) -> list[tuple[Chunk, Unit, str]]:
    """Sentence units of each chunk with the text to embed: the section heading gives every
    sentence its topic, and a list item carries its lead-in sentence."""
    out: list[tuple[Chunk, Unit, str]] = []
    for chunk in chunks:
        units = split_units(chunk.text)
        section = chunk.headings[-1] if chunk.headings else chunk.title
        for unit in units:
            text = unit.text
            if unit.lead is not None:
                text = f"{units[unit.lead].text} {text}"
            out.append((chunk, unit, f"{section}: {text}"))
    return out


def tag_units(
    units: Sequence[tuple[Chunk, Unit, str]],
    vectors: np.ndarray,
    topics: TopicReader | None,
) -> list[UnitTags]:
    """Tags of every unit: topics read in one batch (over the embedded text: heading and lead-in
    included), the rest from the unit, its heading path and its document's front matter."""
    texts = [text for _, _, text in units]
    read = topics.topics(texts, vectors) if topics is not None and texts else [{}] * len(texts)
    leads: dict[tuple[str, int], bool] = {}
    by_chunk: dict[str, list[Unit]] = {}
    for chunk, unit, _ in units:
        by_chunk.setdefault(chunk.id, []).append(unit)
        if unit.lead is not None:
            leads[(chunk.id, unit.lead)] = True
    out = []
    for (chunk, unit, _), unit_topics in zip(units, read, strict=True):
        siblings = by_chunk[chunk.id]
        lead_text = siblings[unit.lead].text if unit.lead is not None else ""
        out.append(
            tag_unit(
                unit.text,
                headings=(chunk.title, *chunk.headings),
                document_roles=chunk.roles,
                list_lead=leads.get((chunk.id, unit.index), False),
                list_item=unit.lead is not None,
                lead_text=lead_text,
                topics=unit_topics,
                cited_names=[n for o in chunk.origins for n in (*o.cite_as, o.title) if n],
            )
        )
    return out


def _embed_all(embedder: Embedder, texts: list[str], *, progress: bool | None) -> np.ndarray:
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    show = progress if progress is not None else (sys.stderr.isatty() and len(texts) > EMBED_BATCH)
    batches = range(0, len(texts), EMBED_BATCH)
    steps: Iterable[int] = batches
    if show:
        from tqdm import tqdm

        steps = tqdm(batches, desc="embedding", unit="batch", file=sys.stderr)
    # longest first, so each batch pads to texts of about its own length (chunks run to the
    # model's 256-token limit, sentences are short): half the time of file order
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    ordered = [texts[i] for i in order]
    parts = [embedder.embed(ordered[start : start + EMBED_BATCH]) for start in steps]
    vectors = np.empty((len(texts), parts[0].shape[1]), dtype=np.float32)
    vectors[order] = np.concatenate(parts, axis=0)
    return vectors


def _under_any(source: str, roots: Sequence[Path]) -> bool:
    path = Path(source)
    resolved = path if path.is_absolute() else (Path.cwd() / path)
    resolved = resolved.resolve()
    return any(resolved == root or root in resolved.parents for root in roots)
