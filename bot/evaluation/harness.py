"""Offline evaluation over the fixed sets in `evals/`: retrieval, answers, roles, latency, gates."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml

from bot.answering.qa import QuestionAnswerer
from bot.answering.retrieval import HybridRetriever, Mode
from bot.conversation import Conversations, Reply
from bot.errors import ConfigError
from bot.evaluation import metrics
from bot.evaluation.routing import (
    RoutingItem,
    RoutingResult,
    route_items,
    summarize_routing,
)
from bot.gaps.question_log import QuestionLog
from bot.types import ROLE_IDS, Answer

EVAL_USER = "eval"

# Retriever baselines (extractive answers); "generated" = hybrid retrieval + the configured LLM.
EvalMode = Literal["lexical", "dense", "hybrid", "generated"]
MODES: tuple[EvalMode, ...] = ("lexical", "dense", "hybrid")
GENERATED: EvalMode = "generated"
MODE_LABELS = {
    "lexical": "BM25 only",
    "dense": "dense only",
    "hybrid": "hybrid (RRF)",
    "generated": "hybrid + LLM",
}
TOPICS = frozenset(
    "pay skills tools responsibilities interviews red-flags job-descriptions industries faq "
    "role-differences deciding market outlook out-of-scope".split()
)


@dataclass(frozen=True, slots=True)
class QAItem:
    """One question of the fixed set."""

    id: str
    question: str
    topic: str
    in_scope: bool
    sources: tuple[tuple[str, ...], ...]
    facts: tuple[tuple[str, ...], ...]
    split: str = ""
    tags: tuple[str, ...] = ()
    uncovered: tuple[str, ...] = ()
    # what the first words of the answer must hold (default: any of `facts`)
    lead_facts: tuple[tuple[str, ...], ...] = ()

    @property
    def leading_facts(self) -> tuple[tuple[str, ...], ...]:
        """The facts an answer should lead with."""
        return self.lead_facts or self.facts


SPLITS = ("dev", "test")
LEAD_WORDS = 35


@dataclass(frozen=True, slots=True)
class RoleItem:
    """One labelled hiring situation."""

    id: str
    situation: str
    role: str
    ambiguous: bool = False
    alternatives: tuple[str, ...] = ()


def load_qa(path: Path, *, topics: frozenset[str] | None = TOPICS) -> list[QAItem]:
    """Read and validate a Q&A set (`evals/qa.yaml`, or `evals/realistic_qa.yaml` with its
    dev/test `split`, `tags` and `uncovered` terms; `topics=None` accepts any topic); raise
    ConfigError naming the first problem."""
    data = _load_yaml(path)
    items, seen = [], set()
    for n, raw in enumerate(data.get("items") or []):
        where = f"{path}: item {n + 1} ({raw.get('id', '?')})"
        _require(raw, ("id", "question", "topic", "in_scope"), where)
        if raw["in_scope"]:
            _require(raw, ("sources", "facts"), where)
        if raw["id"] in seen:
            raise ConfigError(f"{where}: duplicate id")
        seen.add(raw["id"])
        if topics is not None and raw["topic"] not in topics:
            raise ConfigError(f"{where}: unknown topic {raw['topic']!r}")
        if raw.get("split", "") not in ("", *SPLITS):
            raise ConfigError(f"{where}: split must be dev or test")
        sources = tuple(tuple(str(d) for d in group) for group in raw.get("sources") or [])
        facts = tuple(tuple(str(v) for v in fact) for fact in raw.get("facts") or [])
        if bool(raw["in_scope"]) != bool(sources):
            raise ConfigError(f"{where}: in-scope items need sources, out-of-scope items none")
        if any(not group for group in sources) or any(not fact for fact in facts):
            raise ConfigError(f"{where}: empty source group or fact")
        items.append(
            QAItem(
                id=str(raw["id"]),
                question=str(raw["question"]),
                topic=str(raw["topic"]),
                in_scope=bool(raw["in_scope"]),
                sources=sources,
                facts=facts,
                split=str(raw.get("split", "")),
                tags=tuple(str(t) for t in raw.get("tags") or ()),
                uncovered=tuple(str(t) for t in raw.get("uncovered") or ()),
            )
        )
    if not items:
        raise ConfigError(f"{path}: no items")
    return items


def load_leads(path: Path) -> list[QAItem]:
    """Read `evals/leads.yaml`: questions with the facts their first sentence must hold
    (`lead_facts`) and the further facts a complete answer holds."""
    data = _load_yaml(path)
    items, seen = [], set()
    for n, raw in enumerate(data.get("items") or []):
        where = f"{path}: item {n + 1} ({raw.get('id', '?')})"
        _require(raw, ("id", "split", "kind", "question", "sources", "lead_facts"), where)
        if raw["id"] in seen or raw["split"] not in SPLITS:
            raise ConfigError(f"{where}: duplicate id or split not dev/test")
        seen.add(raw["id"])
        lead = tuple(tuple(str(v) for v in fact) for fact in raw["lead_facts"] or [])
        more = tuple(tuple(str(v) for v in fact) for fact in raw.get("facts") or [])
        if not lead or any(not fact for fact in (*lead, *more)):
            raise ConfigError(f"{where}: needs lead_facts, and no empty fact")
        items.append(
            QAItem(
                id=str(raw["id"]),
                question=str(raw["question"]),
                topic=str(raw["kind"]),
                in_scope=True,
                sources=tuple(tuple(str(d) for d in group) for group in raw["sources"]),
                facts=lead + more,
                split=str(raw["split"]),
                lead_facts=lead,
            )
        )
    return items


def load_roles(path: Path) -> list[RoleItem]:
    """Read and validate `evals/roles.yaml`."""
    data = _load_yaml(path)
    items, seen = [], set()
    for n, raw in enumerate(data.get("items") or []):
        where = f"{path}: item {n + 1} ({raw.get('id', '?')})"
        _require(raw, ("id", "situation", "role"), where)
        if raw["id"] in seen:
            raise ConfigError(f"{where}: duplicate id")
        seen.add(raw["id"])
        alternatives = tuple(str(a) for a in raw.get("alternatives") or ())
        if raw["role"] not in ROLE_IDS or any(a not in ROLE_IDS for a in alternatives):
            raise ConfigError(f"{where}: unknown role")
        items.append(
            RoleItem(
                id=str(raw["id"]),
                situation=str(raw["situation"]),
                role=str(raw["role"]),
                ambiguous=bool(raw.get("ambiguous", False)),
                alternatives=alternatives,
            )
        )
    return items


@dataclass(frozen=True, slots=True)
class ConversationTurn:
    """One message of a thread; follow-ups carry their self-contained rewrite and facts."""

    question: str
    rewrite: str = ""
    new_topic: bool = False
    facts: tuple[tuple[str, ...], ...] = ()
    # other ways a user would type the same follow-up in that thread
    paraphrases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ConversationItem:
    """A two- or three-turn thread of `evals/conversations.yaml`."""

    id: str
    split: str
    kind: str
    turns: tuple[ConversationTurn, ...]


def load_conversations(path: Path) -> list[ConversationItem]:
    """Read and validate `evals/conversations.yaml`."""
    data = _load_yaml(path)
    items: list[ConversationItem] = []
    seen: set[str] = set()
    for n, raw in enumerate(data.get("items") or []):
        where = f"{path}: item {n + 1} ({raw.get('id', '?')})"
        _require(raw, ("id", "split", "kind", "turns"), where)
        if raw["id"] in seen or raw["split"] not in SPLITS:
            raise ConfigError(f"{where}: duplicate id or split not dev/test")
        seen.add(raw["id"])
        turns = []
        for t, turn in enumerate(raw["turns"] or []):
            _require(turn, ("question",), f"{where} turn {t + 1}")
            if t > 0:
                _require(turn, ("rewrite", "facts"), f"{where} turn {t + 1}")
            turns.append(
                ConversationTurn(
                    question=str(turn["question"]),
                    rewrite=str(turn.get("rewrite", "")),
                    new_topic=bool(turn.get("new_topic", False)),
                    facts=tuple(tuple(str(v) for v in f) for f in turn.get("facts") or ()),
                    paraphrases=tuple(str(p) for p in turn.get("paraphrases") or ()),
                )
            )
        if len(turns) < 2:
            raise ConfigError(f"{where}: a conversation needs at least two turns")
        items.append(ConversationItem(str(raw["id"]), raw["split"], str(raw["kind"]), tuple(turns)))
    return items


def evaluate_conversations(
    items: Sequence[ConversationItem], conversations: Conversations
) -> dict[str, dict[str, float]]:
    """Per split: the facts a follow-up's reply carries, beside the facts its self-contained
    rewrite gets when asked alone, and how often a genuine topic change inherited context."""
    run = uuid.uuid4().hex[:8]
    out: dict[str, dict[str, float]] = {}
    rewrites: dict[str, Answer] = {}  # a rewrite asked on its own always gets the same answer
    for split in SPLITS:
        followed, alone, changes, inherited = [], [], 0, 0
        in_split = [i for i in items if i.split == split]
        conversations.qa.prepare([t for i in in_split for t in _texts(i, phrasings=False)])
        for item in in_split:
            thread = f"eval:{run}:{item.id}"
            for n, turn in enumerate(item.turns):
                answer = _ask(conversations, turn.question, thread)
                if n == 0:
                    continue
                if turn.rewrite not in rewrites:
                    rewrites[turn.rewrite] = _ask(conversations, turn.rewrite, None)
                followed.append(_coverage(turn.facts, answer))
                alone.append(_coverage(turn.facts, rewrites[turn.rewrite]))
                if turn.new_topic:
                    changes += 1
                    inherited += answer.resolved_question is not None
        if not followed:
            continue
        follow, rewrite_mean = sum(followed) / len(followed), sum(alone) / len(alone)
        out[split] = {
            "followup_fact_coverage": follow,
            "rewrite_fact_coverage": rewrite_mean,
            "coverage_ratio": follow / rewrite_mean if rewrite_mean else 1.0,
            "topic_changes": float(changes),
            "topic_changes_inherited": float(inherited),
            "followups": float(len(followed)),
        }
    return out


def evaluate_threads(
    items: Sequence[ConversationItem], conversations: Conversations
) -> dict[str, dict[str, float]]:
    """Per split, for threads of any length (evals/threads_*.yaml): the follow-ups' fact
    coverage beside their rewrites', overall and per turn, the same with every follow-up typed
    in each of its other phrasings, and topic changes that inherited context."""
    run = uuid.uuid4().hex[:8]
    alone: dict[str, float] = {}  # each rewrite asked on its own, once
    out: dict[str, dict[str, float]] = {}
    for split in SPLITS:
        threads = [i for i in items if i.split == split]
        if not threads:
            continue
        conversations.qa.prepare([t for i in threads for t in _texts(i, phrasings=True)])
        per_turn: dict[int, list[tuple[float, float]]] = {}
        phrased: list[tuple[float, float]] = []
        changes = inherited = 0
        for item in threads:
            versions = 1 + min(len(t.paraphrases) for t in item.turns[1:])
            for version in range(versions):
                thread = f"eval-threads:{run}:{item.id}:{version}"
                for n, turn in enumerate(item.turns):
                    text = (
                        turn.question if version == 0 or n == 0 else turn.paraphrases[version - 1]
                    )
                    answer = _ask(conversations, text, thread)
                    if n == 0:
                        continue
                    if turn.rewrite not in alone:
                        alone[turn.rewrite] = _coverage(
                            turn.facts, _ask(conversations, turn.rewrite, None)
                        )
                    pair = (_coverage(turn.facts, answer), alone[turn.rewrite])
                    if version == 0:
                        per_turn.setdefault(n + 1, []).append(pair)
                        if turn.new_topic:
                            changes += 1
                            inherited += answer.resolved_question is not None
                    else:
                        phrased.append(pair)
        every = [p for pairs in per_turn.values() for p in pairs]
        summary = {
            "coverage_ratio": _ratio(every),
            "paraphrase_ratio": _ratio(phrased),
            "topic_changes": float(changes),
            "topic_changes_inherited": float(inherited),
            "followups": float(len(every)),
        }
        for turn_number, pairs in sorted(per_turn.items()):
            summary[f"ratio_turn{turn_number}"] = _ratio(pairs)
        out[split] = summary
    return out


def _ratio(pairs: Sequence[tuple[float, float]]) -> float:
    """Mean follow-up coverage over mean rewrite coverage (1 when the rewrites get nothing)."""
    if not pairs:
        return 0.0
    followed = sum(p[0] for p in pairs) / len(pairs)
    alone = sum(p[1] for p in pairs) / len(pairs)
    return followed / alone if alone else 1.0


def _texts(item: ConversationItem, *, phrasings: bool) -> list[str]:
    """Every message a thread's evaluation sends: its turns, their rewrites and (with
    `phrasings`) their other phrasings (embedded ahead in one batch, see `prepare`)."""
    out = []
    for turn in item.turns:
        out += [turn.question, turn.rewrite, *(turn.paraphrases if phrasings else ())]
    return [t for t in out if t]


def _ask(conversations: Conversations, text: str, conversation: str | None) -> Answer:
    reply = conversations.respond(conversation=conversation, user=EVAL_USER, text=text)
    return answer_of(reply)


def _coverage(facts: Sequence[Sequence[str]], answer: Answer) -> float:
    return metrics.fact_coverage(facts, answer.answer) if answer.grounded else 0.0


def load_thresholds(path: Path) -> dict[str, dict[str, float]]:
    """Read `evals/thresholds.yaml`: {'min': {metric: value}, 'max': {metric: value}}."""
    data = _load_yaml(path)
    return {
        "min": {str(k): float(v) for k, v in (data.get("min") or {}).items()},
        "max": {str(k): float(v) for k, v in (data.get("max") or {}).items()},
    }


@dataclass
class QuestionResult:
    """Per-question outcome for one retriever mode."""

    item: QAItem
    mode: str
    docs: list[str]
    grounded: bool
    answer: str
    cited: list[str]
    recall: dict[int, float]
    rr: float
    ndcg5: float
    context_facts: float
    answer_facts: float
    citation_ok: bool
    groundedness: float
    latency_ms: float
    note: str = ""
    uncovered: tuple[str, ...] = ()
    # an expected fact within the first LEAD_WORDS words a reader sees
    lead_fact: bool = False
    # facts in the retrieved passages, and those of them the answer does not show
    retrieved_facts: int = 0
    retrieved_not_shown: int = 0

    @property
    def failures(self) -> list[str]:
        """Why this question counts as a failure (empty when it passed)."""
        out = []
        if self.item.in_scope:
            if not self.grounded:
                out.append(f"declined an in-scope question ({self.note})")
            else:
                if self.recall[5] < 1.0:
                    out.append("gold document not in the top 5")
                if self.answer_facts < 1.0:
                    out.append(f"answer has {self.answer_facts:.0%} of key facts")
                if not self.citation_ok:
                    out.append("no gold document cited")
        elif self.grounded:
            out.append("answered an out-of-scope question")
        return out


@dataclass
class EvalResult:
    """Everything one `hirebot eval` run measured."""

    questions: dict[str, list[QuestionResult]] = field(default_factory=dict)
    summary: dict[str, dict[str, float]] = field(default_factory=dict)
    roles: dict[str, Any] = field(default_factory=dict)
    # the conversation set's halves: follow-up vs rewrite fact coverage, topic changes inherited
    conversations: dict[str, dict[str, float]] = field(default_factory=dict)
    # the realistic set's halves ('dev', 'test'), answered by the hybrid retriever
    realistic: dict[str, dict[str, float]] = field(default_factory=dict)
    realistic_questions: dict[str, list[QuestionResult]] = field(default_factory=dict)
    # the fixed set's halves (qa.yaml `split`), hybrid retriever: dev (tuned on), test (held out)
    qa_splits: dict[str, dict[str, float]] = field(default_factory=dict)
    # the lead set's halves (leads.yaml): does the answer lead with the answer?
    leads: dict[str, dict[str, float]] = field(default_factory=dict)
    lead_questions: dict[str, list[QuestionResult]] = field(default_factory=dict)
    # threads of any length (threads_*.yaml) per half: coverage ratio per turn, paraphrases
    threads: dict[str, dict[str, float]] = field(default_factory=dict)
    # the routing set's halves: accuracy, misroutes, confusion matrix
    routing: dict[str, dict[str, Any]] = field(default_factory=dict)
    routing_results: list[RoutingResult] = field(default_factory=list)
    seconds: float = 0.0

    def metric(self, name: str) -> float | None:
        """Look up 'hybrid.recall@5'-style names ('roles.accuracy', 'realistic_test.…')."""
        group, _, key = name.partition(".")
        if group.startswith("conversations_"):
            return self.conversations.get(group.removeprefix("conversations_"), {}).get(key)
        if group.startswith("realistic_"):
            return self.realistic.get(group.removeprefix("realistic_"), {}).get(key)
        if group.startswith("threads_"):
            return self.threads.get(group.removeprefix("threads_"), {}).get(key)
        if group.startswith("leads_"):
            return self.leads.get(group.removeprefix("leads_"), {}).get(key)
        if group.startswith("qa_"):
            return self.qa_splits.get(group.removeprefix("qa_"), {}).get(key)
        if group.startswith("routing_"):
            value = self.routing.get(group.removeprefix("routing_"), {}).get(key)
            return float(value) if isinstance(value, int | float) else None
        if group == "roles":
            value = self.roles.get(key)
            return float(value) if isinstance(value, int | float) else None
        return self.summary.get(group, {}).get(key)


def answer_of(reply: Reply) -> Answer:
    """The answer behind a reply; an acknowledgement, walkthrough or error counts as a reply
    that answered nothing from the sources."""
    if reply.answer is not None:
        return reply.answer
    return Answer(question=reply.question, text=reply.text, grounded=False, note=reply.route)


def evaluate_questions(
    items: Sequence[QAItem], conversations: Conversations, mode: str
) -> tuple[list[QuestionResult], dict[str, float]]:
    """Send every question through the front door (`Conversations.respond`, as every surface
    does) and score retrieval and answers."""
    results = []
    for item in items:
        started = time.perf_counter()
        answer = answer_of(
            conversations.respond(conversation=None, user=EVAL_USER, text=item.question)
        )
        latency = (time.perf_counter() - started) * 1000
        docs = [h.chunk.source for h in answer.hits]
        cited = [s.source for s in answer.sources]
        gold = {d for g in item.sources for d in g}
        results.append(
            QuestionResult(
                item=item,
                mode=mode,
                docs=docs,
                grounded=answer.grounded,
                answer=answer.answer,
                cited=cited,
                recall={k: metrics.recall_at_k(docs, item.sources, k) for k in (1, 3, 5)},
                rr=metrics.reciprocal_rank(docs, item.sources),
                ndcg5=metrics.ndcg_at_k(docs, item.sources, 5),
                context_facts=metrics.fact_coverage(item.facts, "\n".join(answer.contexts)),
                answer_facts=metrics.fact_coverage(item.facts, answer.answer)
                if answer.grounded
                else 0.0,
                citation_ok=bool(gold & set(cited)),
                groundedness=metrics.grounded_share(answer.answer, answer.contexts)
                if answer.grounded
                else 1.0,
                latency_ms=latency,
                note=answer.note,
                uncovered=tuple(answer.uncovered),
                lead_fact=answer.grounded
                and any(
                    metrics.fact_present(f, metrics.first_words(answer.answer, LEAD_WORDS))
                    for f in item.leading_facts
                ),
                retrieved_facts=len(retrieved := _retrieved(item, answer)),
                retrieved_not_shown=sum(
                    not (answer.grounded and metrics.fact_present(f, answer.answer))
                    for f in retrieved
                ),
            )
        )
    return results, summarize(results)


def _retrieved(item: QAItem, answer: Answer) -> list[tuple[str, ...]]:
    """The item's facts that the retrieved passages hold."""
    context = "\n".join(answer.contexts)
    return [f for f in item.facts if metrics.fact_present(f, context)]


