"""Slack's text encoding both ways: what users typed, decoded from Slack's escaped text with its
`<@U…>`/`<#C…|name>`/`<url|label>`/`<!here>` tokens; and text made safe to show in mrkdwn."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"<([^<>]*)>")
_SPACES = re.compile(r"[ \t]{2,}")
_BEFORE_PUNCT = re.compile(r"[ \t]+([,.;:!?)])")


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control characters (`&` first)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo Slack's escaping of `&`, `<` and `>` (`&amp;` last, so `&amp;lt;` stays `&lt;`)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def decode_incoming(text: str | None) -> str:
    """The plain text a user typed: mentions (the bot's own and other people's) and broadcasts
    (`<!here>`, `<!channel>`) dropped, channels as `#name`, links as their label (or the
    address), dates as their fallback text, and `&amp;`/`&lt;`/`&gt;` unescaped; whitespace
    tidied. Dropping names keeps them out of retrieval and the scope gate."""

    def token(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):  # <@U123> or <@U123|name>: a person (or the bot itself)
            return " "
        if target.startswith("#"):  # <#C123|general>
            return f"#{label}" if label else "#channel"
        if target.startswith("!"):  # <!here>, <!channel>, <!subteam^S1|@team>, <!date^…|text>
            return label if target.startswith("!date") and label else " "
        return label or target  # <https://…|label>, <mailto:a@b.c>

    decoded = unescape(_TOKEN.sub(token, text or ""))  # a typed "<" arrives as &lt;: no token
    lines = [
        _BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", line)).strip() for line in decoded.split("\n")
    ]
    return "\n".join(lines).strip()


def to_mrkdwn(markdown: str) -> str:
    """Markdown (already escaped) to Slack mrkdwn: bold, links, headings, bullets."""
    text = re.sub(r"^#{1,6}\s+(.+)$", r"*\1*", markdown, flags=re.MULTILINE)
    text = re.sub(r"\*\*(.+?)\*\*", r"*\1*", text)
    text = re.sub(r"__(.+?)__", r"*\1*", text)
    text = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r"<\2|\1>", text)
    return re.sub(r"^\s*[-*]\s+", "• ", text, flags=re.MULTILINE)


def mrkdwn(markdown: str) -> str:
    """Core text (Markdown, unescaped) as mrkdwn that shows exactly what it says."""
    return to_mrkdwn(escape(markdown))


def fit(text: str, limit: int) -> str:
    """`text` escaped, clipped at a word boundary so the escaped form is at most `limit` long
    (never cutting an entity such as `&amp;` in half)."""
    from bot.text import clip

    budget = limit
    while True:
        escaped = escape(clip(text, budget))
        if len(escaped) <= limit:
            return escaped
        budget -= len(escaped) - limit
