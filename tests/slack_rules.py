"""What real Slack enforces, for the fake Web API: Block Kit limits, the scope each method
needs, the rate tier of the streaming methods, and how Slack encodes what users type (and how
a client shows what a bot posts).

Sources: docs.slack.dev Block Kit reference (limits), the method reference pages (scopes and
tiers, as mirrored in slack-ruby/slack-api-ref), and "Formatting text for app surfaces"."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]

# ---- scopes --------------------------------------------------------------------------------

# method -> the bot scopes any one of which allows it (empty: no scope needed)
METHOD_SCOPES: dict[str, frozenset[str]] = {
    "auth.test": frozenset(),
    "views.publish": frozenset(),
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "chat.delete": frozenset({"chat:write"}),
    "chat.postEphemeral": frozenset({"chat:write"}),
    "chat.startStream": frozenset({"chat:write"}),
    "chat.appendStream": frozenset({"chat:write"}),
    "chat.stopStream": frozenset({"chat:write"}),
    "assistant.threads.setStatus": frozenset({"chat:write", "assistant:write"}),
    "assistant.threads.setTitle": frozenset({"assistant:write"}),
    "assistant.threads.setSuggestedPrompts": frozenset({"assistant:write"}),
    "conversations.open": frozenset({"im:write", "mpim:write", "channels:manage", "groups:write"}),
    "conversations.replies": frozenset(
        {"channels:history", "groups:history", "im:history", "mpim:history"}
    ),
    "conversations.history": frozenset(
        {"channels:history", "groups:history", "im:history", "mpim:history"}
    ),
    "users.info": frozenset({"users:read"}),
    "reactions.add": frozenset({"reactions:write"}),
}


def manifest_scopes(name: str = "manifest.yaml") -> frozenset[str]:
    """The bot scopes requested by one of the app's manifests."""
    manifest = yaml.safe_load((ROOT / "slack" / name).read_text())
    return frozenset(manifest["oauth_config"]["scopes"]["bot"])


# ---- rate tiers (per method, per workspace, per minute) --------------------------------------

TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
STREAMING_TIERS = {"chat.startStream": 2, "chat.appendStream": 4, "chat.stopStream": 2}

# ---- Block Kit limits ----------------------------------------------------------------------

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
BLOCK_ID = 255
MESSAGE_TEXT = 40_000
KNOWN_BLOCKS = {
    "section",
    "context",
    "actions",
    "divider",
    "header",
    "image",
    "rich_text",
    "markdown",
    "input",
    "file",
    "video",
}


def block_errors(blocks: Any, *, max_blocks: int = MAX_MESSAGE_BLOCKS) -> list[str]:
    """Slack-style error strings for `blocks` (empty when Slack would accept them)."""
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return ["invalid JSON [json-pointer:/blocks]"]
    if not isinstance(blocks, list):
        return ["must be an array [json-pointer:/blocks]"]
    errors: list[str] = []
    if len(blocks) > max_blocks:
        errors.append(f"no more than {max_blocks} items allowed [json-pointer:/blocks]")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        at = f"/blocks/{i}"
        if not isinstance(block, dict) or block.get("type") not in KNOWN_BLOCKS:
            errors.append(f"unknown block type [json-pointer:{at}]")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not 1 <= len(block_id) <= BLOCK_ID:
                errors.append(f"must be 1-{BLOCK_ID} characters [json-pointer:{at}/block_id]")
            elif block_id in block_ids:
                errors.append(f"duplicate block_id [json-pointer:{at}/block_id]")
            block_ids.add(str(block_id))
        errors += _block_errors(block, at)
    return errors