def summarize(results: Sequence[QuestionResult]) -> dict[str, float]:
    """Aggregate per-question results into the metrics the gates and the README use."""
    inside = [r for r in results if r.item.in_scope]
    outside = [r for r in results if not r.item.in_scope]
    answered = [r for r in inside if r.grounded]

    def mean(values: Sequence[float]) -> float:
        return float(sum(values) / len(values)) if values else 0.0

    latencies = [r.latency_ms for r in results]
    lengths = [len(r.answer) for r in answered]
    words = [len(r.answer.split()) for r in answered]
    leads = sum(r.lead_fact for r in inside)
    retrieved = sum(r.retrieved_facts for r in inside)
    not_shown = sum(r.retrieved_not_shown for r in inside)
    lead_low, lead_high = metrics.wilson_interval(leads, len(inside))
    return {
        "lead_fact": leads / len(inside) if inside else 0.0,
        "lead_fact_low": lead_low,
        "lead_fact_high": lead_high,
        "retrieved_not_shown": not_shown / retrieved if retrieved else 0.0,
        "recall@1": mean([r.recall[1] for r in inside]),
        "recall@3": mean([r.recall[3] for r in inside]),
        "recall@5": mean([r.recall[5] for r in inside]),
        "mrr": mean([r.rr for r in inside]),
        "ndcg@5": mean([r.ndcg5 for r in inside]),
        "context_fact_recall": mean([r.context_facts for r in inside]),
        "answer_fact_coverage": mean([r.answer_facts for r in inside]),
        "citation_correctness": mean([float(r.citation_ok) for r in answered]),
        "groundedness": mean([r.groundedness for r in answered]),
        "decline_accuracy": mean([float(not r.grounded) for r in outside]),
        "answer_fact_coverage_low": _mean_interval([r.answer_facts for r in inside])[0],
        "answer_fact_coverage_high": _mean_interval([r.answer_facts for r in inside])[1],
        "false_decline_rate": mean([float(not r.grounded) for r in inside]),
        "answer_chars_mean": mean([float(n) for n in lengths]),
        "answer_chars_p95": metrics.percentile(lengths, 95),
        "answer_words_median": metrics.percentile(words, 50),
        "latency_p50_ms": metrics.percentile(latencies, 50),
        "latency_p95_ms": metrics.percentile(latencies, 95),
        "questions": float(len(results)),
    }


