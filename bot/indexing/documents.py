"""Load knowledge files (.md, .txt, .html, .pdf) into plain documents with their metadata."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from bot.errors import DocumentError
from bot.types import ROLE_IDS, Origin

SUPPORTED_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".html", ".htm", ".pdf"})
MAX_FILE_BYTES = 20 * 1024 * 1024
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
_H1 = re.compile(r"^#\s+(.+)$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Document:
    """A loaded knowledge file: Markdown-ish text plus the metadata that travels with each chunk."""

    source: str
    title: str
    text: str
    file_hash: str
    origins: tuple[Origin, ...] = ()
    roles: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    summary: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def display_path(path: Path) -> str:
    """Stable id of a file: relative to the working directory when inside it, else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def file_hash(data: bytes) -> str:
    """Content hash used for incremental ingest."""
    return hashlib.sha256(data).hexdigest()


def load_document(path: Path) -> Document:
    """Read one file; raise `DocumentError` with a plain reason when it cannot be used."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(f"unsupported file type '{suffix or path.name}'")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DocumentError(f"file is too large ({size // (1024 * 1024)} MiB)")
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise DocumentError("file is empty")
    text = _pdf_text(data) if suffix == ".pdf" else _decode_text(data)
    if suffix in (".html", ".htm"):
        text = html_to_markdown(text)
    meta, body = split_front_matter(text) if suffix in (".md", ".markdown", ".txt") else ({}, text)
    body = body.strip()
    if len(re.sub(r"\W", "", body)) < 20:
        raise DocumentError("file has no usable text")
    source = display_path(path)
    title = str(meta.get("title") or _first_heading(body) or path.stem.replace("-", " ").title())
    return Document(
        source=source,
        title=title,
        text=body,
        file_hash=file_hash(data),
        origins=parse_origins(meta.get("sources"), fallback_title=title, fallback_key=source),
        roles=tuple(r for r in _as_list(meta.get("roles")) if r in ROLE_IDS),
        topics=tuple(_as_list(meta.get("topics"))),
        summary=str(meta.get("summary", "")),
        extra={k: v for k, v in meta.items() if k not in {"title", "sources", "roles", "topics"}},
    )


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Separate YAML front matter from the body; broken YAML is reported, not ignored."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise DocumentError(f"invalid YAML front matter: {str(exc).splitlines()[0]}") from exc
    if not isinstance(meta, dict):
        raise DocumentError("front matter must be a YAML mapping")
    return meta, text[match.end() :]


def parse_origins(raw: Any, *, fallback_title: str, fallback_key: str) -> tuple[Origin, ...]:
    """Front-matter `sources` (strings or mappings) -> origins; a document without any cites itself."""
    origins = []
    for item in _as_list(raw, keep_dicts=True):
        if isinstance(item, dict):
            title = str(item.get("title") or item.get("publisher") or "").strip()
            if not title:
                continue
            cite = item.get("cite_as") or [item.get("publisher") or title]
            origins.append(
                Origin(
                    key=str(item.get("key") or _slug(title)),
                    title=title,
                    publisher=str(item.get("publisher") or ""),
                    cite_as=tuple(str(c) for c in _as_list(cite)),
                )
            )
        elif str(item).strip():
            origins.append(Origin(key=_slug(str(item)), title=str(item), cite_as=(str(item),)))
    if not origins:
        origins.append(Origin(key=fallback_key, title=fallback_title))
    return tuple(origins)


def html_to_markdown(html: str) -> str:
    """Convert HTML to light Markdown: headings, paragraphs and list items survive."""
    parser = _HTMLToMarkdown()
    parser.feed(html)
    parser.close()
    return parser.markdown()


def _decode_text(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise DocumentError("file looks binary (NUL bytes), not text")
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        return text
    raise DocumentError("file is not valid UTF-8 text")


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError("PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(f"cannot parse PDF: {exc}") from exc
    return "\n\n".join(p.strip() for p in pages if p.strip())


def _first_heading(text: str) -> str | None:
    match = _H1.search(text)
    return match.group(1).strip() if match else None


def _as_list(value: Any, *, keep_dicts: bool = False) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, dict):
        return [value] if keep_dicts else []
    if isinstance(value, list | tuple):
        return [v if (keep_dicts and isinstance(v, dict)) else str(v).strip() for v in value]
    return [str(value)]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "source"


class _HTMLToMarkdown(HTMLParser):
    _BLOCK: frozenset[str] = frozenset(
        {"p", "div", "section", "article", "br", "tr", "table", "ul", "ol", "blockquote"}
    )
    _SKIP: frozenset[str] = frozenset(
        {"script", "style", "nav", "footer", "head", "noscript", "svg"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip_depth += 1
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self._out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "li":
            self._out.append("\n- ")
        elif tag in self._BLOCK:
            self._out.append("\n\n")
        elif tag in {"td", "th"}:
            self._out.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"} or tag in self._BLOCK:
            self._out.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self._out.append(re.sub(r"\s+", " ", data))

    def markdown(self) -> str:
        text = "".join(self._out)
        text = re.sub(r"[ \t]+\n", "\n", text)
        text = re.sub(r"\n[ \t]+", "\n", text)
        return re.sub(r"\n{3,}", "\n\n", text).strip()
