"""A local fake of the Slack Web API (threaded HTTP server on 127.0.0.1) that records every call
and answers as real Slack would: `missing_scope` for methods the manifest's scopes do not allow,
`invalid_blocks` for blocks (and modal views) beyond Block Kit's limits, `ratelimited` (HTTP
429, Retry-After) past the streaming methods' rate tiers, and the streaming state rules (with
the shapes of stream chunks: markdown text and task updates). An app in the agent view (the
manifest's `features.agent_view`; `view`) must set suggested prompts without `thread_ts`: real
Slack accepts such a call and silently shows nothing, so the fake refuses it
(`invalid_arguments`) to make the mistake visible. It keeps the messages
the app posted, so `conversations.replies` and `conversations.history` show them (with their
message metadata when asked with `include_all_metadata`). A post can be made to land and then
lose its answer (`land_then`), as a timeout after Slack posted the message would. Plus helpers
that send correctly signed Events API / interactivity requests, with text encoded the way Slack
encodes what people type."""

from __future__ import annotations

import contextlib
import json
import math
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode

from slack_sdk.signature import SignatureVerifier

from tests.slack_rules import (
    AGENT,
    MAX_MESSAGE_BLOCKS,
    MAX_VIEW_BLOCKS,
    MESSAGE_TEXT,
    METHOD_SCOPES,
    STREAMING_TIERS,
    TASK_DISPLAY_MODES,
    TIER_PER_MINUTE,
    block_errors,
    chunk_errors,
    encode_typed,
    manifest_scopes,
    manifest_view,
    posted_texts,
    prompt_errors,
    unescaped,
    view_errors,
)

BOT_USER_ID = "U0HIREBOT"
BOT_ID = "B0HIREBOT"
TEAM_ID = "T0TEAM"
MESSAGE_METHODS = frozenset(
    {
        "chat.postMessage",
        "chat.update",
        "chat.postEphemeral",
        "views.publish",
        "views.open",
        "response_url",
    }
)
STREAM_METHODS = frozenset({"chat.startStream", "chat.appendStream", "chat.stopStream"})
DROP = 0  # scripted status: read the request, then close the connection without a response
PAGE_LIMIT = 100  # conversations.replies/history page size when the app sets no limit
# errors the fake raises itself because the app broke one of Slack's rules
RULE_ERRORS = frozenset(
    {
        "missing_scope",
        "unknown_method",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
        "invalid_arguments",
        "missing_recipient_user_id",
        "missing_recipient_team_id",
        "streaming_state_conflict",
        "message_not_in_streaming_state",
    }
)


