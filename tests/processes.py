"""Helpers for tests that run `hirebot serve` as a real process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

HIREBOT = str(Path(sys.executable).parent / "hirebot")


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without hirebot/Slack settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HIREBOT_", "SLACK_"))}
    env.update(extra)
    return env


def own_data_dir(kb_dir: Path, into: Path) -> Path:
    """A data dir with a copy of the session's index (and the classifier's cache), but its own
    state and Slack event inbox: nothing one test leaves behind reaches another."""
    into.mkdir(parents=True, exist_ok=True)
    for name in ("chroma", "cache"):
        if (kb_dir / name).is_dir():
            shutil.copytree(kb_dir / name, into / name, dirs_exist_ok=True)
    return into


def start_serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """`hirebot serve --http` on 127.0.0.1:`port`, output to `log`."""
    with log.open("w") as handle:
        return subprocess.Popen(
            [HIREBOT, "serve", "--http", "--port", str(port), "--host", "127.0.0.1"],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=handle,
        )


def readyz(port: int) -> tuple[int, dict[str, Any]]:
    """GET /readyz: (status, body)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def wait_ready(port: int, proc: subprocess.Popen, log: Path, timeout_s: float = 180) -> None:
    """Block until /readyz answers 200; fail with the process log if it dies or never does."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if readyz(port)[0] == 200:
                return
        except OSError:
            pass
        if proc.poll() is not None:
            raise AssertionError(log.read_text())
        time.sleep(0.3)
    proc.kill()
    raise AssertionError("server never became ready:\n" + log.read_text())


def stop(proc: subprocess.Popen, timeout_s: float = 60) -> int:
    """SIGTERM `proc` (a graceful stop) and wait for it; its exit status."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


def log_lines(log: Path) -> list[dict[str, Any]]:
    """The JSON log lines of a process started with HIREBOT_LOG_FORMAT=json."""
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def wait_until(condition: Any, *, timeout_s: float = 60, what: str = "a condition") -> None:
    """Poll `condition()` until it is true (no fixed sleeps); fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
