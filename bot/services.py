"""The composition root: build every long-lived object once from `Settings`."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from bot.answering.classify import QuestionClassifier
from bot.answering.generation import (
    AnswerGenerator,
    QuestionCondenser,
    build_chain,
    build_condense_chain,
    chat_model,
)
from bot.answering.places import PlaceFinder
from bot.answering.qa import QuestionAnswerer
from bot.answering.ranker import DEFAULT_ARTIFACT as RANKER_ARTIFACT
from bot.answering.ranker import SentenceRanker
from bot.answering.retrieval import HybridRetriever
from bot.answering.spelling import english_words
from bot.conversation import Conversations
from bot.errors import ConfigError
from bot.gaps.grouping import GapFinder, GapGroup, GapReport
from bot.gaps.question_log import QuestionLog
from bot.indexing.ingestion import IngestReport, ingest
from bot.roles.brief import BriefBuilder
from bot.roles.dialog import RoleDialog
from bot.roles.lead import RoleLead
from bot.roles.recommender import RoleRecommender
from bot.settings import Settings
from bot.stores.embeddings import Embedder, bundled_model_path, load_embedder
from bot.stores.state import StateStore, open_state_store
from bot.stores.vectors import ChromaStore, chroma_client

# The Slack app names GapGroup and StateStore (imported above) through this module.
logger = logging.getLogger(__name__)
HOME_GAP_WINDOW_S = 7 * 24 * 3600
HOME_GAP_GROUPS = 5


@dataclass
class Services:
    """Everything the CLI and the Slack app need, built once per process (or per test)."""

    settings: Settings
    embedder: Embedder
    store: ChromaStore
    retriever: HybridRetriever
    qa: QuestionAnswerer
    state: StateStore
    conversations: Conversations
    roles: RoleDialog

    def ingest(
        self, paths: list[Path] | None = None, *, progress: bool | None = None
    ) -> IngestReport:
        """Incrementally (re)index `paths` (default: the knowledge directory)."""
        return ingest(
            paths or [self.settings.knowledge_dir],
            store=self.store,
            embedder=self.embedder,
            chunk_size=self.settings.chunk_size,
            chunk_overlap=self.settings.chunk_overlap,
            progress=progress,
            topics=self.qa.classifier,
        )

    def ensure_index(self) -> IngestReport | None:
        """Build the index from the knowledge directory when it is empty."""
        if self.store.count() > 0 or not self.settings.knowledge_dir.is_dir():
            return None
        logger.info("index is empty: ingesting %s", self.settings.knowledge_dir)
        return self.ingest()

    def knowledge_stats(self) -> dict[str, Any]:
        """Counts for the App Home and readiness checks."""
        return {
            "chunks": self.store.count(),
            "documents": len(self.store.source_hashes()),
            "feedback": self.state.feedback_counts(),
        }

    @property
    def questions(self) -> QuestionLog:
        """The question log (every question's outcome and votes), shared with conversations."""
        return self.conversations.questions

    @cached_property
    def gap_finder(self) -> GapFinder:
        """Groups logged gap questions (built on first use; caches question embeddings)."""
        return GapFinder(self.embedder, self.retriever)

    def gaps(self, *, since_s: float) -> GapReport:
        """The knowledge-gap report over the last `since_s` seconds."""
        now = time.time()
        return self.gap_finder.report(self.questions.since(now - since_s), since_s=since_s, now=now)

    def home_gaps(self, user: str) -> list[GapGroup] | None:
        """The top gap groups of the last 7 days for an admin's App Home; None for other users."""
        if user not in self.settings.admin_users:
            return None
        return self.gaps(since_s=HOME_GAP_WINDOW_S).groups[:HOME_GAP_GROUPS]


def _llm(settings: Settings) -> Any:
    assert settings.llm_base_url and settings.llm_model
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return chat_model(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=key,
        timeout_s=settings.llm_timeout_s,
    )


def build_generator(settings: Settings) -> AnswerGenerator | None:
    """A LangChain chat chain for the configured OpenAI-compatible endpoint, or None."""
    if not settings.llm_enabled:
        return None
    return AnswerGenerator(build_chain(_llm(settings)), name=settings.llm_model or "llm")


def build_condenser(settings: Settings) -> QuestionCondenser | None:
    """The model that condenses follow-ups into standalone questions, or None (rules only)."""
    return QuestionCondenser(build_condense_chain(_llm(settings))) if settings.llm_enabled else None


def load_ranker() -> SentenceRanker | None:
    """The committed sentence ranker (None, with a warning, until one is trained)."""
    try:
        return SentenceRanker.load(RANKER_ARTIFACT)
    except ConfigError as exc:
        logger.warning("sentences ranked by similarity only: %s", exc)
        return None


def build_services(settings: Settings, *, embedder: Embedder | None = None) -> Services:
    """Wire settings -> embedder -> Chroma store -> retriever -> question answerer."""
    embedder = embedder or load_embedder()
    store = ChromaStore(chroma_client(settings), settings.collection, embedder)
    retriever = HybridRetriever(store, embedder)
    recommender = RoleRecommender(store, embedder)
    qa = QuestionAnswerer(
        retriever,
        store,
        classifier=QuestionClassifier(embedder, cache_dir=settings.data_dir / "cache"),
        english=english_words(bundled_model_path() / "vocab.txt"),
        top_k=settings.top_k,
        max_question_chars=settings.max_question_chars,
        generator=build_generator(settings),
        role_lead=RoleLead(recommender),
        ranker=load_ranker(),
    )
    state = open_state_store(redis_url=settings.redis_url, sqlite_path=settings.state_path)
    roles = RoleDialog(
        state,
        recommender,
        BriefBuilder(qa),
        ttl_s=settings.walkthrough_ttl_s,
    )
    return Services(
        settings=settings,
        embedder=embedder,
        store=store,
        retriever=retriever,
        qa=qa,
        state=state,
        conversations=Conversations(
            qa,
            state,
            ttl_s=settings.state_ttl_s,
            dialog=roles,
            questions=QuestionLog(
                state, ttl_s=settings.state_ttl_s, enabled=settings.record_questions
            ),
            condenser=build_condenser(settings),
            places=PlaceFinder(embedder, lambda: qa.retriever.lexical_index().vocabulary),
        ),
        roles=roles,
    )
