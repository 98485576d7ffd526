"""Shared fixtures: isolated env per test, the real model loaded once, one real index per session."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from pydantic import SecretStr

from bot.services import Services, build_services
from bot.settings import Settings
from bot.stores.embeddings import Embedder, load_embedder
from bot.types import Answer

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
_ISOLATED_PREFIXES = ("HIREBOT_", "SLACK_")
# A data dir where `hirebot ingest` has already indexed knowledge/ (`make test` sets it, and the
# eval reads the same index): the session copies it instead of embedding everything again.
# `kb_services` re-ingests the copy, so a stale one is brought up to date, never trusted.
PREBUILT_INDEX = Path(p) if (p := os.environ.get("TEST_INDEX_FROM")) else None


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test sees the developer's Slack tokens or hirebot settings; data goes to a temp dir;
    logging set up by a test (`cli.main` does) is undone, so no later test's threads write to
    the stream pytest captured for it and has since closed."""
    for key in list(os.environ):
        if key.startswith(_ISOLATED_PREFIXES):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HIREBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(ROOT)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2, loaded once per test session."""
    model = load_embedder()
    model.load()
    return model


class CountingEmbedder:
    """Wraps an embedder and counts the texts it embeds (to prove work was or was not done)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.texts = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.embed(texts)


@pytest.fixture
def counting_embedder(embedder: Embedder) -> CountingEmbedder:
    return CountingEmbedder(embedder)


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for a test, with an explicit data dir and no .env file."""
    return Settings(_env_file=None, data_dir=data_dir, **overrides)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def kb_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """This session's copy of the knowledge index: copied from `TEST_INDEX_FROM` when set, else
    built here. Under pytest-xdist the first worker builds it
    (in a child process, so every file is closed) while the others wait, and each worker then
    copies it: the model runs once instead of once per worker, on every core."""
    import shutil

    own = tmp_path_factory.mktemp("kb-index")
    if PREBUILT_INDEX is not None:  # `make test` built it (and checks it is current, below)
        shutil.copytree(PREBUILT_INDEX / "chroma", own / "chroma")
        return own
    if worker_id == "master":
        return own
    import fcntl
    import subprocess
    import sys

    shared = tmp_path_factory.getbasetemp().parent  # the same for every worker of this run
    built = shared / "kb-index-built"
    with open(shared / "kb-index.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (built / "complete").exists():
            shutil.rmtree(built, ignore_errors=True)
            script = (
                "import sys; from pathlib import Path; "
                "from tests.conftest import build_kb_index; build_kb_index(Path(sys.argv[1]))"
            )
            env = {k: v for k, v in os.environ.items() if not k.startswith(_ISOLATED_PREFIXES)}
            subprocess.run(
                [sys.executable, "-c", script, str(built)], cwd=ROOT, env=env, check=True
            )
            (built / "complete").touch()
    shutil.copytree(built, own, dirs_exist_ok=True, ignore=shutil.ignore_patterns("complete"))
    return own


def build_kb_index(data_dir: Path) -> None:
    """Ingest the knowledge base into `data_dir` with the test settings (see `kb_dir`)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    services = build_services(make_settings(data_dir))
    report = services.ingest([KNOWLEDGE], progress=False)
    assert report.ok and report.chunks_added > 50, report


@pytest.fixture(scope="session")
def kb_services(kb_dir: Path, embedder: Embedder) -> Iterator[Services]:
    """Services over the real knowledge base, ingested once per session into a temp dir."""
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        services = build_services(make_settings(kb_dir), embedder=embedder)
        report = services.ingest([KNOWLEDGE], progress=False)
        assert report.ok and services.store.count() > 50, report  # built here, or copied
        yield services
    finally:
        os.chdir(cwd)


