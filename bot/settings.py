"""Typed configuration: one `Settings` object read from the environment (and `.env`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class Settings(BaseSettings):
    """All of hirebot's configuration. Env vars use the `HIREBOT_` prefix, Slack's their usual names."""

    model_config = SettingsConfigDict(
        env_prefix="HIREBOT_", env_file=".env", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Field(
        Path(".hirebot"), description="Embedded Chroma index, state DB and Slack event inbox."
    )
    knowledge_dir: Path = Field(Path("knowledge"), description="Default documents to ingest.")
    chroma_url: str | None = Field(None, description="Chroma server URL; unset = embedded store.")
    collection: str = Field("hirebot_knowledge", description="Chroma collection name.")
    redis_url: str | None = Field(
        None, description="Redis URL for state and the Slack event inbox; unset = SQLite."
    )

    slack_bot_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("SLACK_BOT_TOKEN", "HIREBOT_SLACK_BOT_TOKEN"),
        description="Slack bot token (`xoxb-…`); unset: no Slack, `make run` opens the terminal chat",
    )
    slack_signing_secret: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "HIREBOT_SLACK_SIGNING_SECRET"),
        description="Slack signing secret, to verify requests in HTTP mode",
    )
    slack_app_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("SLACK_APP_TOKEN", "HIREBOT_SLACK_APP_TOKEN"),
        description="Slack app-level token (`xapp-…`); set: Socket Mode, unset: HTTP mode",
    )
    slack_api_url: str = Field(
        DEFAULT_SLACK_API_URL,
        validation_alias=AliasChoices("SLACK_API_URL", "HIREBOT_SLACK_API_URL"),
        description="Base URL of the Slack Web API (a local fake in tests).",
    )

    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint.")
    llm_model: str | None = Field(None, description="Model name at that endpoint.")
    llm_api_key: SecretStr | None = Field(None, description="API key for that endpoint.")
    llm_timeout_s: float = Field(20.0, description="Seconds before falling back to extractive.")

    top_k: int = Field(5, ge=1, le=20, description="Chunks retrieved per question.")
    chunk_size: int = Field(900, ge=200, le=4000, description="Target chunk size in characters.")
    chunk_overlap: int = Field(120, ge=0, le=1000, description="Chunk overlap in characters.")
    max_question_chars: int = Field(1500, ge=50, description="Longer questions are refused.")
    state_ttl_s: int = Field(7 * 24 * 3600, description="How long conversation state is kept.")
    walkthrough_ttl_s: int = Field(2 * 3600, description="Idle time before a walkthrough expires.")

    event_lease_s: float = Field(
        30.0,
        gt=0,
        description="Seconds after which an acknowledged Slack event whose replica stopped "
        "working on it (its process died) is taken over by another replica.",
    )
    answer_workers: int = Field(4, ge=1, le=64, description="Threads answering Slack messages.")
    answer_queue: int = Field(
        64,
        ge=0,
        description="Slack messages that may wait in the inbox (all replicas) beyond the answer "
        "threads; past that, new ones get a 'busy, ask again' reply.",
    )
    shutdown_grace_s: float = Field(
        20.0,
        ge=0,
        description="On SIGTERM/SIGINT, seconds answers in flight get to finish; the rest stay "
        "in the inbox for another replica (or the next start).",
    )
    slack_timeout_s: float = Field(
        15.0,
        gt=0,
        description="Seconds before a Slack Web API call counts as timed out (a reply whose "
        "post timed out is looked up before it is posted again).",
    )

    ingest_on_start: bool = Field(
        True, description="`serve` brings the index up to date with knowledge/ at start-up."
    )
    log_format: Literal["text", "json"] = Field("text", description="Log line format.")
    log_level: str = Field("INFO", description="Python logging level.")
    debug: bool = Field(False, description="Log message text (off by default).")
    record_questions: bool = Field(
        True, description="Log each question's outcome and votes for `hirebot gaps`."
    )
    admin_users: Annotated[frozenset[str], NoDecode] = Field(
        frozenset(), description="Comma-separated Slack user ids who see the gaps in the App Home."
    )
    escalation_channel: str | None = Field(
        None,
        description='Slack channel id where "Ask the recruiting team" posts a declined or '
        "partly covered question (and one whose answer got a 👎); invite hirebot to it. "
        "Unset: no escalation.",
    )

    @field_validator("admin_users", mode="before")
    @classmethod
    def _split_admin_users(cls, value: Any) -> Any:
        """'U1, U2' -> {'U1', 'U2'} (a list or set passes through)."""
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("escalation_channel", mode="before")
    @classmethod
    def _channel_id(cls, value: Any) -> Any:
        """' C0123 ' -> 'C0123'; an empty value means no escalation."""
        if isinstance(value, str):
            return value.strip() or None
        return value

    @property
    def chroma_path(self) -> Path:
        """Directory of the embedded Chroma store."""
        return self.data_dir / "chroma"

    @property
    def state_path(self) -> Path:
        """SQLite file of the default state store."""
        return self.data_dir / "state.sqlite3"

    @property
    def inbox_path(self) -> Path:
        """SQLite file of the Slack event inbox (without Redis)."""
        return self.data_dir / "inbox.sqlite3"

    @property
    def slack_enabled(self) -> bool:
        """True when a bot token is configured."""
        return self.slack_bot_token is not None

    @property
    def llm_enabled(self) -> bool:
        """True when an OpenAI-compatible endpoint and model are configured."""
        return bool(self.llm_base_url and self.llm_model)
