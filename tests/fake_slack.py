"""A local fake of the Slack Web API (threaded HTTP server on 127.0.0.1) that records every call,
plus helpers to send correctly signed Events API / interactivity requests to an app."""

from __future__ import annotations

import contextlib
import json
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

BOT_USER_ID = "U0HIREBOT"
BOT_ID = "B0HIREBOT"
TEAM_ID = "T0TEAM"


@dataclass
class Call:
    """One recorded Web API call."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


class FakeSlackAPI:
    """Answers like Slack: `auth.test` with ids, `chat.postMessage` with a ts, `{"ok": true}` else.

    `script(method, status, body, headers, times)` makes the next calls of a method fail, e.g. a
    429 with Retry-After to exercise rate-limit retries."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._scripted: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = {}
        self._cond = threading.Condition()
        self._ts = 1_700_000_000.000100
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

    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

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
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._cond:
            queue = self._scripted.get(method)
            if queue:
                return queue.pop(0)
            self._ts += 1
            ts = f"{self._ts:.6f}"
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
        if method in ("chat.postMessage", "chat.update", "chat.startStream"):
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
        if method == "chat.postEphemeral":
            return 200, {"ok": True, "message_ts": ts}, {}
        return 200, {"ok": True}, {}

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
                for key in ("blocks", "view", "prompts"):
                    if isinstance(params.get(key), str):
                        with contextlib.suppress(ValueError):
                            params[key] = json.loads(params[key])
                method = self.path.split("/api/", 1)[-1].strip("/")
                call = Call(method, params, {k.lower(): v for k, v in self.headers.items()})
                status, body, headers = fake._respond(method, params)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
                with fake._cond:
                    fake.calls.append(call)
                    fake._cond.notify_all()

        return Handler


@contextmanager
def running_fake_slack() -> Iterator[FakeSlackAPI]:
    fake = FakeSlackAPI().start()
    try:
        yield fake
    finally:
        fake.stop()


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
        payload = {
            "token": "legacy",
            "team_id": TEAM_ID,
            "api_app_id": "A0APP",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        }
        headers = (
            {}
            if retry is None
            else {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        )
        return self.post(json.dumps(payload), "application/json", headers=headers, **kw)

    def action(self, payload: dict[str, Any]) -> tuple[int, str, float]:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded")


def mention(
    text: str,
    *,
    channel: str = "C0CHAN",
    ts: str = "1700000001.000100",
    thread_ts: str | None = None,
    user: str = "U0MANAGER",
) -> dict[str, Any]:
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
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
    **extra: Any,
) -> dict[str, Any]:
    return {
        "type": "message",
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        **extra,
    }


def block_action(
    action_id: str,
    value: str,
    *,
    user: str = "U0MANAGER",
    channel: str = "C0CHAN",
    message_ts: str = "1700000003.000100",
    thread_ts: str | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {"ts": message_ts, "type": "message"}
    if thread_ts:
        message["thread_ts"] = thread_ts
    return {
        "type": "block_actions",
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A0APP",
        "team": {"id": TEAM_ID},
        "channel": {"id": channel},
        "container": {"type": "message"},
        "trigger_id": "123.456",
        "message": message,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b",
                "value": value,
                "action_ts": str(time.time()),
            }
        ],
    }
