from bot.text import message_sentences, split_sentences, split_units, stem, tokenize


def test_tokenize_drops_stopwords_and_stems_plurals_and_verbs():
    assert tokenize("Hiring the engineers") == tokenize("hire engineer")
    assert "the" not in tokenize("the role")
    assert tokenize("$160k per year") == ["160k", "per", "year"]


def test_stem_keeps_short_and_numeric_tokens():
    assert stem("ml") == "ml"
    assert stem("160k") == "160k"
    assert stem("studies") == "study"


def test_sentences_keep_abbreviations_and_figures_together():
    text = "Senior U.S. salaries are about $160k–$210k, e.g. at hubs. A Ph.D. helps. Done!"
    assert split_sentences(text) == [
        "Senior U.S. salaries are about $160k–$210k, e.g. at hubs.",
        "A Ph.D. helps.",
        "Done!",
    ]


def test_units_link_list_items_to_their_lead_sentence():
    units = split_units("Vector lists these skills:\n- RAG design\n- **Prompt** work\n\nAfter.")
    lead, first, second, after = units
    assert lead.text == "Vector lists these skills:" and lead.lead is None
    assert (first.text, first.lead) == ("RAG design", 0)
    assert (second.text, second.lead) == ("Prompt work", 0)
    assert after.lead is None and after.paragraph != first.paragraph


def test_units_flatten_table_rows_and_skip_rules_and_headings():
    units = split_units("## Heading\n| Role | Pay |\n|---|---|\n| AI engineer | $160k |")
    assert [u.text for u in units] == ["Role | Pay", "AI engineer | $160k"]


def test_roles_implied_adds_clear_cues_to_named_roles():
    from bot.vocabulary import vocabulary

    def roles_implied(text: str) -> set[str]:
        return set(vocabulary().roles_implied(text))

    assert roles_implied("tool stack for someone building LLM apps") == {"ai_engineer"}
    assert roles_implied("Should research hires share KPIs with AI engineers?") == {
        "ml_scientist",
        "ai_engineer",
    }
    assert roles_implied("Who builds our dashboards?") == {"data_scientist"}
    assert roles_implied("What do ML engineers earn?") == {"ml_engineer"}
    assert roles_implied("How long should a trial be?") == set()


def test_clip_trims_on_a_word_boundary_within_the_limit():
    from bot.text import clip

    assert clip("short text", 50) == "short text"
    clipped = clip("Obsidi names four warning signs for hiring", 20)
    assert clipped == "Obsidi names four…" and len(clipped) <= 20


def test_message_sentences_split_chat_text_whatever_case_follows():
    message = "  what tools does a DS use? need laptops by monday. thx!  "
    assert message_sentences(message) == [
        "what tools does a DS use?",
        "need laptops by monday.",
        "thx!",
    ]
    assert split_sentences(message) == [message.strip()]  # prose splitting wants a capital next
    assert message_sentences("") == []


def test_role_cues_match_as_people_type_them_and_not_inside_other_words():
    from bot.vocabulary import vocabulary

    words = vocabulary()
    for text in ("we need llm apps", "someone for GPT-4 work", "prompting experts", "a RAG bot"):
        assert words.roles_implied(text) == ("ai_engineer",), text
    for text in ("a drag-and-drop tool", "draggable charts", "researching the market later"):
        assert words.roles_implied(text) == (), text
