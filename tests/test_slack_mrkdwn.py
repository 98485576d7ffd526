"""Slack's text encoding (pure): what users typed, decoded; core text, escaped exactly once."""

import pytest

from bot.slack.mrkdwn import decode_incoming, escape, fit, mrkdwn, unescape
from tests.fake_slack import typed
from tests.slack_rules import rendered


@pytest.mark.parametrize(
    ("slack_text", "typed_text"),
    [
        ("<@U0HIREBOT> what does R&amp;D pay?", "what does R&D pay?"),
        ("<@U0HIREBOT|hirebot> pay for &lt;senior&gt; roles", "pay for <senior> roles"),
        ("ask <@U0ALICE> and <@U0BOB|bob>, then me", "ask and, then me"),
        ("<!here> <!channel> is MLOps a role?", "is MLOps a role?"),
        ("see <#C0HIRING|hiring> and <#C0OTHER>", "see #hiring and #channel"),
        ("read <https://x.test/a?b=1&amp;c=2|the guide> first", "read the guide first"),
        ("read <https://x.test/a?b=1&amp;c=2> first", "read https://x.test/a?b=1&c=2 first"),
        ("mail <mailto:hr@x.test|hr@x.test>", "mail hr@x.test"),
        ("due <!date^1700000000^{date}|Nov 14> ok", "due Nov 14 ok"),
        ("<!subteam^S123|@recruiters> thoughts?", "thoughts?"),
        ("literal &amp;lt; stays", "literal &lt; stays"),
        ("two\nlines  with   spaces", "two\nlines with spaces"),
        (None, ""),
    ],
)
def test_incoming_text_is_what_the_person_typed(slack_text, typed_text):
    assert decode_incoming(slack_text) == typed_text


def test_decoding_undoes_the_fakes_encoding_of_typed_text():
    said = "@hirebot R&D <lead> pay in #hiring? cc @alice, see https://x.test/?a=1&b=2"
    assert (
        decode_incoming(typed(said)) == "R&D <lead> pay in #hiring? cc, see https://x.test/?a=1&b=2"
    )


def test_escape_and_unescape_round_trip_exactly_once():
    text = "R&D <fast> & Weights & Biases &amp; co"
    assert escape(text) == "R&amp;D &lt;fast&gt; &amp; Weights &amp; Biases &amp;amp; co"
    assert unescape(escape(text)) == text
    assert rendered(escape(text)) == text  # a client shows exactly the text


def test_core_markdown_becomes_mrkdwn_with_its_text_escaped():
    out = mrkdwn("**R&D** pay <senior>\n- [the guide](https://x.test/?a=1&b=2)")
    assert out == "*R&amp;D* pay &lt;senior&gt;\n• <https://x.test/?a=1&amp;b=2|the guide>"
    assert rendered(out) == "*R&D* pay <senior>\n• the guide"


def test_fit_never_cuts_an_entity_and_stays_within_the_limit():
    text = "R&D " * 100
    for limit in (5, 9, 10, 11, 75, 150):
        out = fit(text, limit)
        assert len(out) <= limit
        assert not out.rstrip("…").endswith(("&", "&a", "&am", "&amp"))
        assert unescape(out.rstrip("…")).strip() in text
    assert fit("short & sweet", 75) == "short &amp; sweet"


def test_the_fakes_check_finds_text_a_client_would_not_show_as_written():
    from tests.slack_rules import unescaped

    assert unescaped("R&amp;D &lt;b&gt; <@U0ALICE> <#C0HIRING|hiring> <!here> <https://x|y>") == []
    assert unescaped("R&D") and unescaped("<b>bold</b>") and unescaped("a > b")
    assert unescaped(escape("R&D <b> a > b")) == []
    assert unescaped("*[1] Title*\n>a quoted passage") == []  # a blockquote marker is mrkdwn