def _mean_interval(values: Sequence[float]) -> tuple[float, float]:
    """95% interval of a mean of per-item shares (normal approximation, clipped to 0..1)."""
    if len(values) < 2:
        return (0.0, 1.0)
    array = np.asarray(values, dtype=float)
    half = 1.96 * float(array.std(ddof=1)) / np.sqrt(len(array))
    mean = float(array.mean())
    return (max(0.0, mean - half), min(1.0, mean + half))


def summarize_realistic(results: Sequence[QuestionResult]) -> dict[str, float]:
    """The realistic set's metrics: the general ones, plus off-topic questions answered and how
    well the "not covered" note names the terms the item lists as uncovered."""
    out = summarize(results)
    out["off_topic_answered"] = 1.0 - out["decline_accuracy"]
    flagged = [r for r in results if r.item.in_scope and r.grounded and r.item.uncovered]
    named = [
        any(t.lower() in " ".join(r.uncovered).lower() for t in r.item.uncovered) for r in flagged
    ]
    out["uncovered_noted"] = sum(named) / len(named) if named else 1.0
    return out


def evaluate_realistic(
    items: Sequence[QAItem], conversations: Conversations
) -> tuple[dict[str, list[QuestionResult]], dict[str, dict[str, float]]]:
    """Ask the realistic set once (hybrid) and summarise its dev and test halves separately."""
    results, _ = evaluate_questions(items, conversations, "hybrid")
    by_split = {s: [r for r in results if r.item.split == s] for s in SPLITS}
    return by_split, {s: summarize_realistic(rs) for s, rs in by_split.items() if rs}


