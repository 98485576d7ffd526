"""What real Slack enforces, for the fake Web API: Block Kit limits, the scope each method
needs, the rate tier of the streaming methods, and how Slack encodes what users type (and how
a client shows what a bot posts).

Sources: docs.slack.dev Block Kit reference (limits; the context actions block, feedback
buttons element, card block, input block and modal view), the method reference pages (scopes
and tiers, as mirrored in slack-ruby/slack-api-ref; chat.startStream's chunks and
task_display_mode, assistant.threads.setSuggestedPrompts: at most four prompts, and no
`thread_ts` for an agent-view app), python-slack-sdk 3.47's models (TaskUpdateChunk,
ContextActionsBlock, CardBlock), and "Formatting text for app surfaces"."""

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
    "views.open": frozenset(),
    "chat.getPermalink": frozenset(),
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


AGENT, ASSISTANT = "agent", "assistant"


def manifest_view(name: str = "manifest.yaml") -> str:
    """Which messaging experience one of the app's manifests asks for: the agent view
    (`features.agent_view`) or the older assistant view (`features.assistant_view`)."""
    manifest = yaml.safe_load((ROOT / "slack" / name).read_text())
    return AGENT if "agent_view" in (manifest.get("features") or {}) else ASSISTANT


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
CONTEXT_ACTIONS_ELEMENTS = 5
FEEDBACK_LABEL = 75  # a feedback button's text and accessibility label
CARD_TITLE = 150  # card title and subtitle
CARD_BODY = 200
INPUT_LABEL = 2000
INPUT_MAX_LENGTH = 3000
PLACEHOLDER = 150
VIEW_TITLE = 24  # a modal's title, submit and close
VIEW_BLOCKS = 100
CALLBACK_ID = 255
PRIVATE_METADATA = 3000
SUGGESTED_PROMPTS = 4
STREAM_MARKDOWN = 12_000  # a markdown_text chunk
TASK_TEXT = 256  # a task_update's details and output
TASK_STATUSES = {"pending", "in_progress", "complete", "error"}
TASK_DISPLAY_MODES = {"timeline", "plan"}
KNOWN_BLOCKS = {
    "section",
    "context",
    "context_actions",
    "actions",
    "card",
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
    elif kind == "context_actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= CONTEXT_ACTIONS_ELEMENTS:
            errors.append(f"1-{CONTEXT_ACTIONS_ELEMENTS} elements [json-pointer:{at}/elements]")
        action_ids: set[str] = set()
        for j, item in enumerate(elements):
            where = f"{at}/elements/{j}"
            if not isinstance(item, dict) or item.get("type") not in (
                "feedback_buttons",
                "icon_button",
            ):
                errors.append(f"must be feedback_buttons or icon_button [json-pointer:{where}]")
                continue
            errors += _element_errors(item, where, action_ids)
    elif kind == "card":
        if not any(block.get(k) for k in ("hero_image", "title", "actions", "body")):
            errors.append(f"one of hero_image, title, actions or body required [json-pointer:{at}]")
        for key, limit in (("title", CARD_TITLE), ("subtitle", CARD_TITLE), ("body", CARD_BODY)):
            if key in block:
                errors += _text_errors(block[key], f"{at}/{key}", limit)
        action_ids = set()
        for j, item in enumerate(block.get("actions") or []):
            where = f"{at}/actions/{j}"
            if not isinstance(item, dict) or item.get("type") != "button":
                errors.append(f"must be a button [json-pointer:{where}]")
                continue
            errors += _element_errors(item, where, action_ids)
    elif kind == "input":
        errors += _text_errors(block.get("label"), f"{at}/label", INPUT_LABEL, plain_only=True)
        if "hint" in block:
            errors += _text_errors(block["hint"], f"{at}/hint", INPUT_LABEL, plain_only=True)
        element = block.get("element")
        if not isinstance(element, dict) or not element.get("type"):
            errors.append(f"element required [json-pointer:{at}/element]")
        else:
            errors += _element_errors(element, f"{at}/element", set())
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
    elif item.get("type") == "feedback_buttons":
        for side in ("positive_button", "negative_button"):
            errors += _feedback_button_errors(item.get(side), f"{at}/{side}")
    elif item.get("type") == "plain_text_input":
        max_length = item.get("max_length")
        if max_length is not None and not 1 <= int(max_length) <= INPUT_MAX_LENGTH:
            errors.append(f"must be 1-{INPUT_MAX_LENGTH} [json-pointer:{at}/max_length]")
        if "placeholder" in item:
            errors += _text_errors(
                item["placeholder"], f"{at}/placeholder", PLACEHOLDER, plain_only=True
            )
    return errors


def _feedback_button_errors(button: Any, at: str) -> list[str]:
    if not isinstance(button, dict):
        return [f"required [json-pointer:{at}]"]
    errors = _text_errors(button.get("text"), f"{at}/text", FEEDBACK_LABEL, plain_only=True)
    value = button.get("value")
    if not isinstance(value, str) or not 1 <= len(value) <= BUTTON_VALUE:
        errors.append(f"must be 1-{BUTTON_VALUE} characters [json-pointer:{at}/value]")
    label = button.get("accessibility_label")
    if label is not None and (not isinstance(label, str) or len(label) > FEEDBACK_LABEL):
        errors.append(
            f"must be at most {FEEDBACK_LABEL} characters [json-pointer:{at}/accessibility_label]"
        )
    return errors


def view_errors(view: Any) -> list[str]:
    """Slack-style errors for a view (a modal or the Home tab) that views.open, views.update
    or views.publish would refuse."""
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        return ["must be a modal or home view [json-pointer:/view/type]"]
    errors = block_errors(view.get("blocks", []), max_blocks=VIEW_BLOCKS)
    if view["type"] == "modal":
        errors += _text_errors(view.get("title"), "/view/title", VIEW_TITLE, plain_only=True)
        for key in ("submit", "close"):
            if key in view:
                errors += _text_errors(view[key], f"/view/{key}", VIEW_TITLE, plain_only=True)
        inputs = any(
            isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks", [])
        )
        if inputs and "submit" not in view:
            errors.append("submit is required with input blocks [json-pointer:/view/submit]")
    if len(str(view.get("callback_id", ""))) > CALLBACK_ID:
        errors.append(f"must be at most {CALLBACK_ID} characters [json-pointer:/view/callback_id]")
    if len(str(view.get("private_metadata", ""))) > PRIVATE_METADATA:
        errors.append(
            f"must be at most {PRIVATE_METADATA} characters [json-pointer:/view/private_metadata]"
        )
    return errors


def chunk_errors(chunks: Any) -> list[str]:
    """What chat.startStream / appendStream / stopStream would refuse in `chunks`."""
    if chunks is None:
        return []
    if not isinstance(chunks, list):
        return ["must be an array [json-pointer:/chunks]"]
    errors: list[str] = []
    for i, chunk in enumerate(chunks):
        at = f"/chunks/{i}"
        kind = chunk.get("type") if isinstance(chunk, dict) else None
        if kind == "markdown_text":
            text = chunk.get("text")
            if not isinstance(text, str) or len(text) > STREAM_MARKDOWN:
                errors.append(
                    f"must be at most {STREAM_MARKDOWN} characters [json-pointer:{at}/text]"
                )
        elif kind == "task_update":
            errors += _task_errors(chunk, at)
        elif kind == "plan_update":
            if not isinstance(chunk.get("title"), str) or not chunk["title"]:
                errors.append(f"title required [json-pointer:{at}/title]")
        elif kind == "blocks":
            errors += block_errors(chunk.get("blocks"))
        else:
            errors.append(f"unknown chunk type [json-pointer:{at}/type]")
    return errors


def _task_errors(chunk: dict[str, Any], at: str) -> list[str]:
    errors = []
    for key in ("id", "title"):
        if not isinstance(chunk.get(key), str) or not chunk[key]:
            errors.append(f"{key} required [json-pointer:{at}/{key}]")
    if chunk.get("status") not in TASK_STATUSES:
        errors.append(f"must be one of {sorted(TASK_STATUSES)} [json-pointer:{at}/status]")
    for key in ("details", "output"):
        value = chunk.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > TASK_TEXT):
            errors.append(f"must be at most {TASK_TEXT} characters [json-pointer:{at}/{key}]")
    for j, source in enumerate(chunk.get("sources") or []):
        if not (
            isinstance(source, dict)
            and source.get("type") == "url"
            and isinstance(source.get("url"), str)
            and source["url"].startswith(("http://", "https://"))
            and isinstance(source.get("text"), str)
        ):
            errors.append(f"must be a url source element [json-pointer:{at}/sources/{j}]")
    return errors


def prompt_errors(prompts: Any) -> list[str]:
    """What assistant.threads.setSuggestedPrompts would refuse in `prompts`."""
    if not isinstance(prompts, list) or not 1 <= len(prompts) <= SUGGESTED_PROMPTS:
        return [f"1-{SUGGESTED_PROMPTS} prompts [json-pointer:/prompts]"]
    return [
        f"title and message required [json-pointer:/prompts/{i}]"
        for i, prompt in enumerate(prompts)
        if not (isinstance(prompt, dict) and prompt.get("title") and prompt.get("message"))
    ]


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
_SLACK_TOKEN = re.compile(r"<(?:@[UW][A-Z0-9]+|#[CG][A-Z0-9]+|![a-z^]|https?://|mailto:)[^<>]*>")


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
