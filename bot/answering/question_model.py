"""The question classifier's fitted model, and its committed artifact.

Features: the message's MiniLM embedding plus TF-IDF word (1-2) and character (3-5) n-grams,
weighted; a multinomial logistic regression over them. `hirebot train-classifier` fits it on the
labelled examples in `bot/data/question_types*.yaml` and writes `bot/data/question_model.npz`: a
compressed NumPy archive (no pickle) of the vocabularies, IDF weights, coefficients and a
fingerprint of the data it was fitted on. At run time nothing is trained: the archive is read
(tens of milliseconds) and a test fails while it is stale.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.errors import ConfigError

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DEFAULT_ARTIFACT = DATA_DIR / "question_model.npz"
FORMAT = 1
WORD_NGRAMS = {
    "lowercase": True,
    "ngram_range": (1, 2),
    "min_df": 2,
    "sublinear_tf": True,
    "strip_accents": "unicode",
}
CHAR_NGRAMS = {
    "lowercase": True,
    "analyzer": "char_wb",
    "ngram_range": (3, 5),
    "min_df": 2,
    "sublinear_tf": True,
}


@dataclass(frozen=True, slots=True)
class ModelSettings:
    """Regularisation and feature weights (picked by cross-validation on the examples)."""

    c: float = 4.0
    word_weight: float = 1.0
    char_weight: float = 1.0


def fingerprint(
    texts: list[str], targets: list[str], settings: ModelSettings, embedder: str
) -> str:
    """Hash of everything the model depends on: examples, labels, settings, features, embedder."""
    payload = {
        "format": FORMAT,
        "examples": [[t, x] for t, x in zip(targets, texts, strict=True)],
        "settings": asdict(settings),
        "words": {k: list(v) if isinstance(v, tuple) else v for k, v in WORD_NGRAMS.items()},
        "chars": {k: list(v) if isinstance(v, tuple) else v for k, v in CHAR_NGRAMS.items()},
        "embedder": embedder,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


class QuestionModel:
    """Fitted vectorisers and regression weights; predicts label probabilities."""

    def __init__(
        self,
        *,
        classes: list[str],
        words: Any,
        chars: Any,
        coef: np.ndarray,
        intercept: np.ndarray,
        settings: ModelSettings,
        fingerprint: str = "",
    ) -> None:
        self.classes = classes
        self.words = words
        self.chars = chars
        self.coef = coef
        self.intercept = intercept
        self.settings = settings
        self.fingerprint = fingerprint

    @classmethod
    def train(
        cls,
        texts: list[str],
        dense: np.ndarray,
        targets: np.ndarray,
        settings: ModelSettings,
        *,
        fingerprint: str = "",
    ) -> QuestionModel:
        """Fit the vectorisers and the regression on labelled examples."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        words = TfidfVectorizer(**WORD_NGRAMS).fit(texts)
        chars = TfidfVectorizer(**CHAR_NGRAMS).fit(texts)
        features = _features(words, chars, texts, dense, settings)
        regression = LogisticRegression(C=settings.c, max_iter=500, solver="newton-cg")
        regression.fit(features, targets)
        return cls(
            classes=[str(c) for c in regression.classes_],
            words=words,
            chars=chars,
            coef=np.asarray(regression.coef_, dtype=np.float32),
            intercept=np.asarray(regression.intercept_, dtype=np.float32),
            settings=settings,
            fingerprint=fingerprint,
        )

    def predict_proba(self, texts: list[str], dense: np.ndarray) -> np.ndarray:
        """Label probabilities, columns in `self.classes` order (a softmax over the logits)."""
        features = _features(self.words, self.chars, texts, dense, self.settings)
        logits = np.asarray(features @ self.coef.T) + self.intercept
        if logits.shape[1] == 1 < len(self.classes):  # two classes: one logit, for the second
            logits = np.hstack([np.zeros_like(logits), logits])
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def save(self, path: Path) -> None:
        """Write the compressed archive (atomically)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.tmp.npz")
        meta = {
            "format": FORMAT,
            "settings": asdict(self.settings),
            "fingerprint": self.fingerprint,
        }
        np.savez_compressed(
            tmp,
            meta=np.array(json.dumps(meta)),
            classes=np.array(self.classes),
            word_vocab=_vocabulary(self.words),
            word_idf=np.asarray(self.words.idf_, dtype=np.float32),
            char_vocab=_vocabulary(self.chars),
            char_idf=np.asarray(self.chars.idf_, dtype=np.float32),
            coef=self.coef,
            intercept=self.intercept,
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path = DEFAULT_ARTIFACT) -> QuestionModel:
        """Read an archive written by `save`; ConfigError when it is missing or unreadable."""
        try:
            with np.load(path, allow_pickle=False) as archive:
                meta = json.loads(str(archive["meta"]))
                if meta.get("format") != FORMAT:
                    raise ConfigError(f"{path}: unknown question model format {meta.get('format')}")
                return cls(
                    classes=[str(c) for c in archive["classes"]],
                    words=_vectoriser(WORD_NGRAMS, archive["word_vocab"], archive["word_idf"]),
                    chars=_vectoriser(CHAR_NGRAMS, archive["char_vocab"], archive["char_idf"]),
                    coef=archive["coef"],
                    intercept=archive["intercept"],
                    settings=ModelSettings(**meta["settings"]),
                    fingerprint=str(meta.get("fingerprint", "")),
                )
        except (OSError, KeyError, ValueError, TypeError) as exc:
            raise ConfigError(f"cannot read the question model {path}: {exc}") from exc


def _features(words: Any, chars: Any, texts: list[str], dense: np.ndarray, s: ModelSettings) -> Any:
    """Embedding plus weighted word and character n-gram features, as one sparse matrix."""
    from scipy.sparse import csr_matrix, hstack

    return hstack(
        [
            csr_matrix(dense),
            words.transform(texts) * s.word_weight,
            chars.transform(texts) * s.char_weight,
        ]
    ).tocsr()


def _vocabulary(vectoriser: Any) -> np.ndarray:
    """The vectoriser's terms in column order."""
    terms = sorted(vectoriser.vocabulary_.items(), key=lambda kv: kv[1])
    return np.array([t for t, _ in terms])


def _vectoriser(params: dict[str, Any], vocabulary: np.ndarray, idf: np.ndarray) -> Any:
    """A TF-IDF vectoriser with a fixed vocabulary and IDF weights (nothing to fit)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    fixed = {k: v for k, v in params.items() if k != "min_df"}
    vectoriser = TfidfVectorizer(vocabulary={str(t): i for i, t in enumerate(vocabulary)}, **fixed)
    vectoriser.idf_ = np.asarray(idf, dtype=np.float64)
    return vectoriser