def _text_errors(obj: Any, at: str, limit: int, *, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        return [f"must be a text object [json-pointer:{at}]"]
    if plain_only and obj["type"] != "plain_text":
        return [f"must be plain_text [json-pointer:{at}/type]"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"must be at least 1 character [json-pointer:{at}/text]"]
    if len(text) > limit:
        return [f"must be less than {limit + 1} characters [json-pointer:{at}/text]"]
    return []


def _block_errors(block: dict[str, Any], at: str) -> list[str]:
    kind = block["type"]
    errors: list[str] = []
    if kind == "section":
        if "text" not in block and "fields" not in block:
            errors.append(f"text or fields required [json-pointer:{at}]")
        if "text" in block:
            errors += _text_errors(block["text"], f"{at}/text", SECTION_TEXT)
        fields = block.get("fields") or []
        if len(fields) > SECTION_FIELDS:
            errors.append(f"no more than {SECTION_FIELDS} items [json-pointer:{at}/fields]")
        for j, item in enumerate(fields):
            errors += _text_errors(item, f"{at}/fields/{j}", FIELD_TEXT)
    elif kind == "header":
        errors += _text_errors(block.get("text"), f"{at}/text", HEADER_TEXT, plain_only=True)
    elif kind == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= CONTEXT_ELEMENTS:
            errors.append(f"1-{CONTEXT_ELEMENTS} elements [json-pointer:{at}/elements]")
        for j, item in enumerate(elements):
            if isinstance(item, dict) and item.get("type") in ("plain_text", "mrkdwn"):
                errors += _text_errors(item, f"{at}/elements/{j}", SECTION_TEXT)
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= ACTIONS_ELEMENTS:
            errors.append(f"1-{ACTIONS_ELEMENTS} elements [json-pointer:{at}/elements]")
        action_ids: set[str] = set()
        for j, item in enumerate(elements):
            errors += _element_errors(item, f"{at}/elements/{j}", action_ids)
    elif kind == "divider":
        extra = set(block) - {"type", "block_id"}
        if extra:
            errors.append(f"unexpected {sorted(extra)} [json-pointer:{at}]")
    return errors


def _element_errors(item: Any, at: str, action_ids: set[str]) -> list[str]:
    if not isinstance(item, dict):
        return [f"must be an element [json-pointer:{at}]"]
    errors: list[str] = []
    action_id = item.get("action_id")
    if action_id is not None:
        if not isinstance(action_id, str) or not 1 <= len(action_id) <= ACTION_ID:
            errors.append(f"must be 1-{ACTION_ID} characters [json-pointer:{at}/action_id]")
        elif action_id in action_ids:
            errors.append(f"duplicate action_id [json-pointer:{at}/action_id]")
        action_ids.add(str(action_id))
    if item.get("type") == "button":
        errors += _text_errors(item.get("text"), f"{at}/text", BUTTON_TEXT, plain_only=True)
        value = item.get("value")
        if value is not None and (not isinstance(value, str) or len(value) > BUTTON_VALUE):
            errors.append(
                f"must be less than {BUTTON_VALUE + 1} characters [json-pointer:{at}/value]"
            )
        if item.get("style") not in (None, "primary", "danger"):
            errors.append(f"must be primary or danger [json-pointer:{at}/style]")
    return errors


# ---- how Slack encodes what users type, and how a client shows what bots post ---------------

_URL = re.compile(r"\bhttps?://[^\s<>]+")


def encode_typed(
    text: str, *, users: dict[str, str] | None = None, channels: dict[str, str] | None = None
) -> str:
    """The `text` of the event Slack sends when a person types `text`: `&`, `<`, `>` escaped,
    `@name` of a known user as `<@U…>`, `#name` of a known channel as `<#C…|name>`, `@here`
    and `@channel` as `<!here>`/`<!channel>`, and bare links as `<https://…>`."""
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = _URL.sub(lambda m: f"<{m.group(0)}>", out)
    out = re.sub(r"(?<!\w)@(here|channel|everyone)\b", r"<!\1>", out)
    for name, user_id in (users or {}).items():
        out = re.sub(rf"(?<!\w)@{re.escape(name)}\b", f"<@{user_id}>", out)
    for name, channel_id in (channels or {}).items():
        out = re.sub(rf"(?<!\w)#{re.escape(name)}\b", f"<#{channel_id}|{name}>", out)
    return out


def rendered(mrkdwn: str) -> str:
    """What a Slack client shows for posted mrkdwn: mentions as @id, channels as #name, links
    as their label, and the three entities decoded once (a double-escaped `&amp;amp;` shows as
    `&amp;`; a raw `<b>` is taken for a link and shows as `b`)."""

    def token(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("@"):
            return "@" + (label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return label or "@" + target[1:]
        return label or target

    shown = re.sub(r"<([^<>]*)>", token, mrkdwn)
    return shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_RAW_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")
_SLACK_TOKEN = re.compile(r"<(?:@[UW][A-Z0-9]+|#C[A-Z0-9]+|![a-z^]|https?://|mailto:)[^<>]*>")


def unescaped(text: str) -> list[str]:
    """Pieces of posted text that a client would not show as written: a raw `&`, a `<…>` that
    is not a mention, channel, broadcast or link (Slack would read it as a link), or a raw `>`
    other than a blockquote marker at the start of a line."""
    problems = [f"raw '&' at {m.start()}" for m in _RAW_AMPERSAND.finditer(text)]
    rest = re.sub(r"(?m)^>", "", _SLACK_TOKEN.sub("", text))
    problems += [f"raw {c!r}" for c in "<>" if c in rest]
    return problems


def posted_texts(params: dict[str, Any]) -> list[str]:
    """Every text a message call shows: its `text` and each text object in its blocks/view."""
    texts = [params["text"]] if isinstance(params.get("text"), str) else []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                texts.append(node["text"])
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(params.get("blocks"))
    walk(params.get("view"))
    return texts


def shown_text(blocks: list[dict[str, Any]]) -> str:
    """Everything a client shows from `blocks`, rendered, one text per line."""
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            text = node.get("text")
            if node.get("type") == "mrkdwn" and isinstance(text, str):
                texts.append(rendered(text))
                return
            if node.get("type") == "plain_text" and isinstance(text, str):
                texts.append(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return "\n".join(texts)
