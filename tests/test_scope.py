from bot.scope import is_name, unknown_words

VOCAB = {"salary", "engineer", "data", "ml", "hir", "senior"}


def test_unknown_words_ignore_fillers_and_known_terms():
    assert unknown_words("What salary for a senior ML engineer, honestly?", VOCAB) == []
    assert unknown_words("Salary for a data engineer in Berlin, in euros?", VOCAB) == [
        "Berlin",
        "euros",
    ]


def test_names_are_capitalised_words_not_at_sentence_start():
    question = "Under GDPR, how long? Berlin is nice. We like React and H-1B."
    assert is_name("GDPR", question)
    assert is_name("React", question)
    assert is_name("H-1B", question)
    assert not is_name("Berlin", question)  # only capitalised because it starts a sentence
    assert not is_name("nice", question)
