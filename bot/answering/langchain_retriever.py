"""The hybrid retriever as a LangChain `BaseRetriever` (for chains, e.g. generated answers)."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from bot.answering.retrieval import HybridRetriever
from bot.types import Hit


def hit_to_document(hit: Hit) -> Document:
    """Convert our `Hit` into a LangChain `Document` at the edge."""
    chunk = hit.chunk
    metadata: dict[str, Any] = {
        "id": chunk.id,
        "source": chunk.source,
        "title": chunk.title,
        "headings": list(chunk.headings),
        "origins": [o.label for o in chunk.origins],
        "score": hit.score,
        "dense": hit.dense,
        "lexical": hit.lexical,
    }
    return Document(page_content=chunk.text, metadata=metadata)


class HirebotRetriever(BaseRetriever):
    """Dense + BM25 hybrid search over the knowledge base, returning LangChain Documents."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    hybrid: HybridRetriever
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [hit_to_document(h) for h in self.hybrid.search(query, self.k)]
