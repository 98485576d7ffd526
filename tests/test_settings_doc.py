"""The README's configuration table is generated from `Settings` and can never drift from it."""

from pathlib import Path

import pytest
from pydantic import AliasChoices, Field, SecretStr

from bot import settings_doc
from bot.settings import Settings
from bot.settings_doc import END, START, readme_block, settings_table, with_table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_table_is_the_generated_one():
    assert readme_block(README.read_text(encoding="utf-8")) == settings_table(), (
        "README.md's settings table is stale: run `.venv/bin/python -m bot.settings_doc`"
    )


def test_every_setting_has_a_row_with_its_variable():
    table = settings_table()
    rows = table.splitlines()[2:]
    assert len(rows) == len(Settings.model_fields)
    for name, field in Settings.model_fields.items():
        names = settings_doc.env_names(name, field)
        assert names, name
        assert any(f"`{n}`" in table for n in names), name


def test_slack_settings_show_slacks_own_names_first():
    table = settings_table()
    for variable in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        assert f"| `{variable}`, `HIREBOT_{variable}` |" in table


def test_meanings_and_defaults_come_from_the_fields():
    table = settings_table()
    top_k = Settings.model_fields["top_k"]
    assert (
        f"| `HIREBOT_TOP_K` | {top_k.description} Range: ≥ 1, ≤ 20. | `{top_k.default}` |" in table
    )
    assert "One of `text`, `json`." in table  # log_format's Literal
    assert "| `HIREBOT_CHROMA_URL` |" in table and "| unset |" in table


def test_a_field_without_a_description_gets_a_placeholder_from_its_name():
    field = Field(None, validation_alias=AliasChoices("SLACK_X", "HIREBOT_SLACK_X"))
    assert settings_doc.meaning("slack_x_token", field) == "Slack x token (no description yet)."
    assert settings_doc.env_names("slack_x_token", field) == ["SLACK_X", "HIREBOT_SLACK_X"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "unset"), (True, "`true`"), (20.0, "`20`"), (frozenset(), "empty"), ("x", "`x`")],
)
def test_defaults_are_written_as_in_the_environment(value, shown):
    assert settings_doc.default(Field(value)) == shown
    assert settings_doc.default(Field(SecretStr("s"))) == "(secret)"


def test_main_rewrites_only_the_block_between_the_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{START}\nold table\n{END}\noutro\n", encoding="utf-8")
    assert settings_doc.main([str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert text == with_table(f"intro\n{START}\n{END}\noutro\n", settings_table())
    assert text.startswith("intro\n") and text.endswith(f"{END}\noutro\n")
    assert settings_doc.main([str(readme)]) == 0 and readme.read_text(encoding="utf-8") == text


def test_main_refuses_a_file_without_markers(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("no markers here\n", encoding="utf-8")
    assert settings_doc.main([str(readme)]) == 2
    assert "markers" in capsys.readouterr().err
    assert readme.read_text(encoding="utf-8") == "no markers here\n"
