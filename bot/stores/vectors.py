"""Chroma adapter: chunks and their sentence units, embedded (PersistentClient) or server (HttpClient)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlparse

import numpy as np

from bot.errors import ConfigError, StoreUnavailable
from bot.stores.embeddings import Embedder
from bot.types import Chunk, UnitTags

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

    from bot.settings import Settings

logger = logging.getLogger(__name__)
_PAGE = 2000


@dataclass(frozen=True, slots=True)
class UnitRecord:
    """A stored sentence unit of a chunk (for extractive answers)."""

    id: str
    chunk_id: str
    index: int
    text: str
    lead: int | None
    paragraph: int
    vector: np.ndarray
    tags: UnitTags = field(default_factory=UnitTags)


class VectorStore(Protocol):
    """What retrieval and ingest need from a vector store."""

    def add(
        self, chunks: Sequence[Chunk], vectors: np.ndarray, units: Sequence[UnitRecord]
    ) -> None:
        """Add chunks (with their vectors) and their sentence units."""
        ...

    def delete_sources(self, sources: Iterable[str]) -> int:
        """Remove every chunk of these sources; return how many were removed."""
        ...

    def source_hashes(self) -> dict[str, str]:
        """Content hash of each stored source."""
        ...

    def query(self, vector: np.ndarray, k: int) -> list[tuple[Chunk, float]]:
        """Top-k chunks by cosine similarity."""
        ...

    def chunk_vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of these chunks."""
        ...

    def query_units(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the top-k sentence units, best first."""
        ...

    def all_chunks(self) -> list[Chunk]:
        """Every stored chunk (for the lexical index)."""
        ...

    def units_for(self, chunk_ids: Sequence[str]) -> dict[str, list[UnitRecord]]:
        """Sentence units of these chunks, in order."""
        ...

    def count(self) -> int:
        """Number of stored chunks."""
        ...

    def version(self) -> str:
        """Changes whenever the corpus changes."""
        ...

    def get_meta(self, key: str) -> str | None:
        """A value of the corpus metadata."""
        ...

    def set_meta(self, **values: str) -> None:
        """Set corpus metadata values (and bump the version)."""
        ...


class ChromaEmbeddingFunction:
    """Our embedder exposed as a Chroma embedding function (so Chroma never loads its own)."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    def __call__(self, input: Sequence[str]) -> list[np.ndarray]:
        return list(self._embedder.embed(list(input)))

    def embed_query(self, input: Sequence[str]) -> list[np.ndarray]:
        return self(input)

    @staticmethod
    def name() -> str:
        return "hirebot"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingFunction:
        from bot.stores.embeddings import load_embedder

        return ChromaEmbeddingFunction(load_embedder())

    def is_legacy(self) -> bool:
        return False

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]


