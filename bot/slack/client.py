"""The Slack Web API client: configurable base URL, retries on rate limits, and retries on
dropped connections only where a retry cannot post a message twice."""

from __future__ import annotations

import logging
from http.client import RemoteDisconnected
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.errors import ConfigError, HirebotError
from bot.settings import Settings

# methods that change nothing when repeated with the same arguments
IDEMPOTENT_METHODS = frozenset(
    {
        "auth.test",
        "chat.getPermalink",
        "chat.update",
        "conversations.open",
        "views.publish",
        "assistant.threads.setStatus",
        "assistant.threads.setTitle",
        "assistant.threads.setSuggestedPrompts",
    }
)


_SILENT = logging.Logger("hirebot.preflight", level=logging.CRITICAL + 1)


class SlackUnavailable(HirebotError):
    """Slack rejected the bot token, or its Web API cannot be reached (exit 1)."""


def unreachable(settings: Settings, exc: BaseException) -> SlackUnavailable:
    """The one-line error for a Web API that cannot be reached."""
    reason = getattr(exc, "reason", None) or exc
    return SlackUnavailable(f"cannot reach the Slack API at {settings.slack_api_url} ({reason})")


class SafeConnectionRetryHandler(RetryHandler):
    """Retries a request that never reached Slack (connection refused, DNS, a failed send), and
    retries a dropped response only for idempotent methods: `chat.postMessage` is not, and a
    blind retry after the request went out could post the reply twice. A timeout while waiting
    for Slack's answer is never retried."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if error is None or response is not None:
            return False
        if isinstance(error, URLError):  # raised while connecting or sending: nothing arrived
            return True
        if isinstance(error, ConnectionResetError | RemoteDisconnected):  # sent, no answer
            method = request.url.rsplit("/", 1)[-1].split("?", 1)[0]
            return method in IDEMPOTENT_METHODS
        return False


def build_web_client(settings: Settings, *, logger: logging.Logger | None = None) -> WebClient:
    """WebClient for the bot token, pointed at `SLACK_API_URL`, retrying 429s (Retry-After)."""
    if settings.slack_bot_token is None:
        raise ConfigError("SLACK_BOT_TOKEN is not set")
    token = settings.slack_bot_token.get_secret_value().strip()
    if not token.startswith(("xoxb-", "xoxp-")):
        raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-'")
    base_url = (
        settings.slack_api_url
        if settings.slack_api_url.endswith("/")
        else settings.slack_api_url + "/"
    )
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=int(max(1, settings.slack_timeout_s)),
        logger=logger,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=3),
            SafeConnectionRetryHandler(max_retry_count=2),
        ],
    )


def check_token(settings: Settings) -> str:
    """`auth.test` the bot token once; the bot user id. Raises SlackUnavailable with a one-line
    reason when Slack rejects the token or cannot be reached."""
    client = build_web_client(settings, logger=_SILENT)  # the one-line reason says it all
    try:
        return str(client.auth_test().get("user_id") or "")
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else exc
        raise SlackUnavailable(f"Slack rejected the bot token (auth.test failed: {error})") from exc
    except OSError as exc:
        raise unreachable(settings, exc) from exc


def without_retries(client: WebClient) -> WebClient:
    """The same client with no retry handlers: for calls made while an answer streams, where
    sleeping out a Retry-After would stall the answer (the caller skips or falls back)."""
    return WebClient(
        token=client.token, base_url=client.base_url, timeout=client.timeout, retry_handlers=[]
    )
