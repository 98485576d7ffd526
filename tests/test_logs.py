import json
import logging

from bot.logs import JsonFormatter, RedactingFilter, configure_logging, redact


def record(msg, *args, **extra):
    rec = logging.LogRecord("bot.slack", logging.INFO, __file__, 1, msg, args, None)
    rec.__dict__.update(extra)
    return rec


def test_tokens_and_secrets_are_always_redacted():
    assert redact("token xoxb-1-2-abc and xapp-1-A1-x and sk-abcdefghij1") == (
        "token [redacted] and [redacted] and [redacted]"
    )
    assert redact("secret=s3cr3t-value!", ("s3cr3t-value",)) == "secret=[redacted]!"


def test_message_text_is_redacted_unless_debug():
    payload = '{"event": {"type": "app_mention", "text": "what do we pay \\"them\\"?"}}'
    assert "what do we pay" not in redact(payload, message_text=True)
    rec = record("body: %s", payload)
    RedactingFilter(keep_text=True).filter(rec)
    assert "what do we pay" in rec.getMessage()
    rec = record("body: %s", payload)
    RedactingFilter().filter(rec)
    assert "what do we pay" not in rec.getMessage() and '"text": "[redacted]"' in rec.getMessage()


def test_extra_fields_are_redacted_and_emitted_as_json():
    rec = record("replied", channel="C1", outcome="answer", latency_ms=12.5, note="xoxb-9-9-z")
    RedactingFilter().filter(rec)
    line = json.loads(JsonFormatter().format(rec))
    assert line["msg"] == "replied" and line["channel"] == "C1" and line["latency_ms"] == 12.5
    assert line["note"] == "[redacted]" and line["level"] == "info"


def test_configure_logging_quiets_libraries_below_warning(capsys):
    configure_logging(fmt="json", level="INFO")
    logging.getLogger("slack_bolt.App").info("chatty %s", "body")
    logging.getLogger("slack_bolt.App").warning("important")
    logging.getLogger("bot.x").info("ours")
    lines = [json.loads(x) for x in capsys.readouterr().err.splitlines()]
    assert [x["msg"] for x in lines] == ["important", "ours"]