def ask_in(
    conversations: object,
    text: str,
    *,
    conversation: str | None = None,
    history: Sequence[str] = (),
) -> Answer:
    """Send `text` through the front door and return the answer behind the reply (every test
    of answers goes the way users do: `Conversations.respond`)."""
    reply = conversations.respond(  # type: ignore[attr-defined]
        conversation=conversation, user="U-test", text=text, history=history
    )
    assert reply.answer is not None, f"{text!r} got a {reply.route} reply: {reply.text}"
    return reply.answer


@pytest.fixture
def services(tmp_path: Path, embedder: Embedder) -> Services:
    """Fresh, empty services in this test's temp dir."""
    return build_services(make_settings(tmp_path / "data"), embedder=embedder)


# ---- Slack: fake Web API, app over HTTP, signed requests -------------------------------------

SIGNING_SECRET = "test-signing-secret-0123456789"


@pytest.fixture
def fake_slack() -> Iterator[object]:
    """A fresh fake Slack Web API on 127.0.0.1 for one test. At the end, no call may have broken
    one of Slack's rules (blocks past Block Kit's limits, a scope the manifest lacks, ...)
    unless the test lists the error in `fake.expected_errors`, and every posted text must be
    escaped (a client shows it as written)."""
    from tests.fake_slack import running_fake_slack

    with running_fake_slack() as fake:
        yield fake
        broken = [
            (c.method, c.response.get("error"), c.response.get("errors"))
            for c in fake.rule_violations()
            if c.response.get("error") not in fake.expected_errors
        ]
        assert not broken, f"calls real Slack would refuse: {broken}"
        assert not fake.unescaped_texts(), f"text shown wrongly: {fake.unescaped_texts()}"


def slack_services_for(kb_services: Services, state_dir: Path, api_url: str) -> Services:
    """The shared knowledge index with this test's own state store and Slack settings."""
    import dataclasses

    from bot.conversation import Conversations
    from bot.roles.dialog import RoleDialog
    from bot.stores.state import SQLiteStateStore

    settings = kb_services.settings.model_copy(
        update={
            "data_dir": state_dir,  # this test's own state and Slack event inbox
            "slack_bot_token": SecretStr("xoxb-test-token"),
            "slack_signing_secret": SecretStr(SIGNING_SECRET),
            "slack_api_url": api_url,
        }
    )
    state = SQLiteStateStore(state_dir / "state.sqlite3")
    roles = RoleDialog(
        state,
        kb_services.roles.recommender,
        kb_services.roles.briefs,
        ttl_s=settings.walkthrough_ttl_s,
    )
    return dataclasses.replace(
        kb_services,
        settings=settings,
        state=state,
        roles=roles,
        conversations=Conversations(
            kb_services.qa, state, ttl_s=settings.state_ttl_s, dialog=roles
        ),
    )


@dataclass
class SlackHarness:
    """The app served over HTTP on a free port, its fake Web API and a signed-request poster."""

    fake: object
    services: Services
    poster: object
    base_url: str


@pytest.fixture
def slack(kb_services: Services, fake_slack, tmp_path: Path) -> Iterator[SlackHarness]:
    """hirebot's Slack app on 127.0.0.1, pointed at the fake Web API."""
    import threading

    from bot.slack.app import create_app
    from bot.slack.server import start_http
    from tests.fake_slack import SignedPoster

    services = slack_services_for(kb_services, tmp_path, fake_slack.url)
    app = create_app(services)
    server = start_http(app, services, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield SlackHarness(fake_slack, services, SignedPoster(base, SIGNING_SECRET), base)
    finally:
        server.shutdown()
        server.server_close()


# ---- scale-out: a real `chroma run` server and Redis --------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server (`chroma run`) on a free local port, for the whole session."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = (path / "server.log").open("w")
    exe = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=log,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError((path / "server.log").read_text()) from None
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("chroma run did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_url() -> str:
    """The local Redis (db 15), or a skip with a clear reason when none runs."""
    from bot.stores.state import RedisStateStore

    if not RedisStateStore(REDIS_URL).ping():
        pytest.skip("no Redis server on 127.0.0.1:6379 (start it with redis-server)")
    return REDIS_URL
