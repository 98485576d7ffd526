"""The `hirebot` CLI: in-process for speed (model cached), plus one real subprocess run."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from tests.conftest import ROOT


@pytest.fixture
def kb_env(monkeypatch, kb_services, kb_dir):
    """Point the CLI at the session's index."""
    monkeypatch.setenv("HIREBOT_DATA_DIR", str(kb_dir))
    return kb_dir


CONTRACT_KEYS = {"question", "answer", "grounded", "sources", "contexts", "mode", "latency_ms"}


def test_ask_json_matches_the_contract(kb_env, capsys):
    assert cli.main(["ask", "--json", "What does a senior AI engineer earn?"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= CONTRACT_KEYS
    assert data["grounded"] is True and data["mode"] == "extractive"
    assert isinstance(data["latency_ms"], float)
    src = data["sources"][0]
    assert set(src) == {"source", "title", "original", "score", "quote"}
    assert isinstance(src["score"], float) and src["quote"]
    assert data["contexts"] and all(isinstance(c, str) for c in data["contexts"])


def test_ask_declines_out_of_scope(kb_env, capsys):
    assert cli.main(["ask", "--json", "How do I renew a work visa in Germany?"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["grounded"] is False and "help" in data["answer"]
    assert data["route"] == "declined"


def test_ask_json_names_the_route_of_every_kind_of_message(kb_env, capsys, monkeypatch):
    lines = [
        "I need the salary range for a senior AI engineer in the US.",
        "we need someone to put a GPT assistant on our help centre",
        "help me pick a role",
        "thanks!",
        json.dumps({"conversation": "w", "question": "can you walk me through picking a role?"}),
        json.dumps({"conversation": "w", "question": "4"}),  # the walkthrough's first answer
    ]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    assert cli.main(["ask", "--jsonl"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["route"] for o in out] == [
        "answer",
        "recommendation",
        "walkthrough",
        "acknowledgement",
        "walkthrough",
        "walkthrough",
    ]
    assert "$160,000" in out[0]["answer"] and "role" not in out[0]
    assert out[1]["role"] == "ai_engineer" and out[1]["answer"].startswith("*Hire an AI engineer*")
    assert "Question 1 of 5" in out[2]["answer"] and "Question 2 of 5" in out[5]["answer"]
    assert all(set(o) >= CONTRACT_KEYS | {"route"} for o in out)


def test_ask_jsonl_keeps_order_and_reports_bad_lines(kb_env, capsys, monkeypatch):
    lines = ["What is MLOps?", "", "x" * 5000, "How do I renew a work visa in Germany?"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    assert cli.main(["ask", "--jsonl"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["question"][:10] for o in out] == ["What is ML", "x" * 10, "How do I r"]
    assert out[0]["grounded"] and "error" in out[1] and out[2]["grounded"] is False
    assert all(set(o) >= CONTRACT_KEYS for o in out)


def test_ask_jsonl_conversation_lines_share_context_per_id(kb_env, capsys, monkeypatch):
    lines = [
        json.dumps(
            {"conversation": "a", "question": "what does a senior AI engineer make in the US?"}
        ),
        json.dumps(
            {
                "conversation": "b",
                "question": "what should go in a job description for an ML developer?",
            }
        ),
        json.dumps({"conversation": "a", "question": "and an ML scientist?"}),
        "and an ML scientist?",  # a plain line stands alone
        json.dumps({"conversation": "b", "question": "anything diff if we're a hospital"}),
        '{"conversation": "a"}',
        "{not json",
    ]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    assert cli.main(["ask", "--jsonl"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(out) == 7
    assert out[2]["conversation"] == "a" and out[2]["question"] == "and an ML scientist?"
    assert out[2]["resolved_question"] == "what does a senior ML scientist make in the US?"
    assert "$180,000" in out[2]["answer"]
    assert "resolved_question" not in out[3]  # no context for a plain line
    assert "HIPAA" in out[4]["answer"] and out[4]["conversation"] == "b"
    assert "question" in out[5]["error"] and "not valid" in out[6]["error"]
    assert {o["route"] for o in out[5:]} == {"declined"}
    assert all(set(o) >= CONTRACT_KEYS | {"uncovered"} for o in out[:5])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask"], "needs a QUESTION"),
        (["ask", "--jsonl", "also a question"], "--jsonl"),
        (["frobnicate"], "invalid choice"),
        (["serve", "--port", "70000"], "--port must be between"),
        (["serve", "--http"], "SLACK_BOT_TOKEN is not set"),
    ],
)
def test_bad_usage_exits_2_with_one_line(kb_env, capsys, argv, message):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_empty_question_exits_2(kb_env, capsys):
    assert cli.main(["ask", "   "]) == 2
    assert "Please type a question" in capsys.readouterr().err


def test_invalid_config_exits_2(monkeypatch, capsys):
    monkeypatch.setenv("HIREBOT_TOP_K", "many")
    assert cli.main(["ask", "hi"]) == 2
    assert "top_k" in capsys.readouterr().err


def test_ingest_reports_bad_files_and_exits_2(tmp_path, monkeypatch, capsys, embedder):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.md").write_text("# Good\n\nA real paragraph about hiring ML engineers well.\n")
    (folder / "bad.md").write_bytes(b"\x00\x01" * 40)
    assert cli.main(["ingest", "--json", str(folder)]) == 2
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["files_added"] == 1 and report["failures"][0]["path"].endswith("bad.md")
    assert "bad.md" in captured.err and "binary" in captured.err
    assert cli.main(["ingest", str(folder / "good.md")]) == 0
    assert "1 unchanged" in capsys.readouterr().out


def test_chat_answers_and_quits(kb_env, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("/help\nWhat is MLOps?\n\n/quit\nnever read\n"))
    assert cli.main(["chat"]) == 0
    out = capsys.readouterr().out
    assert "Commands:" in out and "Sources:" in out and "never read" not in out


@pytest.mark.slow
def test_console_script_and_ingest_py_run_for_real(tmp_path, kb_services, kb_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HIREBOT_", "SLACK_"))}
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "rates.md").write_text(
        "# Rates\n\nObsidi says freelance ML developers charge $100–$250 an hour.\n"
    )
    (docs / "trial.txt").write_text(
        "Coders.dev offers a paid two-week trial before a hire is final.\n"
    )

    def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args),
            cwd=ROOT,
            env={**env, "HIREBOT_DATA_DIR": str(data_dir)},
            capture_output=True,
            text=True,
            timeout=300,
        )

    first = run(sys.executable, "ingest.py", str(docs), data_dir=tmp_path / "data")
    assert first.returncode == 0, first.stderr
    assert "2 added" in first.stdout
    again = run(sys.executable, "ingest.py", str(docs), data_dir=tmp_path / "data")
    assert again.returncode == 0 and "0 texts embedded" in again.stdout
    hirebot = str(Path(sys.executable).parent / "hirebot")
    asked = run(hirebot, "ask", "--json", "What does a senior AI engineer earn?", data_dir=kb_dir)
    assert asked.returncode == 0, asked.stderr
    data = json.loads(asked.stdout)
    assert data["grounded"] and any("Gutierrez" in s["original"] for s in data["sources"])


def test_pick_role_jsonl_keeps_order(kb_env, monkeypatch, capsys):
    lines = [
        "We need dashboards and A/B test analysis for marketing",
        "",
        "x" * 3000,
        "Fine-tune nothing; wire GPT-4 into our support product via the API",
    ]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    assert cli.main(["pick-role", "--jsonl"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o.get("role") for o in out] == ["data_scientist", None, "ai_engineer"]
    assert "error" in out[1]


def test_chat_runs_the_role_walkthrough(kb_env, monkeypatch, capsys):
    answers = "\n".join(["/role", "4", "4", "4", "3", "4"])
    monkeypatch.setattr(sys, "stdin", io.StringIO(answers + "\n/quit\n"))
    assert cli.main(["chat"]) == 0
    out = capsys.readouterr().out
    assert "Question 1 of 5" in out and "Question 5 of 5" in out
    assert "Recommended: ML scientist" in out and "Hiring brief: ML scientist" in out
    assert "## Pay ranges (per source)" in out and "Sources:" in out


def test_eval_command_gates_and_reports(kb_env, tmp_path, capsys):
    import shutil

    import yaml

    evals = tmp_path / "evals"
    evals.mkdir()
    data = yaml.safe_load((ROOT / "evals" / "qa.yaml").read_text())
    data["items"] = [i for i in data["items"] if i["topic"] in ("pay", "out-of-scope")][:8]
    (evals / "qa.yaml").write_text(yaml.safe_dump(data))
    shutil.copy(ROOT / "evals" / "roles.yaml", evals / "roles.yaml")
    train = yaml.safe_load((ROOT / "evals" / "roles_train.yaml").read_text())
    (evals / "roles_train.yaml").write_text(yaml.safe_dump({"items": train["items"][::6]}))
    dev = yaml.safe_load((ROOT / "evals" / "roles_holdout.yaml").read_text())["items"]
    (evals / "roles_holdout.yaml").write_text(yaml.safe_dump({"items": dev[::4]}))
    (evals / "roles_test.yaml").write_text(yaml.safe_dump({"items": dev[1::4]}))  # a stand-in
    (evals / "thresholds.yaml").write_text(
        "min:\n  hybrid.recall@5: 0.5\n  roles.test_accuracy: 0.5\nmax: {}\n"
    )
    report = tmp_path / "out" / "report.md"
    assert cli.main(["eval", "--evals-dir", str(evals), "--report", str(report), "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert set(data["summary"]) == {"lexical", "dense", "hybrid"} and data["gate_failures"] == []
    assert set(data["roles"]["splits"]) == {"train_cv", "dev", "test"}
    assert data["roles"]["test_items"] == 7 and data["roles"]["dev_items"] == 7
    assert data["roles"]["train_cv_items"] == len(train["items"][::6]) + 51
    assert "role model is stale" in captured.err  # trained on the full set, not this cut
    assert report.exists() and (report.parent / "report-metrics.png").exists()
    assert "| test | 7 / 0 |" in report.read_text()
    (evals / "thresholds.yaml").write_text("min:\n  hybrid.recall@5: 1.01\nmax: {}\n")
    assert cli.main(["eval", "--evals-dir", str(evals)]) == 1
    assert "GATE FAILED" in capsys.readouterr().out


@pytest.mark.slow
def test_a_closed_pipe_ends_quietly(kb_dir, tmp_path):
    """`hirebot ask --jsonl ... | head -1`: no traceback when the reader leaves early."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HIREBOT_", "SLACK_"))}
    env |= {"HIREBOT_DATA_DIR": str(kb_dir), "HF_HUB_OFFLINE": "1"}
    hirebot = Path(sys.executable).parent / "hirebot"
    lines = "\n".join(["What is MLOps?"] * 40) + "\n"
    done = subprocess.run(
        f"{hirebot} ask --jsonl | head -1",
        shell=True,
        input=lines,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 1
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