def role_split_metrics(
    items: Sequence[RoleItem], predictions: Sequence[tuple[dict[str, float], bool]]
) -> dict[str, Any]:
    """Accuracy, calibration (Brier, ECE, reliability table) and confusion on the clear items, and
    acceptable/flagged rates on the ambiguous ones, from (role probabilities, flagged ambiguous)
    per item."""
    clear_probs, clear_labels, confidences, correct = [], [], [], []
    pairs, misses = [], []
    acceptable = flagged = clear_flagged = 0
    for item, (scores, is_ambiguous) in zip(items, predictions, strict=True):
        role = max(ROLE_IDS, key=lambda r: scores.get(r, 0.0))
        if item.ambiguous:
            acceptable += role in (item.role, *item.alternatives)
            flagged += is_ambiguous
            continue
        clear_flagged += is_ambiguous
        clear_probs.append([scores.get(r, 0.0) for r in ROLE_IDS])
        clear_labels.append(ROLE_IDS.index(item.role))
        confidences.append(scores[role])
        correct.append(role == item.role)
        pairs.append((item.role, role))
        if role != item.role:
            misses.append(
                {"id": item.id, "situation": item.situation, "expected": item.role, "got": role}
            )
    n_clear, n_unclear = len(pairs), len(items) - len(pairs)
    return {
        "accuracy": sum(correct) / n_clear if n_clear else 0.0,
        "brier": metrics.brier_score(
            np.asarray(clear_probs).reshape(-1, len(ROLE_IDS)), clear_labels
        ),
        "ece": metrics.expected_calibration_error(confidences, correct),
        "reliability": metrics.reliability_table(confidences, correct),
        "clear_flagged": clear_flagged / n_clear if n_clear else 0.0,
        "ambiguous_acceptable": acceptable / n_unclear if n_unclear else 1.0,
        "ambiguous_flagged": flagged / n_unclear if n_unclear else 1.0,
        "items": len(items),
        "clear": n_clear,
        "ambiguous": n_unclear,
        "confusion": metrics.confusion_matrix(pairs, ROLE_IDS),
        "misses": misses,
    }


