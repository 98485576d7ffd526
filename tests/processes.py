"""Helpers for tests that run `hirebot serve` as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import ROOT

HIREBOT = str(Path(sys.executable).parent / "hirebot")


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without hirebot/Slack settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HIREBOT_", "SLACK_"))}
    env.update(extra)
    return env


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


def wait_ready(port: int, proc: subprocess.Popen, log: Path, timeout_s: float = 180) -> None:
    """Block until /readyz answers 200; fail with the process log if it dies or never does."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None:
            raise AssertionError(log.read_text())
        time.sleep(0.3)
    proc.kill()
    raise AssertionError("server never became ready:\n" + log.read_text())
