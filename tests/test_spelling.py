"""Typo repair against the knowledge base's own words."""

from collections import Counter

from bot.answering.spelling import Lexicon, correct, edit_distance

KB = Counter({"salary": 40, "senior": 30, "engineer": 80, "learning": 25, "level": 12, "sales": 3})
ENGLISH = frozenset({"lever", "toronto", "quietly", "salary", "level"})


def test_edit_distance_counts_swaps_as_one_and_stops_at_the_limit():
    assert edit_distance("senoir", "senior", 2) == 1
    assert edit_distance("salery", "salary", 2) == 1
    assert edit_distance("enginer", "engineer", 2) == 1
    assert edit_distance("kubeflow", "engineer", 2) == 3  # limit + 1


def test_typos_of_knowledge_words_are_repaired():
    fixed, repairs = correct("whats the salery for a senoir enginer?", Lexicon(KB, ENGLISH))
    assert fixed == "whats the salary for a senior engineer?"
    assert repairs == {"salery": "salary", "senoir": "senior", "enginer": "engineer"}


def test_real_words_and_names_are_never_corrected():
    lexicon = Lexicon(KB, ENGLISH)
    # 'lever' is an English word (and an ATS); 'Kubeflow' is a name far from any KB word;
    # 'Selary' mid-sentence is capitalised, so it is read as a name
    fixed, repairs = correct("Do we use lever or Kubeflow at Selary Inc?", lexicon)
    assert fixed == "Do we use lever or Kubeflow at Selary Inc?"
    assert repairs == {}


def test_the_most_frequent_of_equally_close_words_wins():
    lexicon = Lexicon(Counter({"sales": 2, "salts": 9}), frozenset())
    assert lexicon.correction("salfs") == "salts"
