"""The project's own small value types; third-party objects are converted into these at the edge."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

ROLE_IDS: tuple[str, ...] = ("ai_engineer", "ml_engineer", "data_scientist", "ml_scientist")
ROLE_NAMES: dict[str, str] = {
    "ai_engineer": "AI engineer",
    "ml_engineer": "ML engineer",
    "data_scientist": "data scientist",
    "ml_scientist": "ML scientist",
}


@dataclass(frozen=True, slots=True)
class Origin:
    """An original article that knowledge is drawn from."""

    key: str
    title: str
    publisher: str = ""
    cite_as: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """Human-readable 'Publisher — Title' label."""
        if self.publisher and self.publisher not in self.title:
            return f"{self.publisher} — {self.title}"
        return self.title

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for JSON metadata."""
        return {
            "key": self.key,
            "title": self.title,
            "publisher": self.publisher,
            "cite_as": list(self.cite_as),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Origin:
        """Inverse of `to_dict`."""
        return cls(
            key=str(data.get("key", "")),
            title=str(data.get("title", "")),
            publisher=str(data.get("publisher", "")),
            cite_as=tuple(str(a) for a in data.get("cite_as", ())),
        )


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of a knowledge document, with the context needed to cite it."""

    id: str
    text: str
    source: str
    title: str
    headings: tuple[str, ...] = ()
    origins: tuple[Origin, ...] = ()
    roles: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    file_hash: str = ""
    index: int = 0

    @property
    def heading_path(self) -> str:
        """'Section > Subsection' path of the chunk inside its document."""
        return " > ".join(self.headings)

    @property
    def embedding_text(self) -> str:
        """Text that is embedded and searched: title and headings give each chunk its context."""
        context = " > ".join((self.title, *self.headings))
        return f"{context}\n{self.text}"

    def to_metadata(self) -> dict[str, Any]:
        """Flat metadata for the vector store (strings and numbers only)."""
        return {
            "source": self.source,
            "title": self.title,
            "headings": json.dumps(list(self.headings)),
            "origins": json.dumps([o.to_dict() for o in self.origins]),
            "roles": ",".join(self.roles),
            "topics": ",".join(self.topics),
            "file_hash": self.file_hash,
            "index": self.index,
        }

    @classmethod
    def from_metadata(cls, chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
        """Rebuild a chunk from what the vector store returns."""
        return cls(
            id=chunk_id,
            text=text,
            source=str(meta.get("source", "")),
            title=str(meta.get("title", "")),
            headings=tuple(json.loads(str(meta.get("headings") or "[]"))),
            origins=tuple(
                Origin.from_dict(o) for o in json.loads(str(meta.get("origins") or "[]"))
            ),
            roles=tuple(r for r in str(meta.get("roles", "")).split(",") if r),
            topics=tuple(t for t in str(meta.get("topics", "")).split(",") if t),
            file_hash=str(meta.get("file_hash", "")),
            index=int(meta.get("index", 0)),
        )


@dataclass(frozen=True, slots=True)
class UnitTags:
    """What one sentence unit is about and what kind of sentence it is."""

    topics: dict[str, float] = field(default_factory=dict)
    roles: tuple[str, ...] = ()
    roles_named: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()
    form: str = "statement"
    note: bool = False

    @property
    def topic(self) -> str:
        """The most likely question kind ('' when unknown)."""
        return max(self.topics, key=lambda k: self.topics[k]) if self.topics else ""

    def to_json(self) -> str:
        """Compact JSON for the vector store's metadata."""
        return json.dumps(asdict(self), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | None) -> UnitTags:
        """Inverse of `to_json` (empty tags for a unit stored before tags existed)."""
        if not raw:
            return cls()
        data = json.loads(raw)
        return cls(
            topics={str(k): float(v) for k, v in (data.get("topics") or {}).items()},
            roles=tuple(data.get("roles") or ()),
            roles_named=tuple(data.get("roles_named") or ()),
            levels=tuple(data.get("levels") or ()),
            regions=tuple(data.get("regions") or ()),
            figures=tuple(data.get("figures") or ()),
            form=str(data.get("form") or "statement"),
            note=bool(data.get("note", False)),
        )


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved chunk with its fused score and the scores of each retriever."""

    chunk: Chunk
    score: float
    dense: float = 0.0
    lexical: float = 0.0


@dataclass(frozen=True, slots=True)
class Citation:
    """One cited source of an answer (the contract's `sources[]` item)."""

    source: str
    title: str
    original: str
    score: float
    quote: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form, as the contract names it."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Point:
    """One point of an answer: a sentence, or a list's lead-in with its items, and the numbers
    (1-based, into `Answer.sources`) of the sources it cites."""

    text: str
    citations: tuple[int, ...] = ()
    items: tuple[str, ...] = ()
    # the list goes on beyond the items shown
    more: bool = False

    def renumbered(self, mapping: dict[int, int]) -> Point:
        """The same point citing `mapping[n]` for each source number n."""
        return replace(self, citations=tuple(mapping.get(n, n) for n in self.citations))

    def plain(self) -> str:
        """The point as text, its items after it."""
        return " ".join([self.text, *self.items])


# Kinds of note an answer may carry beside its points (shown after the lead, in small print).
NOTE_KINDS = ("reading", "uncovered", "disagree", "region", "part", "fallback")


@dataclass(frozen=True, slots=True)
class Note:
    """Something the reader should know about an answer that is not part of it: how a follow-up
    was read, what the sources do not cover, that they disagree."""

    kind: str
    text: str


LIST_INDENT = "      "


@dataclass(slots=True)
class Answer:
    """An answer to one question, grounded in retrieved knowledge (or a plain decline).

    A grounded answer is structured: a `lead` (the direct answer, one point), supporting
    `points` and `notes`, each point citing `sources`. Renderers at the edges (Slack blocks, the
    terminal, the JSON `answer` string) show the lead first and the notes after it. A reply
    with no points (a decline) is plain `text`."""

    question: str
    grounded: bool
    lead: Point | None = None
    points: list[Point] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    text: str = ""
    sources: list[Citation] = field(default_factory=list)
    contexts: list[str] = field(default_factory=list)
    mode: str = "extractive"
    latency_ms: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list, repr=False)
    # why it was answered or declined (the scope decision), plus any generation fallback note
    note: str = ""
    # parts or terms of the question the knowledge does not cover (empty when fully covered)
    uncovered: list[str] = field(default_factory=list)
    # the self-contained question answered, when a follow-up was read in its conversation
    resolved_question: str | None = None
    # what the question asks (the question classifier's label: pay, interviewing, ...)
    kind: str = ""
    # the role the answer recommends (role-choice questions and described needs), and the
    # recommender's probability for it
    recommended_role: str | None = None
    role_confidence: float | None = None

    @property
    def all_points(self) -> list[Point]:
        """The lead, then the supporting points."""
        return ([self.lead] if self.lead is not None else []) + list(self.points)

    @property
    def answer(self) -> str:
        """The answer as Slack mrkdwn: the lead, its notes (in italics), then the other points,
        each with its source numbers; `text` when there are no points."""
        if self.lead is None:
            return self.text
        lines = [point_mrkdwn(self.lead, bullet="")]
        lines += [f"_{note.text}_" for note in self.notes]
        lines += [point_mrkdwn(p) for p in self.points]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON form, as the contract names it (plus `timings_ms`, and the structure: `lead`,
        `points`, `notes`)."""
        return {
            "question": self.question,
            "answer": self.answer,
            "grounded": self.grounded,
            "sources": [c.to_dict() for c in self.sources],
            "contexts": list(self.contexts),
            "mode": self.mode,
            "latency_ms": round(self.latency_ms, 2),
            "timings_ms": {k: round(v, 2) for k, v in self.timings.items()},
            "uncovered": list(self.uncovered),
            "lead": None if self.lead is None else point_dict(self.lead),
            "points": [point_dict(p) for p in self.points],
            "notes": [{"kind": n.kind, "text": n.text} for n in self.notes],
        } | ({"resolved_question": self.resolved_question} if self.resolved_question else {})


def point_mrkdwn(point: Point, *, bullet: str = "• ") -> str:
    """One point as a Slack mrkdwn bullet (the lead: a plain paragraph) with its source numbers,
    its items indented below."""
    marks = "".join(f" [{n}]" for n in point.citations)
    lines = [f"{bullet}{point.text}{marks}"]
    lines += [f"{LIST_INDENT}◦ {item}" for item in point.items]
    if point.more:
        lines.append(f"{LIST_INDENT}◦ …")
    return "\n".join(lines)


def point_dict(point: Point) -> dict[str, Any]:
    """JSON form of a point."""
    return {"text": point.text, "citations": list(point.citations), "items": list(point.items)}
