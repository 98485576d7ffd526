"""The routing eval: does every message reach the right route through the front door?

`evals/routing_dev.yaml` and `evals/routing_test.yaml` (two authors, neither saw the code, the
classifier's data or the other half) hold messages with the route a user expects: statement-form
and imperative questions (answer), described needs (recommendation), walkthrough requests,
greetings and thanks (acknowledgement), off-topic requests phrased "we need ..." and off-topic
turns inside on-topic threads (declined). Items may carry earlier messages of their thread.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bot.errors import ConfigError
from bot.evaluation import metrics
from bot.routing import ROUTES
from bot.types import ROLE_IDS

if TYPE_CHECKING:
    from bot.conversation import Conversations

ROUTING_FILES = ("routing_dev.yaml", "routing_test.yaml")
SPLITS = ("dev", "test")
ROUTE_LABELS: tuple[str, ...] = (*ROUTES, "error")
EVAL_USER = "eval"


@dataclass(frozen=True, slots=True)
class RoutingItem:
    """One message (after its thread's earlier messages) and the route it should take."""

    id: str
    split: str
    category: str
    message: str
    route: str
    thread: tuple[str, ...] = ()
    role: str | None = None
    facts: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class RoutingResult:
    """Where one item's message went, and what its reply carried."""

    item: RoutingItem
    route: str
    role: str | None
    fact_coverage: float
    answer: str

    @property
    def correct(self) -> bool:
        """The expected route was taken."""
        return self.route == self.item.route


def load_routing(path: Path) -> list[RoutingItem]:
    """Read and check one routing file; raise ConfigError naming the first problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    raw_items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(raw_items, list) or not raw_items:
        raise ConfigError(f"{path}: expected a list of items")
    items, seen = [], set()
    for n, raw in enumerate(raw_items):
        where = f"{path}: item {n + 1} ({raw.get('id', '?') if isinstance(raw, dict) else '?'})"
        if not isinstance(raw, dict) or not all(k in raw for k in ("id", "message", "route")):
            raise ConfigError(f"{where}: needs id, message and route")
        if raw["id"] in seen:
            raise ConfigError(f"{where}: duplicate id")
        seen.add(raw["id"])
        if raw["route"] not in ROUTES or raw.get("split") not in SPLITS:
            raise ConfigError(f"{where}: route must be one of {ROUTES}, split dev or test")
        role = raw.get("role")
        if role is not None and role not in ROLE_IDS:
            raise ConfigError(f"{where}: unknown role {role!r}")
        items.append(
            RoutingItem(
                id=str(raw["id"]),
                split=str(raw["split"]),
                category=str(raw.get("category", "")),
                message=str(raw["message"]),
                route=str(raw["route"]),
                thread=tuple(str(m) for m in raw.get("thread") or ()),
                role=role,
                facts=tuple(tuple(str(v) for v in f) for f in raw.get("facts") or ()),
            )
        )
    return items


def load_routing_sets(evals_dir: Path) -> list[RoutingItem]:
    """Every routing file present in `evals_dir` (dev and test halves)."""
    return [
        item
        for name in ROUTING_FILES
        if (evals_dir / name).exists()
        for item in load_routing(evals_dir / name)
    ]


def route_items(items: Sequence[RoutingItem], conversations: Conversations) -> list[RoutingResult]:
    """Send each item's thread, then its message, through the front door; record the route."""
    run = uuid.uuid4().hex[:8]
    results = []
    for item in items:
        thread = f"eval-routing:{run}:{item.id}"
        for earlier in item.thread:
            conversations.respond(conversation=thread, user=EVAL_USER, text=earlier)
        reply = conversations.respond(conversation=thread, user=EVAL_USER, text=item.message)
        answer = reply.answer
        coverage = 0.0
        if answer is not None and answer.grounded:
            coverage = metrics.fact_coverage(item.facts, answer.answer)
        results.append(
            RoutingResult(
                item=item,
                route=reply.route,
                role=answer.recommended_role if answer is not None else None,
                fact_coverage=coverage,
                answer=reply.text,
            )
        )
    return results


def summarize_routing(results: Sequence[RoutingResult]) -> dict[str, dict[str, Any]]:
    """Per split: accuracy (with its 95% interval), misroutes, the confusion matrix
    (expected x got), accuracy per category, fact coverage of the expected answers and the
    recommended role's accuracy."""
    out: dict[str, dict[str, Any]] = {}
    for split in SPLITS:
        rows = [r for r in results if r.item.split == split]
        if not rows:
            continue
        right = sum(r.correct for r in rows)
        low, high = metrics.wilson_interval(right, len(rows))
        answers = [r for r in rows if r.item.route == "answer" and r.item.facts]
        picks = [r for r in rows if r.item.route == "recommendation" and r.item.role]
        categories = Counter(r.item.category for r in rows)
        out[split] = {
            "accuracy": right / len(rows),
            "accuracy_ci": [round(low, 3), round(high, 3)],
            "misroutes": float(len(rows) - right),
            "items": float(len(rows)),
            "answer_fact_coverage": (
                sum(r.fact_coverage for r in answers) / len(answers) if answers else 1.0
            ),
            "role_accuracy": (
                sum(r.role == r.item.role for r in picks) / len(picks) if picks else 1.0
            ),
            "by_category": {
                c: sum(r.correct for r in rows if r.item.category == c) / n
                for c, n in sorted(categories.items())
            },
            "confusion": metrics.confusion_matrix(
                [(r.item.route, r.route) for r in rows], ROUTE_LABELS
            ),
            "misrouted": [
                {
                    "id": r.item.id,
                    "message": r.item.message,
                    "expected": r.item.route,
                    "got": r.route,
                }
                for r in rows
                if not r.correct
            ],
        }
    return out
