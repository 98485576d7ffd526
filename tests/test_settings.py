"""Typed settings read from the environment: the question-log and admin settings."""

from bot.settings import Settings


def test_admin_users_are_a_comma_separated_list(monkeypatch):
    monkeypatch.setenv("HIREBOT_ADMIN_USERS", " U0ADMIN, U0OTHER ,,")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.admin_users == frozenset({"U0ADMIN", "U0OTHER"})


def test_recording_is_on_and_nobody_is_admin_by_default():
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.record_questions is True and settings.admin_users == frozenset()


def test_recording_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("HIREBOT_RECORD_QUESTIONS", "false")
    assert Settings(_env_file=None).record_questions is False  # type: ignore[call-arg]
