"""Is a question covered by the knowledge? A small, tunable gate in front of answer composition."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.types import Hit

# Words that tie a question to hiring AI/ML talent; generic hiring words alone do not.
_DOMAIN = re.compile(
    r"\b(ai|a\.i\.|artificial intelligence|ml|machine[- ]learning|data scien\w*|llms?|gpt\w*|"
    r"genai|generative|rag|mlops|nlp|computer vision|deep learning|neural|models?|pytorch|"
    r"tensorflow|jax|scikit|python|prompt\w*|foundation model\w*|research scientists?|"
    r"applied scientists?|data|algorithm\w*|analytics?|recommendation|fraud|forecast\w*|"
    r"chatbots?|langchain|vector|embedding\w*|drift|feature (store|engineering)|kaggle|"
    r"phd|ph\.d\.?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ScopeConfig:
    """Thresholds on cosine similarity (all-MiniLM-L6-v2), set from `hirebot eval` measurements."""

    strong_chunk: float = 0.55
    min_chunk: float = 0.30
    min_unit: float = 0.35


def mentions_domain(question: str) -> bool:
    """True when the question names something from the AI/ML hiring domain."""
    return _DOMAIN.search(question) is not None


def in_scope(
    question: str, hits: list[Hit], best_unit: float, *, config: ScopeConfig | None = None
) -> bool:
    """Covered when retrieval is strongly similar, or moderately similar and on-domain."""
    cfg = config or ScopeConfig()
    if not hits:
        return False
    best_chunk = max(h.dense for h in hits)
    if best_chunk >= cfg.strong_chunk and best_unit >= cfg.min_unit:
        return True
    return best_chunk >= cfg.min_chunk and best_unit >= cfg.min_unit and mentions_domain(question)
