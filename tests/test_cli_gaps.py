"""`hirebot ask` / `ask --jsonl` / `chat` record questions; `hirebot gaps` reports them (in-process
main(), each test with its own state next to a copy of the session's index)."""

import io
import json
import shutil
import sys
import time

import pytest

from bot import cli
from bot.stores.state import QuestionRecord, SQLiteStateStore

VISA = "How do I renew a work visa in Germany?"
COVERED = "What does a senior AI engineer earn?"


@pytest.fixture
def data_dir(monkeypatch, tmp_path, kb_services, kb_dir):
    """A private data dir: a copy of the session's index, and an empty state database."""
    target = tmp_path / "data"
    shutil.copytree(kb_dir / "chroma", target / "chroma")
    monkeypatch.setenv("HIREBOT_DATA_DIR", str(target))
    return target


def logged(data_dir):
    return SQLiteStateStore(data_dir / "state.sqlite3").questions(since=0)


def gaps_json(capsys, *args):
    capsys.readouterr()
    assert cli.main(["gaps", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_ask_and_ask_jsonl_record_every_question_and_gaps_groups_them(
    data_dir, monkeypatch, capsys
):
    assert cli.main(["ask", COVERED]) == 0
    assert cli.main(["ask", "--json", VISA]) == 0
    lines = ["What is MLOps?", "x" * 5000, "can my ML engineer get a German work visa renewed?"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    assert cli.main(["ask", "--jsonl"]) == 0
    records = logged(data_dir)
    assert len(records) == 4  # the over-long line was refused, not logged
    assert {r.user for r in records} == {"cli"}
    assert sorted(r.outcome for r in records) == ["answered", "answered", "declined", "declined"]

    report = gaps_json(capsys, "--since", "1h")
    assert report["questions"] == 4 and report["gap_questions"] == 2
    assert report["outcomes"] == {"declined": 2, "partial": 0, "answered": 2}
    (group,) = report["groups"]  # the two visa questions, worded differently, in one group
    assert group["count"] == 2 and group["outcomes"]["declined"] == 2
    assert {q.lower() for q in group["questions"]} == {VISA.lower(), lines[2].lower()}


def test_gaps_prints_groups_and_writes_a_report_with_a_chart(data_dir, capsys, tmp_path):
    for question in (VISA, "Can we sponsor a visa for a data scientist from Germany?", COVERED):
        assert cli.main(["ask", question]) == 0
    capsys.readouterr()
    report_path = tmp_path / "out" / "gaps.md"
    assert cli.main(["gaps", "--since", "30m", "--report", str(report_path)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("Last 30m: 3 questions logged (1 answered")
    assert "1. 2 × “" in captured.out and "declined 2" in captured.out
    assert "gaps.md" in captured.err and "gaps-groups.png" in captured.err
    assert "![top gap groups](gaps-groups.png)" in report_path.read_text()
    assert (report_path.parent / "gaps-groups.png").stat().st_size > 1000


def test_gaps_since_excludes_older_questions(data_dir, capsys):
    assert cli.main(["ask", VISA]) == 0
    store = SQLiteStateStore(data_dir / "state.sqlite3")
    two_hours_ago = time.time() - 7200
    store.add_question(QuestionRecord("old", "Nurse pay in Texas?", "declined", two_hours_ago), 600)
    assert gaps_json(capsys, "--since", "1h")["questions"] == 1
    assert gaps_json(capsys, "--since", "3h")["questions"] == 2


@pytest.mark.parametrize("since", ["7", "soon", "-1d", "0h", "7 days"])
def test_bad_since_exits_2_with_one_line(data_dir, capsys, since):
    assert cli.main(["gaps", "--since", since]) == 2
    err = capsys.readouterr().err.strip()
    assert "--since" in err and len(err.splitlines()) == 1


def test_chat_questions_are_recorded(data_dir, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"hello\n{COVERED}\n{VISA}\n/quit\n"))
    assert cli.main(["chat"]) == 0
    records = logged(data_dir)
    assert [(r.outcome, r.user) for r in records] == [
        ("declined", "terminal"),
        ("answered", "terminal"),
    ]


def test_recording_off_records_nothing(data_dir, monkeypatch, capsys):
    monkeypatch.setenv("HIREBOT_RECORD_QUESTIONS", "false")
    assert cli.main(["ask", VISA]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{VISA}\n"))
    assert cli.main(["ask", "--jsonl"]) == 0
    assert logged(data_dir) == []
    assert gaps_json(capsys)["questions"] == 0