# The role-recommendation splits `hirebot eval` reports, in order, with what each one is.
ROLE_SPLITS = {
    "train_cv": "training set, 5-fold cross-validation (each situation predicted by a model "
    "fitted and calibrated without it)",
    "dev": "dev set (evals/roles_holdout.yaml, another author): used to choose features and "
    "hyper-parameters, never fitted",
    "test": "test set (evals/roles_test.yaml, another author, written before training): never "
    "used to choose anything",
}
ROLE_GATED = ("accuracy", "brier", "ece", "ambiguous_acceptable", "ambiguous_flagged", "items")


def role_results(splits: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """`EvalResult.roles`: every split in full under "splits", plus flat `<split>_<metric>` numbers
    for the gates (e.g. roles.test_accuracy)."""
    out: dict[str, Any] = {"splits": splits}
    for name, split in splits.items():
        for key in ROLE_GATED:
            out[f"{name}_{key}"] = split[key]
    return out


def run_eval(
    qa_items: Sequence[QAItem],
    *,
    make_conversations: Callable[[EvalMode], Conversations],
    role_splits: Callable[[], dict[str, dict[str, Any]]] | None = None,
    modes: Sequence[EvalMode] = MODES,
    realistic_items: Sequence[QAItem] = (),
    conversation_items: Sequence[ConversationItem] = (),
    routing_items: Sequence[RoutingItem] = (),
    lead_items: Sequence[QAItem] = (),
    thread_items: Sequence[ConversationItem] = (),
    progress: Callable[[str], None] | None = None,
) -> EvalResult:
    """Run every retriever mode over the Q&A set (baselines in the same run) through the front
    door, then the realistic, lead, conversation, thread and routing sets (hybrid), then the
    role recommender's splits (train-CV, dev, test; see ROLE_SPLITS) when `role_splits` is
    given. `progress` hears a line as each step starts."""
    started = time.perf_counter()
    result = EvalResult()
    served: Conversations | None = None

    def step(what: str, count: int) -> None:
        if progress is not None:
            progress(f"{what} ({count}) … {time.perf_counter() - started:.0f}s so far")

    for mode in modes:
        conversations = make_conversations(mode)
        step(f"fixed questions, {MODE_LABELS.get(mode, mode)}", len(qa_items))
        # warm caches (lexical index, units) outside the timings
        conversations.respond(conversation=None, user=EVAL_USER, text=qa_items[0].question)
        result.questions[mode], result.summary[mode] = evaluate_questions(
            qa_items, conversations, mode
        )
        if mode == "hybrid":
            served = conversations
            result.qa_splits = {
                split: summarize([q for q in result.questions[mode] if q.item.split == split])
                for split in SPLITS
                if any(i.split == split for i in qa_items)
            }
    served = served or make_conversations("hybrid")
    if realistic_items:
        step("realistic questions", len(realistic_items))
        result.realistic_questions, result.realistic = evaluate_realistic(realistic_items, served)
    if lead_items:
        step("lead questions", len(lead_items))
        answered, _ = evaluate_questions(lead_items, served, "hybrid")
        result.lead_questions = {s: [r for r in answered if r.item.split == s] for s in SPLITS}
        result.leads = {s: summarize(rs) for s, rs in result.lead_questions.items() if rs}
    if conversation_items:
        step("follow-up threads", len(conversation_items))
        result.conversations = evaluate_conversations(conversation_items, served)
    if thread_items:
        step("threads of any length, with paraphrases", len(thread_items))
        result.threads = evaluate_threads(thread_items, served)
    if routing_items:
        step("routing", len(routing_items))
        result.routing_results = route_items(routing_items, served)
        result.routing = summarize_routing(result.routing_results)
    if role_splits is not None:
        step("role recommendation splits", 3)
        result.roles = role_results(role_splits())
    result.seconds = time.perf_counter() - started
    return result


def conversations_factory(base: Conversations) -> Callable[[EvalMode], Conversations]:
    """Front doors that differ from `base` only in their answerer's retriever mode (see
    `qa_factory`); they share its state and walkthroughs, and log no questions (an eval run
    must not show up in `hirebot gaps`)."""
    make_qa = qa_factory(base.qa)

    def make(mode: EvalMode) -> Conversations:
        return Conversations(
            make_qa(mode),
            base.state,
            ttl_s=base.ttl_s,
            dialog=base.dialog,
            questions=QuestionLog(base.state, ttl_s=base.ttl_s, enabled=False),
            condenser=base.condenser if mode == GENERATED else None,
            places=base.places,
            relations=base.relations,
        )

    return make


def qa_factory(base: QuestionAnswerer) -> Callable[[EvalMode], QuestionAnswerer]:
    """QuestionAnswerers that differ from `base` only in the retriever mode; only the
    "generated" mode uses `base`'s generator (the baselines stay extractive)."""

    def make(mode: EvalMode) -> QuestionAnswerer:
        retrieval: Mode = "hybrid" if mode == "generated" else mode
        retriever = HybridRetriever(
            base.retriever.store,
            base.retriever.embedder,
            config=base.retriever.config,
            mode=retrieval,
        )
        return QuestionAnswerer(
            retriever,
            base.store,
            classifier=base.classifier,
            english=base.english,
            top_k=base.top_k,
            max_question_chars=base.max_question_chars,
            composer=base.composer,
            scope=base.scope,
            generator=base.generator if mode == GENERATED else None,
            role_lead=base.role_lead,
            ranker=base.ranker,
        )

    return make


@dataclass(frozen=True, slots=True)
class GateFailure:
    """A metric on the wrong side of its threshold."""

    metric: str
    value: float | None
    bound: float
    kind: str

    def __str__(self) -> str:
        shown = "missing" if self.value is None else f"{self.value:.3f}"
        sign = ">=" if self.kind == "min" else "<="
        return f"{self.metric} = {shown}, needs {sign} {self.bound:.3f}"


def check_gates(result: EvalResult, thresholds: dict[str, dict[str, float]]) -> list[GateFailure]:
    """Every threshold the result misses."""
    failures = []
    for kind, bounds in thresholds.items():
        for name, bound in bounds.items():
            value = result.metric(name)
            bad = value is None or (value < bound if kind == "min" else value > bound)
            if bad:
                failures.append(GateFailure(name, value, bound, kind))
    return failures


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def _require(raw: Any, keys: Sequence[str], where: str) -> None:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: not a mapping")
    missing = [k for k in keys if k not in raw]
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(missing)}")
