"""The App Home's gap section: a pure builder, tested on its dicts."""

import json

from bot.gaps.grouping import ClosestDocument, GapGroup
from bot.slack.blocks import SECTION_LIMIT, build_gap_blocks, build_home_view


def group(question: str, count: int = 3, **kw) -> GapGroup:
    fields = {
        "representative": question,
        "questions": [question],
        "count": count,
        "outcomes": {"declined": count - 1, "partial": 1},
        "uncovered": ["Toronto"],
        "down_voted": 1,
        "up_voted": 0,
        "first_at": 1.0,
        "last_at": 2.0,
        "closest": ClosestDocument("knowledge/pay/compensation-and-rates.md", "Pay", 0.6),
    }
    return GapGroup(**(fields | kw))


def home(gaps):
    return build_home_view(chunks=10, documents=2, feedback={"up": 1, "down": 0}, gaps=gaps)


def test_non_admins_get_no_gap_section():
    plain = home(None)
    assert "Knowledge gaps" not in json.dumps(plain)
    assert plain["blocks"] == home(None)["blocks"]  # the ordinary Home tab, unchanged


def test_admins_get_groups_largest_first_with_counts_terms_and_document():
    view = home([group("What does an ML engineer earn in Toronto?", 4), group("Visa?", 2)])
    texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert texts[-2:] == ["*1. 4 ×* What does an ML engineer earn in Toronto?", "*2. 2 ×* Visa?"]
    details = json.dumps(view, ensure_ascii=False)
    assert "declined 3 · partly covered 1 · 👎 25% · not covered: Toronto" in details
    assert "closest: `knowledge/pay/compensation-and-rates.md`" in details


def test_an_admin_with_no_gaps_is_told_so():
    blocks = build_gap_blocks([])
    assert blocks[1]["text"]["text"] == "Knowledge gaps · last 7 days"
    assert "No gaps" in blocks[-1]["elements"][0]["text"]


def test_user_text_is_escaped():
    blocks = build_gap_blocks(
        [group("Pay for <@U123> & <!channel> <b>devs</b>?", uncovered=["<script>", "R&D"])]
    )
    text = json.dumps(blocks)
    assert "&lt;@U123&gt; &amp; &lt;!channel&gt; &lt;b&gt;devs&lt;/b&gt;?" in text
    assert "&lt;script&gt;, R&amp;D" in text
    assert "<@U123>" not in text and "<!channel>" not in text


def test_at_most_five_groups_and_every_text_within_block_kit_limits():
    long = "why " * 2000
    blocks = build_gap_blocks([group(long + str(n), uncovered=["term " * 400]) for n in range(9)])
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(sections) == 5
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in sections)
    contexts = [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    assert all(len(t) <= 2000 for t in contexts)  # a context element's text max
    header = blocks[1]["text"]["text"]
    assert len(header) <= 150
    assert len(home([group(long)] * 9)["blocks"]) <= 100  # a Home view holds 100 blocks
