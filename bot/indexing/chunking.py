"""Markdown-aware chunking: split by headings, then by size, keeping the heading path on each chunk."""

from __future__ import annotations

import hashlib
import re

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from bot.indexing.documents import Document
from bot.text import split_sentences
from bot.types import Chunk

_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]
# Prefer paragraph, then line, then sentence boundaries: chunks and their overlap stay whole sentences.
_SEPARATORS = ["\n\n", "\n", r"(?<=[.!?])\s+(?=[A-Z$\"(])", r"(?<=[;:])\s+", " "]
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
# A list and the sentence introducing it stay in one chunk up to this many times the chunk size,
# so an answer never shows "four warning signs" followed by three.
LIST_SIZE_FACTOR = 2.5


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
        for piece in _pieces(section.page_content, splitter, size, overlap):
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


def _blocks(text: str) -> list[tuple[str, bool]]:
    """Lines of a section (the header splitter joins a section's lines with '  \\n') as
    (text, is_list); list items are joined to each other and to the line introducing them
    (one ending in ':')."""
    out: list[tuple[str, bool]] = []
    for line in (x.strip() for x in re.split(r"[ \t]*\n", text)):
        if not line:
            continue
        is_item = _LIST_ITEM.match(line) is not None
        if is_item and out and (out[-1][1] or out[-1][0].endswith(":")):
            out[-1] = (f"{out[-1][0]}\n{line}", True)
        else:
            out.append((line, is_item))
    return out


def _pieces(
    text: str, splitter: RecursiveCharacterTextSplitter, size: int, overlap: int
) -> list[str]:
    """Pack a section's lines into pieces of about `size` characters. A list with its lead stays
    whole (up to LIST_SIZE_FACTOR x size); a longer paragraph is split by `splitter`. A piece that
    follows prose repeats its last whole sentences (up to `overlap` characters)."""
    blocks: list[tuple[str, int, bool]] = []  # (text, index of the split paragraph or -1, list)
    for n, (block, is_list) in enumerate(_blocks(text)):
        if len(block) <= size or (is_list and len(block) <= size * LIST_SIZE_FACTOR):
            blocks.append((block, -1, is_list))
        else:
            blocks.extend((part, n, False) for part in splitter.split_text(block))
    packed: list[str] = []
    last_block, last_origin, last_is_list = "", -2, False
    for block, origin, is_list in blocks:
        # pieces of one split paragraph already overlap, so they are never packed together
        packable = origin == -1 or origin != last_origin
        carries = packed and origin == -1 and not last_is_list  # prose after prose
        if packed and packable and len(packed[-1]) + 1 + len(block) <= size:
            packed[-1] += "\n" + block
        elif carries and (carry := _tail(last_block, overlap)) and len(carry) + len(block) < size:
            packed.append(f"{carry}\n{block}")
        else:
            packed.append(block)
        last_block, last_origin, last_is_list = block, origin, is_list
    return packed


def _tail(text: str, limit: int) -> str:
    """The last whole sentences of `text`, at most `limit` characters ('' if none fits)."""
    tail: list[str] = []
    for sentence in reversed(split_sentences(text)):
        if sum(len(t) + 1 for t in tail) + len(sentence) > limit:
            break
        tail.insert(0, sentence)
    return " ".join(tail)


def _tidy(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip()
