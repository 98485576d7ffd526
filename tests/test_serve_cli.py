"""`hirebot run` and `hirebot serve` before the Slack app starts: placeholder tokens (the
.env.example values, or tokens not shaped like Slack's) open the terminal chat with a one-line
notice; a rejected token or an unreachable Slack API ends with one line on stderr and exit 1."""

from __future__ import annotations

import io
import logging

import pytest

from bot import cli
from tests.conftest import free_port


@pytest.fixture(autouse=True)
def restore_logging():
    """`cli.main` points the root logger at this test's captured stderr: put it back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def kb_env(monkeypatch, kb_services, kb_dir):
    """Point the CLI at the session's index."""
    monkeypatch.setenv("HIREBOT_DATA_DIR", str(kb_dir))
    return kb_dir


@pytest.mark.parametrize(
    ("env", "named"),
    [
        (
            {"SLACK_BOT_TOKEN": "xoxb-your-bot-token", "SLACK_SIGNING_SECRET": "real-secret"},
            "SLACK_BOT_TOKEN",
        ),
        ({"SLACK_BOT_TOKEN": "paste-it-here", "SLACK_SIGNING_SECRET": "s3cret"}, "SLACK_BOT_TOKEN"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "your-signing-secret"},
            "SLACK_SIGNING_SECRET",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_APP_TOKEN": "xapp-your-app-level-token"},
            "SLACK_APP_TOKEN",
        ),
    ],
    ids=["example-bot-token", "not-a-token", "example-secret", "example-app-token"],
)
def test_run_with_placeholder_tokens_opens_the_terminal_chat(
    kb_env, monkeypatch, capsys, env, named
):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SLACK_API_URL", f"http://127.0.0.1:{free_port()}/api/")  # never called
    monkeypatch.setattr("sys.stdin", io.StringIO("/quit\n"))
    assert cli.main(["run"]) == 0
    captured = capsys.readouterr()
    (notice,) = [line for line in captured.err.splitlines() if "placeholder" in line]
    assert notice.startswith(f"hirebot: {named} holds a placeholder") and "terminal chat" in notice
    assert "hirebot —" in captured.out  # the chat started


def test_a_rejected_token_ends_serve_and_run_with_one_line_and_exit_1(
    kb_env, monkeypatch, capsys, fake_slack
):
    fake_slack.script("auth.test", 200, {"ok": False, "error": "invalid_auth"}, times=2)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-123-456-rejected")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "a-real-looking-secret")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url)
    for argv in (["serve", "--http", "--port", "0"], ["run"]):
        assert cli.main(argv) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert err == ["hirebot: Slack rejected the bot token (auth.test failed: invalid_auth)"]


def test_an_unreachable_slack_api_ends_serve_with_one_line_and_exit_1(kb_env, monkeypatch, capsys):
    url = f"http://127.0.0.1:{free_port()}/api/"
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-123-456-abc")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "a-real-looking-secret")
    monkeypatch.setenv("SLACK_API_URL", url)
    assert cli.main(["serve", "--http"]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"hirebot: cannot reach the Slack API at {url} (")
