"""Markdown-aware chunking: split by headings, then by size, keeping the heading path on each chunk."""

from __future__ import annotations

import hashlib
import re

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from bot.documents import Document
from bot.types import Chunk

_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]
# Prefer paragraph, then line, then sentence boundaries: chunks and their overlap stay whole sentences.
_SEPARATORS = ["\n\n", "\n", r"(?<=[.!?])\s+(?=[A-Z$\"(])", r"(?<=[;:])\s+", " "]


def chunk_id(source: str, file_hash: str, index: int) -> str:
    """Deterministic chunk id: stable for unchanged files, new for changed ones."""
    digest = hashlib.sha1(source.encode()).hexdigest()[:12]
    return f"{digest}-{file_hash[:10]}-{index:04d}"


def chunk_document(doc: Document, *, size: int, overlap: int) -> list[Chunk]:
    """Split a document into chunks of about `size` characters with whole-sentence overlap."""
    sections = MarkdownHeaderTextSplitter(_HEADERS, strip_headers=True).split_text(doc.text)
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=size,
        chunk_overlap=overlap,
        separators=_SEPARATORS,
        is_separator_regex=True,
        keep_separator="end",
        strip_whitespace=True,
    )
    chunks: list[Chunk] = []
    for section in sections:
        headings = tuple(
            str(section.metadata[key]).strip()
            for _, key in _HEADERS[1:]
            if section.metadata.get(key)
        )
        for piece in splitter.split_text(section.page_content):
            text = _tidy(piece)
            if len(re.sub(r"\W", "", text)) < 12:
                continue
            chunks.append(
                Chunk(
                    id=chunk_id(doc.source, doc.file_hash, len(chunks)),
                    text=text,
                    source=doc.source,
                    title=doc.title,
                    headings=headings,
                    origins=doc.origins,
                    roles=doc.roles,
                    topics=doc.topics,
                    file_hash=doc.file_hash,
                    index=len(chunks),
                )
            )
    return chunks


def _tidy(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip()
