import pytest

from bot.evaluation import metrics


def test_fact_matching_normalises_case_dashes_and_emphasis():
    assert metrics.fact_present(["$160k–$210k"], "pay is **$160K-$210K** a year")
    assert not metrics.fact_present(["$160k"], "pay is $150k")
    assert metrics.fact_coverage([["a"], ["zzz"]], "A b c") == 0.5
    assert metrics.fact_coverage([], "anything") == 1.0


def test_recall_counts_groups_of_alternative_documents():
    ranked = ["d1", "d1", "d2", "d3"]
    assert metrics.recall_at_k(ranked, [["d2", "x"]], 1) == 0.0
    assert metrics.recall_at_k(ranked, [["d2", "x"]], 2) == 1.0
    assert metrics.recall_at_k(ranked, [["d1"], ["d3"]], 2) == 0.5


def test_reciprocal_rank_uses_document_ranks():
    assert metrics.reciprocal_rank(["a", "a", "b"], [["b"]]) == 0.5
    assert metrics.reciprocal_rank(["a"], [["b"]]) == 0.0


def test_ndcg_is_one_for_ideal_order_and_lower_otherwise():
    assert metrics.ndcg_at_k(["g1", "g2", "x"], [["g1"], ["g2"]], 5) == pytest.approx(1.0)
    worse = metrics.ndcg_at_k(["x", "g1", "g2"], [["g1"], ["g2"]], 5)
    assert 0.0 < worse < 1.0
    # a second alternative of an already-satisfied group earns nothing
    assert metrics.ndcg_at_k(["a", "b"], [["a", "b"]], 5) == pytest.approx(1.0)


def test_confusion_matrix_counts_pairs():
    m = metrics.confusion_matrix([("a", "a"), ("a", "b"), ("b", "b")], ["a", "b"])
    assert m == {"a": {"a": 1, "b": 1}, "b": {"a": 0, "b": 1}}


def test_groundedness_accepts_copied_clauses_and_rejects_invented_ones():
    contexts = ["Gutierrez puts senior pay at $160k. Obsidi lists $100–$250 per hour."]
    good = "• Gutierrez puts senior pay at $160k. [1]\n• Obsidi lists $100–$250 per hour. [2]"
    assert metrics.grounded_share(good, contexts) == 1.0
    bad = good + "\n• Every ML scientist earns $900k in Berlin. [3]"
    assert metrics.grounded_share(bad, contexts) == pytest.approx(2 / 3)


def test_percentile():
    assert metrics.percentile([1, 2, 3, 4], 50) == 2.5
    assert metrics.percentile([], 95) == 0.0