@dataclass
class Call:
    """One recorded Web API call and the answer it got."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    scripted: bool = False

    @property
    def ok(self) -> bool:
        """True when Slack accepted the call."""
        return self.status == 200 and bool(self.response.get("ok"))


class FakeSlackAPI:
    """Answers like Slack: `auth.test` with ids, messages with a ts, and the errors real Slack
    gives when the app breaks a rule (see the module docstring).

    `script(method, status, body, headers, times)` makes the next calls of a method answer as
    scripted (e.g. a 429 with Retry-After, or `DROP` to cut the connection); `tier_limits` sets
    the per-minute limits (Slack's by default); `scopes` are the manifest's bot scopes."""

    def __init__(self, *, scopes: frozenset[str] | None = None, view: str | None = None) -> None:
        self.calls: list[Call] = []
        self.scopes = manifest_scopes() if scopes is None else scopes
        # the workspace's messaging experience: "agent" (the manifests') or "assistant" (a
        # workspace still on the older assistant view)
        self.view = manifest_view() if view is None else view
        self.tier_limits = {m: TIER_PER_MINUTE[t] for m, t in STREAMING_TIERS.items()}
        self.window_s = 60.0
        self.streaming: set[str] = set()  # ts of messages being streamed
        self.expected_errors: set[str] = set()  # rule errors a test provokes on purpose
        self._recent: dict[str, list[float]] = {}
        self._scripted: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = {}
        self._landing: dict[str, list[float | None]] = {}  # processed, then None: drop; s: delay
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel -> messages, oldest first
        self._cond = threading.Condition()
        self._ts = time.time()  # message ts: now, increasing (later than any test's event)
        self._server = ThreadingHTTPServer(
            ("127.0.0.1", 0), self._handler(), bind_and_activate=False
        )
        self._server.request_queue_size = 128
        self._server.server_bind()
        self._server.server_activate()
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/"

    def start(self) -> FakeSlackAPI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def script(
        self,
        method: str,
        status: int,
        body: dict[str, Any],
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        with self._cond:
            self._scripted.setdefault(method, []).extend([(status, body, headers or {})] * times)

    def land_then(
        self, method: str, *, drop: bool = False, delay_s: float = 0.0, times: int = 1
    ) -> None:
        """The next calls of `method` are carried out (a message is posted), then their answer
        is lost: the connection drops (`drop`), or the answer comes `delay_s` seconds late (a
        client with a shorter timeout gives up first)."""
        with self._cond:
            self._landing.setdefault(method, []).extend([None if drop else delay_s] * times)

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
        streaming: bool = False,
    ) -> str:
        """Put a message of the bot's in `channel` (as an earlier process of the app left it);
        its ts."""
        with self._cond:
            self._ts = max(self._ts + 0.0001, time.time())
            ts = f"{self._ts:.6f}"
            if streaming:
                self.streaming.add(ts)
        self._store(channel, ts, {"text": text, "thread_ts": thread_ts, "metadata": metadata})
        return ts

    def visible(self, channel: str, thread_ts: str | None = None) -> list[dict[str, Any]]:
        """The bot's messages a person sees in `channel` (in the thread `thread_ts`, or at the
        top level), oldest first."""
        with self._cond:
            messages = list(self.messages.get(channel, []))
        if thread_ts is None:
            return [m for m in messages if m.get("thread_ts") in (None, m["ts"])]
        return [m for m in messages if m.get("thread_ts") == thread_ts]

    def _store(self, channel: str, ts: str, params: dict[str, Any]) -> None:
        message: dict[str, Any] = {
            "type": "message",
            "ts": ts,
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": "A0APP",
            "text": params.get("text") or _chunks_text(params),
        }
        if params.get("thread_ts"):
            message["thread_ts"] = str(params["thread_ts"])
        if params.get("blocks"):
            message["blocks"] = params["blocks"]
        if params.get("metadata"):
            message["metadata"] = _metadata(params["metadata"])
        tasks = _tasks(params)
        if tasks:
            message["tasks"] = tasks
        with self._cond:
            self.messages.setdefault(channel, []).append(message)

    def _edit(self, channel: str, ts: str, params: dict[str, Any]) -> None:
        with self._cond:
            for message in self.messages.get(channel, []):
                if message["ts"] != ts:
                    continue
                if params.get("text") is not None:
                    message["text"] = params["text"]
                if params.get("blocks") is not None:
                    message["blocks"] = params["blocks"]
                if params.get("chunks"):
                    message["text"] = (message.get("text") or "") + _chunks_text(params)
                    tasks = {**message.get("tasks", {})}
                    for task_id, task in _tasks(params).items():
                        tasks[task_id] = {**tasks.get(task_id, {}), **task}
                    if tasks:
                        message["tasks"] = tasks
                if params.get("metadata") is not None:  # absent: the metadata is kept
                    message["metadata"] = _metadata(params["metadata"])

    def _read(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.replies / conversations.history over the stored messages."""
        channel = str(params.get("channel"))
        if method == "conversations.replies":
            thread = str(params.get("ts"))
            with self._cond:
                found = [
                    m
                    for m in self.messages.get(channel, [])
                    if m["ts"] == thread or m.get("thread_ts") == thread
                ]
        else:
            found = list(reversed(self.visible(channel)))  # history: newest first
        inclusive = _truthy(params.get("inclusive"))
        if params.get("oldest"):
            oldest = float(params["oldest"])
            found = [
                m
                for m in found
                if float(m["ts"]) > oldest or (inclusive and float(m["ts"]) == oldest)
            ]
        if params.get("latest"):
            latest = float(params["latest"])
            found = [
                m
                for m in found
                if float(m["ts"]) < latest or (inclusive and float(m["ts"]) == latest)
            ]
        start = int(params.get("cursor") or 0)
        limit = int(params.get("limit") or PAGE_LIMIT)
        page = found[start : start + limit]
        if not _truthy(params.get("include_all_metadata")):
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(found)
        body: dict[str, Any] = {"ok": True, "messages": page, "has_more": more}
        body["response_metadata"] = {"next_cursor": str(start + limit) if more else ""}
        return body

    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def unescaped_texts(self) -> list[tuple[str, str, list[str]]]:
        """(method, text, problems) for every posted text a client would not show as written
        (the app forgot to escape `&`, `<` or `>`)."""
        with self._cond:
            calls = [c for c in self.calls if c.method in MESSAGE_METHODS]
        found = []
        for call in calls:
            for text in posted_texts(call.params):
                problems = unescaped(text)
                if problems:
                    found.append((call.method, text[:200], problems))
        return found

    def rule_violations(self) -> list[Call]:
        """Calls the fake refused because the app broke one of Slack's rules."""
        with self._cond:
            return [
                c for c in self.calls if not c.scripted and c.response.get("error") in RULE_ERRORS
            ]

    def wait_for(self, method: str, count: int = 1, timeout: float = 30.0) -> list[Call]:
        """Block until `count` calls of `method` arrived; return them (fails loudly on timeout)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(f"expected {count} x {method}, saw {seen}")
                self._cond.wait(left)

    def _respond(
        self, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str], bool]:
        with self._cond:
            queue = self._scripted.get(method)
            if queue:
                return (*queue.pop(0), True)
        refusal = self._refusal(method, params)
        if refusal is not None:
            return (*refusal, False)
        return (*self._answer(method, params), False)

    def _refusal(
        self, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """The error real Slack gives this call, if any."""
        if method == "response_url":
            errors = block_errors(params.get("blocks", []))
            return None if not errors else (200, _invalid_blocks(errors), {})
        if method not in METHOD_SCOPES:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        needed = METHOD_SCOPES[method]
        if needed and not needed & self.scopes:
            body = {
                "ok": False,
                "error": "missing_scope",
                "needed": ",".join(sorted(needed)),
                "provided": ",".join(sorted(self.scopes)),
            }
            return 200, body, {}
        limited = self._rate_limited(method)
        if limited is not None:
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(limited)}
        if "blocks" in params:
            surface = MAX_VIEW_BLOCKS if method == "views.publish" else MAX_MESSAGE_BLOCKS
            errors = block_errors(params["blocks"], max_blocks=surface)
            if errors:
                return 200, _invalid_blocks(errors), {}
        if method in ("views.publish", "views.open"):
            errors = view_errors(params.get("view"))
            if errors:
                return 200, _invalid_blocks(errors), {}
        if method in STREAM_METHODS:
            errors = chunk_errors(params.get("chunks"))
            mode = params.get("task_display_mode")
            if mode is not None and mode not in TASK_DISPLAY_MODES:
                errors.append("must be timeline or plan [json-pointer:/task_display_mode]")
            if errors:
                return 200, _invalid_arguments(errors), {}
        if method == "assistant.threads.setSuggestedPrompts":
            errors = prompt_errors(params.get("prompts"))
            if self.view == AGENT and params.get("thread_ts"):
                errors.append("thread_ts: an agent-view app's prompts go to the Messages tab")
            if errors:
                return 200, _invalid_arguments(errors), {}
        return self._message_rules(method, params)

    def _message_rules(
        self, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        def error(name: str) -> tuple[int, dict[str, Any], dict[str, str]]:
            return 200, {"ok": False, "error": name}, {}

        text = params.get("text")
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            if not text and not params.get("blocks"):
                return error("no_text")
            if isinstance(text, str) and len(text) > MESSAGE_TEXT:
                return error("msg_too_long")
        if method == "chat.startStream":
            if not params.get("thread_ts"):
                return error("invalid_arguments")  # streamed messages are always replies
            if str(params.get("channel", "")).startswith(("C", "G")):
                if not params.get("recipient_user_id"):
                    return error("missing_recipient_user_id")
                if not params.get("recipient_team_id"):
                    return error("missing_recipient_team_id")
        with self._cond:
            streaming = params.get("ts") in self.streaming
        if method in ("chat.appendStream", "chat.stopStream") and not streaming:
            return error("message_not_in_streaming_state")
        if method == "chat.update" and streaming:
            return error("streaming_state_conflict")
        return None

    def _landing_for(self, method: str) -> float | bool | None:
        """None: drop the answer; a number: delay it; False: answer as usual."""
        with self._cond:
            queue = self._landing.get(method)
            return queue.pop(0) if queue else False

    def _rate_limited(self, method: str) -> int | None:
        """Seconds to wait when `method` is past its tier's per-minute limit, else None."""
        limit = self.tier_limits.get(method)
        if limit is None:
            return None
        now = time.monotonic()
        with self._cond:
            recent = [t for t in self._recent.get(method, []) if now - t < self.window_s]
            if len(recent) >= limit:
                self._recent[method] = recent
                return max(1, math.ceil(recent[0] + self.window_s - now))
            self._recent[method] = [*recent, now]
        return None

    def _answer(
        self, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._cond:
            self._ts = max(self._ts + 0.0001, time.time())
            ts = f"{self._ts:.6f}"
            if method == "chat.startStream":
                self.streaming.add(ts)
            if method == "chat.stopStream":
                self.streaming.discard(str(params.get("ts")))
        if method == "auth.test":
            return (
                200,
                {
                    "ok": True,
                    "url": "https://fake.slack.test/",
                    "team": "Fake",
                    "user": "hirebot",
                    "team_id": TEAM_ID,
                    "user_id": BOT_USER_ID,
                    "bot_id": BOT_ID,
                    "is_enterprise_install": False,
                },
                {},
            )
        if method in ("chat.postMessage", "chat.startStream"):
            self._store(str(params.get("channel")), ts, params)
            return (
                200,
                {
                    "ok": True,
                    "channel": params.get("channel"),
                    "ts": ts,
                    "message": {"text": params.get("text"), "ts": ts},
                },
                {},
            )
        if method in ("chat.update", "chat.appendStream", "chat.stopStream"):
            same = str(params.get("ts"))
            self._edit(str(params.get("channel")), same, params)
            return 200, {"ok": True, "channel": params.get("channel"), "ts": same}, {}
        if method == "chat.postEphemeral":
            return 200, {"ok": True, "message_ts": ts}, {}
        if method in ("conversations.replies", "conversations.history"):
            return 200, self._read(method, params), {}
        if method == "chat.delete":
            with self._cond:
                kept = [
                    m
                    for m in self.messages.get(str(params.get("channel")), [])
                    if m["ts"] != params.get("ts")
                ]
                self.messages[str(params.get("channel"))] = kept
            return 200, {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}, {}
        if method == "conversations.open":
            return 200, {"ok": True, "channel": {"id": "D0" + str(params.get("users", "X"))}}, {}
        if method == "views.open":
            view = {**(params.get("view") or {}), "id": f"V{ts.replace('.', '')}"}
            return 200, {"ok": True, "view": view}, {}
        if method == "chat.getPermalink":
            return 200, self._permalink(params), {}
        return 200, {"ok": True}, {}

    def _permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        """chat.getPermalink: a message's link (with its thread, for a reply in a thread)."""
        channel, ts = str(params.get("channel")), str(params.get("message_ts"))
        with self._cond:
            found = [m for m in self.messages.get(channel, []) if m["ts"] == ts]
        if not found:
            return {"ok": False, "error": "message_not_found"}
        link = f"https://fake.slack.test/archives/{channel}/p{ts.replace('.', '')}"
        thread = found[0].get("thread_ts")
        if thread and thread != ts:
            link += f"?thread_ts={thread}&cid={channel}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = dict(parse_qsl(raw))
                for key in ("blocks", "view", "prompts", "chunks", "metadata"):  # form-encoded JSON
                    if isinstance(params.get(key), str):
                        with contextlib.suppress(ValueError):
                            params[key] = json.loads(params[key])
                method = self.path.split("/api/", 1)[-1].strip("/")
                status, body, headers, scripted = fake._respond(method, params)
                landing = fake._landing_for(method) if not scripted else False
                call = Call(
                    method,
                    params,
                    {k.lower(): v for k, v in self.headers.items()},
                    status=status,
                    response=body,
                    scripted=scripted,
                )
                if landing is None:  # carried out, then the connection drops: the answer is lost
                    status = DROP
                elif landing:  # recorded now; the answer comes after the client gave up
                    with fake._cond:
                        fake.calls.append(call)
                        fake._cond.notify_all()
                    time.sleep(landing)
                if status == DROP:  # the request arrived; the answer never does
                    with fake._cond:
                        fake.calls.append(call)
                        fake._cond.notify_all()
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(2)
                    return
                data = json.dumps(body).encode()
                with contextlib.suppress(OSError):  # a client that timed out has gone
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                if landing:
                    return
                with fake._cond:
                    fake.calls.append(call)
                    fake._cond.notify_all()

        return Handler


def _metadata(value: Any) -> dict[str, Any]:
    """Message metadata as Slack keeps it ({event_type, event_payload})."""
    if isinstance(value, str):
        value = json.loads(value)
    return {
        "event_type": value.get("event_type"),
        "event_payload": value.get("event_payload") or {},
    }


def _chunks_text(params: dict[str, Any]) -> str:
    chunks = params.get("chunks") or []
    return "".join(
        c.get("text", "") for c in chunks if isinstance(c, dict) and c.get("type") != "task_update"
    )


def _tasks(params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The task updates among a stream call's chunks, by task id."""
    chunks = params.get("chunks") or []
    return {
        str(c.get("id")): {k: v for k, v in c.items() if k != "type"}
        for c in chunks
        if isinstance(c, dict) and c.get("type") == "task_update"
    }


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _invalid_arguments(errors: list[str]) -> dict[str, Any]:
    return {
        "ok": False,
        "error": "invalid_arguments",
        "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]},
    }


def _invalid_blocks(errors: list[str]) -> dict[str, Any]:
    return {
        "ok": False,
        "error": "invalid_blocks",
        "errors": errors,
        "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]},
    }


@contextmanager
def running_fake_slack() -> Iterator[FakeSlackAPI]:
    fake = FakeSlackAPI().start()
    try:
        yield fake
    finally:
        fake.stop()


def event_payload(event: dict[str, Any], event_id: str) -> dict[str, Any]:
    """The Events API body Slack sends for `event`."""
    return {
        "token": "legacy",
        "team_id": TEAM_ID,
        "api_app_id": "A0APP",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": event,
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }


@dataclass
class SignedPoster:
    """Posts to an app's /slack/events with Slack's v0 request signature."""

    base_url: str
    secret: str

    def post(
        self,
        body: str,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> tuple[int, str, float]:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        sig = signature or SignatureVerifier(self.secret).generate_signature(
            timestamp=ts, body=body
        )
        request = urllib.request.Request(
            self.base_url + "/slack/events",
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": sig,
                **(headers or {}),
            },
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                return resp.status, resp.read().decode(), time.perf_counter() - started
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode(), time.perf_counter() - started

    def event(
        self, event: dict[str, Any], *, event_id: str, retry: int | None = None, **kw: Any
    ) -> tuple[int, str, float]:
        payload = event_payload(event, event_id)
        headers = (
            {}
            if retry is None
            else {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        )
        return self.post(json.dumps(payload), "application/json", headers=headers, **kw)

    def action(self, payload: dict[str, Any]) -> tuple[int, str, float]:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded")

    def settled(self, *, queue_empty: bool = True, timeout_s: float = 30.0) -> dict[str, Any]:
        """Wait until the app has finished every event it accepted (its /readyz shows nothing
        in flight and, with `queue_empty`, an empty inbox): after this, a reply that has not
        been posted never will be. Returns the last /readyz body."""
        deadline = time.monotonic() + timeout_s
        while True:
            with urllib.request.urlopen(self.base_url + "/readyz", timeout=5) as resp:
                ready: dict[str, Any] = json.loads(resp.read())
            if ready["in_flight"] == 0 and (ready["queue"] == 0 or not queue_empty):
                return ready
            if time.monotonic() > deadline:
                raise AssertionError(f"the app never settled: {ready}")
            time.sleep(0.02)


PEOPLE = {"hirebot": BOT_USER_ID, "alice": "U0ALICE", "bob": "U0BOB"}
CHANNELS = {"hiring": "C0HIRING", "general": "C0GENERAL"}


def typed(text: str) -> str:
    """`text` as Slack delivers what a person typed (escaped; mentions, channels, links encoded)."""
    return encode_typed(text, users=PEOPLE, channels=CHANNELS)


def mention(
    text: str,
    *,
    channel: str = "C0CHAN",
    ts: str = "1700000001.000100",
    thread_ts: str | None = None,
    user: str = "U0MANAGER",
) -> dict[str, Any]:
    """An `app_mention` event for a person typing "@hirebot `text`"."""
    event = {
        "type": "app_mention",
        "user": user,
        "team": TEAM_ID,
        "text": typed(f"@hirebot {text}"),
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def dm(
    text: str,
    *,
    channel: str = "D0DM",
    ts: str = "1700000002.000100",
    user: str = "U0MANAGER",
    thread_ts: str | None = None,
    parent_user_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A `message.im` event for a person typing `text` in the bot's DM; a reply in a thread
    names the thread's parent author (by default the person: their own message or an
    Assistant thread; `parent_user_id=BOT_USER_ID` for a reply under the bot's post)."""
    event = {
        "type": "message",
        "channel_type": "im",
        "user": user,
        "team": TEAM_ID,
        "text": typed(text),
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        **extra,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
        event["parent_user_id"] = parent_user_id or user
    return event


def block_action(
    action_id: str,
    value: str,
    *,
    user: str = "U0MANAGER",
    channel: str = "C0CHAN",
    message_ts: str = "1700000003.000100",
    thread_ts: str | None = None,
    block_id: str = "b",
    kind: str = "button",
    ephemeral: bool = False,
) -> dict[str, Any]:
    """The interactivity payload Slack sends for a click on a button (or another element,
    `kind`); a click in an ephemeral message names its container, not a message."""
    message: dict[str, Any] = {"ts": message_ts, "type": "message"}
    if thread_ts:
        message["thread_ts"] = thread_ts
    container: dict[str, Any] = {"type": "message", "message_ts": message_ts, "channel_id": channel}
    if thread_ts:
        container["thread_ts"] = thread_ts
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A0APP",
        "team": {"id": TEAM_ID},
        "channel": {"id": channel},
        "container": container,
        "trigger_id": "123.456",
        "message": message,
        "actions": [
            {
                "type": kind,
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "action_ts": str(time.time()),
            }
        ],
    }
    if ephemeral:
        container["is_ephemeral"] = True
        payload.pop("message")
    return payload


def feedback_click(call: Any, vote: str, **kw: Any) -> dict[str, Any]:
    """A click on the 👍 ("up") or 👎 ("down") of the feedback buttons in a posted answer
    (`call`: the chat.postMessage or chat.update that showed it)."""
    for block in call.params["blocks"]:
        for element in block.get("elements", []):
            if element.get("type") == "feedback_buttons":
                side = element["positive_button" if vote == "up" else "negative_button"]
                kw.setdefault("message_ts", (call.response or {}).get("ts", "1700000003.000100"))
                return block_action(
                    element["action_id"],
                    side["value"],
                    block_id=block["block_id"],
                    kind="feedback_buttons",
                    **kw,
                )
    raise AssertionError("no feedback buttons")


def button_click(blocks: list[dict[str, Any]], action_id: str, **kw: Any) -> dict[str, Any]:
    """A click on the button `action_id` among `blocks` (in actions blocks or on cards)."""
    for block in blocks:
        for element in [*block.get("elements", []), *block.get("actions", [])]:
            if element.get("action_id") == action_id:
                return block_action(
                    action_id, element["value"], block_id=block.get("block_id", "b"), **kw
                )
    raise AssertionError(f"no {action_id} button")


def view_submission(
    view: dict[str, Any], values: dict[str, dict[str, str]], *, user: str = "U0MANAGER"
) -> dict[str, Any]:
    """The payload Slack sends when a person submits the modal `view` (as the app opened it)
    with `values` ({block_id: {action_id: typed text}})."""
    state = {
        block: {
            action: {"type": "plain_text_input", "value": text} for action, text in inputs.items()
        }
        for block, inputs in values.items()
    }
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A0APP",
        "trigger_id": "456.789",
        "view": {**view, "id": "V0MODAL", "team_id": TEAM_ID, "state": {"values": state}},
        "response_urls": [],
    }
