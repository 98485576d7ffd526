"""HTTP mode under load: 20 concurrent signed events against the fake Slack Web API.

Measures the ack latency (HTTP response time, target p95 <= 100 ms) and the time until the
threaded reply reaches Slack, and checks that every event is answered exactly once. Baseline:
the same app answering *before* it acks (process_before_response=True)."""

from __future__ import annotations

import dataclasses
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydantic import SecretStr

from benchmarks.common import median, pct, table
from benchmarks.fixtures import knowledge_services, questions
from bot.conversation import Conversations
from bot.stores.state import SQLiteStateStore
from tests.fake_slack import SignedPoster, mention, running_fake_slack

SECRET = "bench-signing-secret"
EVENTS = 20


def one_run(process_before_response: bool, qs: list[str]) -> dict[str, object]:
    from bot.slack.app import create_app
    from bot.slack.server import start_http

    base = knowledge_services()
    with running_fake_slack() as fake:
        settings = base.settings.model_copy(
            update={
                "slack_bot_token": SecretStr("xoxb-bench"),
                "slack_signing_secret": SecretStr(SECRET),
                "slack_api_url": fake.url,
            }
        )
        state = SQLiteStateStore(Path(tempfile.mkdtemp()) / "state.sqlite3")
        services = dataclasses.replace(
            base,
            settings=settings,
            state=state,
            conversations=Conversations(base.qa, state, ttl_s=3600, dialog=base.roles),
        )
        app = create_app(services, process_before_response=process_before_response)
        server = start_http(app, services, host="127.0.0.1", port=0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        poster = SignedPoster(f"http://127.0.0.1:{server.server_address[1]}", SECRET)
        sent: dict[str, float] = {}

        def send(n: int) -> float:
            ts = f"1700001{n:03d}.000100"
            sent[ts] = time.perf_counter()
            status, _, elapsed = poster.event(
                mention(qs[n % len(qs)], ts=ts, channel="CLOAD"),
                event_id=f"EvLoad{n}-{process_before_response}",
            )
            assert status == 200
            return elapsed * 1000

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=EVENTS) as pool:
            acks = list(pool.map(send, range(EVENTS)))
        calls = fake.wait_for("chat.postMessage", EVENTS, timeout=300)
        time.sleep(1.0)
        calls = fake.calls_to("chat.postMessage")
        wall = time.perf_counter() - started
        replies = [c.at - sent[c.params["thread_ts"]] for c in calls]
        threads = [c.params["thread_ts"] for c in calls]
        server.shutdown()
        server.server_close()
    return {
        "acks": acks,
        "replies_s": replies,
        "wall_s": wall,
        "exactly_once": len(threads) == EVENTS and len(set(threads)) == EVENTS,
    }


def run(*, quick: bool) -> str:
    qs = questions()
    knowledge_services().qa.ask(qs[0])  # warm
    rows = []
    for label, before in (
        ("lazy: ack, then answer (default)", False),
        ("baseline: answer, then ack", True),
    ):
        r = one_run(before, qs)
        acks, replies = r["acks"], r["replies_s"]
        rows.append(
            (
                label,
                median(acks),
                pct(acks, 95),
                median(replies),
                pct(replies, 95),
                r["wall_s"],
                "yes" if r["exactly_once"] else "NO",
            )
        )
    ratio = rows[1][2] / rows[0][2] if rows[0][2] else 0.0
    return (
        table(
            f"HTTP mode, {EVENTS} concurrent signed app_mention events (ack target p95 <= 100 ms)",
            [
                "mode",
                "ack p50 ms",
                "ack p95 ms",
                "reply p50 s",
                "reply p95 s",
                "all replied s",
                "exactly once",
            ],
            rows,
        )
        + f"\nAck p95 is {ratio:.0f}× lower when answering after the ack.\n"
    )
