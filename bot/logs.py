"""Logging: readable text or JSON lines, with Slack tokens and secrets always redacted."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Any

_MESSAGE_TEXT = re.compile(r"""(["']text["']\s*:\s*)(["'])(?:\\.|(?!\2).)*\2""")
_SECRET = re.compile(r"\b(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|sk-[A-Za-z0-9_-]{8,})")
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


def redact(text: str, secrets: tuple[str, ...] = (), *, message_text: bool = False) -> str:
    """Replace Slack/OpenAI-style tokens and known secret values with '[redacted]'; with
    `message_text`, also the "text" fields of payloads that libraries log (user messages)."""
    text = _SECRET.sub("[redacted]", text)
    if message_text:
        text = _MESSAGE_TEXT.sub(r"\1\2[redacted]\2", text)
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, "[redacted]")
    return text


class RedactingFilter(logging.Filter):
    """Redacts secrets from the formatted message and from extra fields."""

    def __init__(self, secrets: tuple[str, ...] = (), *, keep_text: bool = False) -> None:
        super().__init__()
        self.secrets = secrets
        self.keep_text = keep_text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.secrets, message_text=not self.keep_text)
        if clean != message:
            record.msg, record.args = clean, ()
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value, self.secrets))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


class TextFormatter(logging.Formatter):
    """Readable lines; `extra=` fields are appended as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        extras = {
            k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")
        }
        if extras:
            base += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        return base


def configure_logging(
    *, fmt: str = "text", level: str = "INFO", secrets: tuple[str, ...] = (), debug: bool = False
) -> None:
    """Route all logs to stderr in the chosen format; secrets are always redacted, message text
    unless `debug` is on."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RedactingFilter(secrets, keep_text=debug))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    handler.addFilter(_quiet_libraries)


_NOISY = (
    "httpx",
    "httpcore",
    "urllib3",
    "chromadb",
    "sentence_transformers",
    "transformers",
    "bm25s",
    "slack_bolt",
    "slack_sdk",
)


def _quiet_libraries(record: logging.LogRecord) -> bool:
    """Third-party libraries only get through at WARNING and above (some reset their own levels)."""
    return record.levelno >= logging.WARNING or not record.name.startswith(_NOISY)
