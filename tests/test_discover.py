"""`discover`: which files an ingest reads, and which it reports instead of skipping silently."""

from __future__ import annotations

import io
import json
from pathlib import Path

from bot import cli
from bot.indexing.ingestion import discover

SUPPORTED = "(supported: .md, .markdown, .txt, .html, .htm, .pdf)"
DOC = (
    "# Interview loop\n\nA structured interview compares every candidate on the same dimensions.\n"
)


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def names(paths: list[Path], root: Path) -> set[str]:
    return {p.relative_to(root.resolve()).as_posix() for p in paths}


def test_unsupported_files_in_a_directory_are_failures_with_a_clear_reason(tmp_path):
    root = tree(
        tmp_path / "knowledge",
        {
            "roles.md": DOC,
            "NOTES.MD": DOC,
            "sub/loop.txt": DOC,
            "offer.docx": "not really a docx",
            "sub/pay.xlsx": "not really a spreadsheet",
            "LICENSE": "no extension",
        },
    )
    files, failures = discover([root])
    assert names(files, root) == {"roles.md", "NOTES.MD", "sub/loop.txt"}
    reasons = {Path(path).name: reason for path, reason in failures}
    assert reasons == {
        "offer.docx": f"unsupported file type '.docx' {SUPPORTED}",
        "pay.xlsx": f"unsupported file type '.xlsx' {SUPPORTED}",
        "LICENSE": f"unsupported file type (no file extension) {SUPPORTED}",
    }


def test_hidden_and_underscore_names_stay_silent(tmp_path):
    root = tree(
        tmp_path / "knowledge",
        {
            "roles.md": DOC,
            ".DS_Store": "finder",
            ".hidden.md": DOC,
            "_drafts/offer.docx": "draft",
            "_template.md": DOC,
            ".git/config": "[core]",
            "sub/.~lock.offer.docx#": "lock file",
        },
    )
    files, failures = discover([root])
    assert names(files, root) == {"roles.md"} and failures == []


def test_a_named_file_and_a_missing_path_are_failures(tmp_path):
    (tmp_path / "deck.pptx").write_text("slides")
    (tmp_path / "ok.txt").write_text(DOC)
    files, failures = discover([tmp_path / "deck.pptx", tmp_path / "ok.txt", tmp_path / "missing"])
    assert [p.name for p in files] == ["ok.txt"]
    assert failures[0][0].endswith("deck.pptx")
    assert failures[0][1] == f"unsupported file type '.pptx' {SUPPORTED}"
    assert failures[1] == (str(tmp_path / "missing"), "no such file or directory")


def test_a_directory_given_twice_reports_each_file_once(tmp_path):
    root = tree(tmp_path / "knowledge", {"roles.md": DOC, "offer.docx": "x"})
    files, failures = discover([root, root])
    assert len(files) == 1 and len(failures) == 1


def test_ingest_command_ingests_the_rest_and_exits_2_naming_the_stray_file(
    tmp_path, capsys, embedder
):
    root = tree(tmp_path / "knowledge", {"loop.md": DOC, "offer.docx": "x", ".DS_Store": "x"})
    assert cli.main(["ingest", "--json", str(root)]) == 2
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["files_added"] == 1
    assert [Path(f["path"]).name for f in report["failures"]] == ["offer.docx"]
    assert "offer.docx" in captured.err and "unsupported file type '.docx'" in captured.err


def test_run_start_up_ingest_warns_about_a_stray_file_and_goes_on(
    tmp_path, monkeypatch, capsys, embedder
):
    """`make run` (hirebot run, no Slack tokens): the index is built, the stray file is named,
    and the terminal chat starts anyway."""
    root = tree(tmp_path / "knowledge", {"loop.md": DOC, "offer.docx": "x"})
    monkeypatch.setenv("HIREBOT_KNOWLEDGE_DIR", str(root))
    monkeypatch.setattr("sys.stdin", io.StringIO("/quit\n"))
    assert cli.main(["run"]) == 0
    captured = capsys.readouterr()
    assert "1 added" in captured.err
    assert "offer.docx: unsupported file type '.docx'" in captured.err
    assert "hirebot —" in captured.out  # the chat started
