"""A local fake OpenAI-compatible chat completions server (127.0.0.1) with scripted replies:
text (streamed as SSE chunks when asked), a delay (to force timeouts), an HTTP error, or an
error part-way through the stream."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = str | Callable[[str], str]


@dataclass
class Scripted:
    """One scripted response."""

    text: Reply = ""
    delay_s: float = 0.0
    status: int = 200
    error_after_chunks: int | None = None  # stream this many chunks, then an error event


def source_with(prompt: str, needle: str) -> int:
    """The number of the prompt's source block that contains `needle` (for realistic citations)."""
    for match in re.finditer(r"^\[(\d+)\] .*?(?=^\[\d+\] |\Z)", prompt, re.M | re.S):
        if needle in match.group(0):
            return int(match.group(1))
    raise AssertionError(f"no source contains {needle!r}")


class FakeOpenAI:
    """Records every request; replies from a queue of `Scripted` responses (default: a refusal)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.queue: list[Scripted] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def script(self, *items: Scripted) -> None:
        with self._lock:
            self.queue.extend(items)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self) -> Scripted:
        with self._lock:
            return self.queue.pop(0) if self.queue else Scripted("I cannot answer that.")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                with fake._lock:
                    fake.requests.append(body)
                step = fake._next()
                if step.delay_s:
                    time.sleep(step.delay_s)
                if step.status != 200:
                    self._json(
                        step.status,
                        {"error": {"message": "scripted failure", "type": "server_error"}},
                    )
                    return
                prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
                text = step.text(prompt) if callable(step.text) else step.text
                if body.get("stream"):
                    self._stream(text, body.get("model", "fake"), step.error_after_chunks)
                else:
                    self._json(
                        200,
                        {
                            "id": "cmpl-1",
                            "object": "chat.completion",
                            "created": int(time.time()),
                            "model": body.get("model", "fake"),
                            "choices": [
                                {
                                    "index": 0,
                                    "finish_reason": "stop",
                                    "message": {"role": "assistant", "content": text},
                                }
                            ],
                            "usage": {
                                "prompt_tokens": 1,
                                "completion_tokens": 1,
                                "total_tokens": 2,
                            },
                        },
                    )

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, text: str, model: str, error_after: int | None) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                words = re.findall(r"\S+\s*", text)
                for n, i in enumerate(range(0, len(words), 3)):
                    if error_after is not None and n >= error_after:
                        failure = {"error": {"message": "stream broke", "type": "server_error"}}
                        self.wfile.write(f"data: {json.dumps(failure)}\n\n".encode())
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    chunk = {
                        "id": "c",
                        "object": "chat.completion.chunk",
                        "created": 0,
                        "model": model,
                        "choices": [
                            {
                                "index": 0,
                                "delta": {"content": "".join(words[i : i + 3])},
                                "finish_reason": None,
                            }
                        ],
                    }
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                done = {
                    "id": "c",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": model,
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                }
                self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()
                self.close_connection = True

        return Handler


@contextmanager
def running_fake_openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    try:
        yield fake
    finally:
        fake.stop()