def chroma_client(settings: Settings) -> ClientAPI:
    """Embedded PersistentClient under the data dir, or HttpClient when a server URL is set."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigError(
                f"HIREBOT_CHROMA_URL must be an http(s) URL, got {settings.chroma_url!r}"
            )
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:  # chromadb raises plain ValueError/ConnectionError variants
            raise StoreUnavailable(
                f"Chroma server at {settings.chroma_url} is unreachable: {exc}"
            ) from exc
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


class ChromaStore:
    """Vector store on Chroma: a chunk collection and a sentence-unit collection."""

    def __init__(self, client: ClientAPI, name: str, embedder: Embedder) -> None:
        self._client = client
        self._function = ChromaEmbeddingFunction(embedder)
        self._name = name
        self._chunks = self._collection(name)
        self._units = self._collection(f"{name}_units")

    def _collection(self, name: str) -> Collection:
        try:
            return self._client.get_or_create_collection(
                name,
                embedding_function=self._function,  # type: ignore[arg-type]
                configuration={"hnsw": {"space": "cosine"}},
            )
        except Exception as exc:
            raise StoreUnavailable(f"cannot open Chroma collection {name!r}: {exc}") from exc

    def add(
        self, chunks: Sequence[Chunk], vectors: np.ndarray, units: Sequence[UnitRecord]
    ) -> None:
        """Add chunks and units in pages (Chroma caps batch sizes)."""
        for start in range(0, len(chunks), _PAGE):
            page = chunks[start : start + _PAGE]
            self._chunks.upsert(
                ids=[c.id for c in page],
                documents=[c.text for c in page],
                embeddings=vectors[start : start + _PAGE],
                metadatas=[c.to_metadata() for c in page],
            )
        for start in range(0, len(units), _PAGE):
            upage = units[start : start + _PAGE]
            self._units.upsert(
                ids=[u.id for u in upage],
                documents=[u.text for u in upage],
                embeddings=np.stack([u.vector for u in upage]),
                metadatas=[
                    {
                        "chunk_id": u.chunk_id,
                        "index": u.index,
                        "lead": -1 if u.lead is None else u.lead,
                        "paragraph": u.paragraph,
                        "tags": u.tags.to_json(),
                    }
                    for u in upage
                ],
            )

    def delete_sources(self, sources: Iterable[str]) -> int:
        """Remove all chunks (and their units) of the given sources."""
        removed = 0
        for source in sources:
            found = self._chunks.get(where={"source": source}, include=[])
            ids = found["ids"]
            if ids:
                for start in range(0, len(ids), _PAGE):
                    page = ids[start : start + _PAGE]
                    self._units.delete(where=_in("chunk_id", page))
                    self._chunks.delete(ids=page)
                removed += len(ids)
        return removed

    def source_hashes(self) -> dict[str, str]:
        """source -> file hash, read from chunk metadata."""
        hashes: dict[str, str] = {}
        for meta in self._iter_metadata():
            hashes[str(meta["source"])] = str(meta.get("file_hash", ""))
        return hashes

    def query(self, vector: np.ndarray, k: int) -> list[tuple[Chunk, float]]:
        """Top-k chunks by cosine similarity (1 - cosine distance)."""
        try:
            res = self._chunks.query(
                query_embeddings=[vector],
                n_results=k,
                include=["documents", "metadatas", "distances"],
            )
        except Exception as exc:
            raise StoreUnavailable(f"Chroma query failed: {exc}") from exc
        ids = res["ids"][0]
        docs = (res["documents"] or [[]])[0]
        metas = (res["metadatas"] or [[]])[0]
        dists = (res["distances"] or [[]])[0]
        return [
            (Chunk.from_metadata(i, d or "", dict(m or {})), 1.0 - float(dist))
            for i, d, m, dist in zip(ids, docs, metas, dists, strict=True)
        ]

    def query_units(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the top-k sentence units, best first."""
        try:
            res = self._units.query(
                query_embeddings=[vector], n_results=k, include=["metadatas", "distances"]
            )
        except Exception as exc:
            raise StoreUnavailable(f"Chroma query failed: {exc}") from exc
        metas = (res["metadatas"] or [[]])[0]
        dists = (res["distances"] or [[]])[0]
        return [
            (str((m or {}).get("chunk_id", "")), 1.0 - float(d))
            for m, d in zip(metas, dists, strict=True)
        ]

    def chunk_vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored chunk vectors by id."""
        if not ids:
            return {}
        res = self._chunks.get(ids=list(ids), include=["embeddings"])
        embeddings = res["embeddings"]
        if embeddings is None:
            return {}
        return {
            i: np.asarray(e, dtype=np.float32) for i, e in zip(res["ids"], embeddings, strict=True)
        }

    def all_chunks(self) -> list[Chunk]:
        """Every chunk, paged."""
        out: list[Chunk] = []
        offset = 0
        while True:
            res = self._chunks.get(include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            ids = res["ids"]
            if not ids:
                break
            docs = res["documents"] or []
            metas = res["metadatas"] or []
            out.extend(
                Chunk.from_metadata(i, d or "", dict(m or {}))
                for i, d, m in zip(ids, docs, metas, strict=True)
            )
            offset += len(ids)
            if len(ids) < _PAGE:
                break
        return out

    def units_for(self, chunk_ids: Sequence[str]) -> dict[str, list[UnitRecord]]:
        """Sentence units (with vectors) of the given chunks, ordered within each chunk."""
        if not chunk_ids:
            return {}
        res = self._units.get(
            where=_in("chunk_id", chunk_ids),
            include=["documents", "metadatas", "embeddings"],
        )
        out: dict[str, list[UnitRecord]] = {cid: [] for cid in chunk_ids}
        embeddings = res["embeddings"] if res["embeddings"] is not None else []
        for uid, doc, meta, emb in zip(
            res["ids"], res["documents"] or [], res["metadatas"] or [], embeddings, strict=True
        ):
            lead = int(meta.get("lead", -1))  # type: ignore[arg-type]
            record = UnitRecord(
                id=uid,
                chunk_id=str(meta["chunk_id"]),
                index=int(meta["index"]),  # type: ignore[arg-type]
                text=doc or "",
                lead=None if lead < 0 else lead,
                paragraph=int(meta.get("paragraph", 0)),  # type: ignore[arg-type]
                vector=np.asarray(emb, dtype=np.float32),
                tags=UnitTags.from_json(str(meta.get("tags") or "")),
            )
            out.setdefault(record.chunk_id, []).append(record)
        for records in out.values():
            records.sort(key=lambda r: r.index)
        return out

    def count(self) -> int:
        """Number of chunks."""
        try:
            return int(self._chunks.count())
        except Exception as exc:
            raise StoreUnavailable(f"Chroma is unreachable: {exc}") from exc

    def version(self) -> str:
        """Corpus version, bumped by every ingest that changes something."""
        return self.get_meta("corpus_version") or "0"

    def get_meta(self, key: str) -> str | None:
        """Read a corpus metadata value (fresh from the server in server mode)."""
        try:
            meta = self._client.get_collection(self._name).metadata or {}
        except Exception as exc:
            raise StoreUnavailable(f"Chroma is unreachable: {exc}") from exc
        value = meta.get(key)
        return None if value is None else str(value)

    def set_meta(self, **values: str) -> None:
        """Write metadata values and bump the corpus version."""
        meta = dict(self._client.get_collection(self._name).metadata or {})
        meta.update(values)
        meta["corpus_version"] = uuid.uuid4().hex
        self._chunks.modify(metadata=meta)

    def _iter_metadata(self) -> Iterable[dict[str, Any]]:
        offset = 0
        while True:
            res = self._chunks.get(include=["metadatas"], limit=_PAGE, offset=offset)
            metas = res["metadatas"] or []
            if not metas:
                return
            for meta in metas:
                yield dict(meta)
            offset += len(metas)
            if len(metas) < _PAGE:
                return


def _in(field: str, values: Sequence[str]) -> Any:
    """A Chroma `$in` filter."""
    return {field: {"$in": list(values)}}
