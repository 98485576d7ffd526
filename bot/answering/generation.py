"""Optional generated answers: retriever hits -> prompt with numbered sources -> chat model
(LangChain, any OpenAI-compatible endpoint), streamed sentence by sentence through the
grounding guard. The model is passed in; nothing here is built at import time."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from bot.answering.grounding import (
    citations_in,
    guard,
    split_sentences,
    supporting_passage,
    without_citations,
)
from bot.indexing.attribution import attribute
from bot.types import Answer, Citation, Hit, Point

logger = logging.getLogger(__name__)
SYSTEM_PROMPT = (
    "You help hiring managers hire AI/ML talent. Answer ONLY from the numbered sources below. "
    "End every sentence with the number of the source it comes from, like [2]. Quote figures "
    "exactly as the sources write them, and when sources disagree give each view with its "
    "number. Your FIRST sentence must answer the question directly (the figure, the list, the "
    "role, the difference); the others support it. If the sources do not answer the question, "
    "say so in one sentence. Use at most 6 short sentences, no headings."
)
QUOTE_CHARS = 400


class GenerationFailed(Exception):
    """The model failed, timed out, or produced nothing grounded."""


def format_sources(hits: Sequence[Hit]) -> str:
    """Numbered source blocks for the prompt."""
    blocks = []
    for n, hit in enumerate(hits, 1):
        chunk = hit.chunk
        origin = "; ".join(o.label for o in chunk.origins) or chunk.title
        blocks.append(f"[{n}] {chunk.title} — {origin}\n{chunk.text}")
    return "\n\n".join(blocks)


def build_chain(llm: Any) -> Any:
    """prompt | chat model | string output: the LangChain runnable that generates."""
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    prompt = ChatPromptTemplate.from_messages(
        [("system", SYSTEM_PROMPT), ("human", "Sources:\n\n{sources}\n\nQuestion: {question}")]
    )
    return prompt | llm | StrOutputParser()


def chat_model(*, base_url: str, model: str, api_key: str | None, timeout_s: float) -> Any:
    """An OpenAI-compatible chat model (no retries: a slow endpoint falls back fast)."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=base_url,
        model=model,
        api_key=api_key or "not-needed",
        timeout=timeout_s,
        max_retries=0,
        temperature=0,
        streaming=True,
    )


class AnswerGenerator:
    """Generates a cited answer from hits, keeping only sentences the guard accepts."""

    def __init__(self, chain: Any, *, name: str = "llm") -> None:
        self.chain = chain
        self.name = name

    def generate(
        self, question: str, hits: Sequence[Hit], *, on_text: Callable[[str], None] | None = None
    ) -> Answer:
        """Stream the model's answer; each complete sentence is guarded, then passed to
        `on_text`. Raises GenerationFailed when nothing grounded comes out."""
        sources = {n: hit.chunk.text for n, hit in enumerate(hits, 1)}
        kept: list[str] = []
        dropped: list[tuple[str, str]] = []
        buffer = ""

        def flush(sentences: list[str]) -> None:
            result = guard(sentences, sources)
            dropped.extend(result.dropped)
            for sentence in result.kept:
                kept.append(sentence)
                if on_text is not None:
                    on_text(sentence)

        try:
            for piece in self.chain.stream({"question": question, "sources": format_sources(hits)}):
                buffer += str(piece)
                sentences, buffer = split_sentences(buffer)
                if sentences:
                    flush(sentences)
        except Exception as exc:  # network errors, timeouts, HTTP 5xx from the endpoint
            raise GenerationFailed(f"{type(exc).__name__}: {exc}") from exc
        if buffer.strip():
            flush([buffer.strip()])
        for _sentence, reason in dropped:
            logger.warning("generated sentence dropped", extra={"reason": reason})
        if not kept or all(not citations_in(s) for s in kept):
            raise GenerationFailed(f"no grounded sentence ({len(dropped)} dropped)")
        return cited_answer(question, kept, hits, dropped=len(dropped))


def cited_answer(
    question: str, sentences: Sequence[str], hits: Sequence[Hit], *, dropped: int
) -> Answer:
    """Renumber the citations used to 1..m and map them back to their sources."""
    mapping: dict[int, int] = {}
    for sentence in sentences:
        for n in citations_in(sentence):
            mapping.setdefault(n, len(mapping) + 1)
    points = [_point(s, mapping) for s in sentences]
    sources = []
    for original, _new in sorted(mapping.items(), key=lambda kv: kv[1]):
        chunk = hits[original - 1].chunk
        claims = [s for s in sentences if f"[{original}]" in s]
        quote = supporting_passage(chunk.text, claims, QUOTE_CHARS)
        origins = attribute(quote, headings=chunk.headings, origins=chunk.origins)
        sources.append(
            Citation(
                source=chunk.source,
                title=chunk.title,
                original="; ".join(o.label for o in origins) or chunk.title,
                score=round(hits[original - 1].dense, 4),
                quote=quote,
            )
        )
    note = f" ({dropped} ungrounded sentence(s) removed)" if dropped else ""
    return Answer(
        question=question,
        grounded=True,
        lead=points[0],
        points=points[1:],
        sources=sources,
        contexts=[h.chunk.text for h in hits],
        mode="generated",
        hits=list(hits),
        note="covered" + note,
    )


def _point(sentence: str, mapping: dict[int, int]) -> Point:
    """A generated sentence as a point: its [n] markers become its citations."""
    cited = tuple(dict.fromkeys(mapping[n] for n in citations_in(sentence)))
    return Point(without_citations(sentence), cited)


CONDENSE_PROMPT = (
    "You rewrite a hiring manager's follow-up message as one self-contained question about "
    "hiring AI/ML talent, using the earlier conversation for anything the message leaves out "
    "(the role, seniority, location, industry, contract or full-time). Keep what the message "
    "states. If the message starts a new topic or is already complete, return it unchanged. "
    "Reply with the question only."
)


def build_condense_chain(llm: Any) -> Any:
    """prompt | chat model | string: LangChain's usual history-aware question rewriting."""
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", CONDENSE_PROMPT),
            ("human", "Earlier in the conversation:\n{history}\n\nFollow-up: {question}"),
        ]
    )
    return prompt | llm | StrOutputParser()


class QuestionCondenser:
    """Rewrites a follow-up as a standalone question with the chat model."""

    MAX_CHARS = 600

    def __init__(self, chain: Any) -> None:
        self.chain = chain

    def condense(self, question: str, history: Sequence[str]) -> str:
        """The standalone question; raises GenerationFailed on any model failure or an
        unusable reply (empty, too long), so the caller falls back to the rule-based reading."""
        try:
            text = str(
                self.chain.invoke({"history": "\n".join(history), "question": question})
            ).strip()
        except Exception as exc:  # any client or HTTP error of the model call
            raise GenerationFailed(f"condense failed: {type(exc).__name__}") from exc
        text = text.strip().strip('"').strip()
        if not text or len(text) > self.MAX_CHARS or "\n" in text:
            raise GenerationFailed("condense returned no usable question")
        return text
