"""A small tree of domain errors; each carries a message that is safe to show a user."""

from __future__ import annotations


class HirebotError(Exception):
    """Base class: `user_message` is safe to show; `str(err)` may hold detail for logs."""

    user_message = "Something went wrong on my side. Please try again in a moment."

    def __init__(self, detail: str = "", *, user_message: str | None = None) -> None:
        super().__init__(detail or user_message or self.user_message)
        if user_message is not None:
            self.user_message = user_message


class BadQuestion(HirebotError):
    """The question is empty, too long or otherwise unusable."""

    user_message = "Please ask a question."


class ConfigError(HirebotError):
    """Configuration is missing or invalid (tokens, URLs, paths)."""

    user_message = "hirebot is not configured correctly."


class IndexMissing(HirebotError):
    """The knowledge index is empty: nothing has been ingested yet."""

    user_message = "My knowledge index is empty. Ask the team that runs me to run `hirebot ingest`."


class StoreUnavailable(HirebotError):
    """The vector store or the state store cannot be reached."""

    user_message = "My knowledge store is unreachable right now. Please try again shortly."


class DocumentError(HirebotError):
    """A document cannot be read or holds no usable text."""
