"""Questions end to end through the real model and a real Chroma index of knowledge/."""

import pytest

from bot.answering.qa import split_compound, validate_question
from bot.errors import BadQuestion
from bot.text import is_question


def test_validation_refuses_empty_and_overlong_questions_with_a_reason():
    with pytest.raises(BadQuestion) as empty:
        validate_question("   \n\t ", max_chars=100)
    assert "Please type a question" in empty.value.user_message
    with pytest.raises(BadQuestion) as long:
        validate_question("why " * 100, max_chars=100)
    assert "399 characters" in long.value.user_message
    assert validate_question("  What   pay?\n", max_chars=100) == "What pay?"


def test_compound_questions_are_split_into_parts():
    assert split_compound("What red flags matter, and what should I ask in the MLOps round?") == [
        "What red flags matter",
        "what should I ask in the MLOps round?",
    ]
    assert split_compound("Is a PhD needed? How long should a trial be?") == [
        "Is a PhD needed?",
        "How long should a trial be?",
    ]
    assert split_compound("What does an ML scientist do and what do they earn?") == [
        "What does an ML scientist do and what do they earn?"
    ]


def test_elaborations_stay_with_their_question():
    quarter = "What does an ML scientist produce? Like, what do I get at the end of a quarter?"
    assert split_compound(quarter) == [quarter]
    rebrand = "Isn't AI engineer a rebranded title? Or is it a different job?"
    assert split_compound(rebrand) == [rebrand]


def test_senior_ai_engineer_pay_cites_each_source_separately(kb_services):
    answer = kb_services.qa.ask("What does a senior AI engineer earn?")
    assert answer.grounded
    assert "$160,000" in answer.answer or "$160k" in answer.answer
    assert "$210,000" in answer.answer or "$210k" in answer.answer
    originals = " | ".join(s.original for s in answer.sources)
    assert "Gutierrez" in originals and "Coders.dev" in originals
    assert "different figures" in answer.answer  # disagreement is flagged, not merged
    for n, src in enumerate(answer.sources, 1):
        assert f"[{n}]" in answer.answer
        assert src.quote and src.source.startswith("knowledge/")
        assert src.quote.split(":")[0][:40] in "\n".join(answer.contexts)


def test_contractor_rates_come_from_obsidi(kb_services):
    answer = kb_services.qa.ask("How much do freelance ML developers charge per hour?")
    assert answer.grounded and "$100" in answer.answer and "$250" in answer.answer
    cited = [s for s in answer.sources if "$250" in s.quote]
    assert cited and all("Obsidi" in s.original for s in cited)


def test_out_of_scope_questions_are_declined_plainly(kb_services):
    for question in (
        "How do I renew a work visa in Germany?",
        "What's a good carbonara recipe?",
        "What's the going salary in euros for a data engineer in Berlin?",
    ):
        answer = kb_services.qa.ask(question)
        assert not answer.grounded, question
        assert "don't have sourced guidance" in answer.answer
        assert answer.sources == []


def test_answers_have_no_duplicate_points(kb_services):
    answer = kb_services.qa.ask("What red flags should I watch for when hiring ML engineers?")
    points = [p.text for p in answer.all_points]
    assert len(points) == len(set(points)) >= 2


def test_a_role_the_question_implies_picks_that_roles_passages(kb_services):
    answer = kb_services.qa.ask("What's the typical tool stack for someone building LLM apps?")
    assert answer.grounded and "LangChain" in answer.answer
    assert "Horovod" not in answer.answer  # the ML scientist's tools were shown before


def test_shorthand_is_understood(kb_services):
    answer = kb_services.qa.ask("What's typical comp for a mid-level MLE in North America?")
    assert answer.grounded and "$130" in answer.answer and "$180" in answer.answer


def test_compound_question_answers_both_parts(kb_services):
    answer = kb_services.qa.ask(
        "Should we do a paid trial before committing to an ML hire, and what should references "
        "speak to?"
    )
    assert answer.grounded
    text = answer.answer.lower()
    assert "2-week" in text or "two-week" in text
    assert "reference" in text


def test_uncovered_question_part_is_named_but_an_uncovered_aside_is_not(kb_services):
    with_question = kb_services.qa.ask(
        "What red flags should I watch for in ML candidates? What is the capital of Peru?"
    )
    assert with_question.grounded
    assert "no sourced guidance on: “What is the capital of Peru?”" in with_question.answer
    with_aside = kb_services.qa.ask(
        "What red flags should I watch for in ML candidates? Our office plants keep dying."
    )
    assert with_aside.grounded
    assert "no sourced guidance" not in with_aside.answer
    assert "plants" not in with_aside.answer


def test_is_question_tells_questions_from_asides():
    assert is_question("What red flags matter")
    assert is_question("Isn't AI engineer a rebranded title?")
    assert not is_question("Need a checklist for the scorecard.")
    assert not is_question("Our LinkedIn posts get junk.")


def test_timings_are_reported(kb_services):
    answer = kb_services.qa.ask("What is MLOps?")
    assert set(answer.timings) == {"embed_ms", "classify_ms", "retrieve_ms", "compose_ms"}
    assert answer.latency_ms >= sum(answer.timings.values()) * 0.5
    assert answer.to_dict()["mode"] == "extractive"


# ---- issue 13: scope by topic, partial answers, direct answer first ------------------------


@pytest.mark.parametrize(
    ("question", "must_contain", "uncovered"),
    [
        ("Is Kubeflow experience a must for an ML engineer?", ["ML engineer"], ["Kubeflow"]),
        ("What does a senior ML engineer earn in Toronto?", ["$200,000"], ["Toronto"]),
        (
            "We're not sure if we need R&D or just someone to integrate GPT - what's the difference?",
            ["AI engineer"],
            [],
        ),
        (
            "our model looked great at launch and now it's quietly getting worse in prod. what "
            "role were we missing?",
            ["ML engineer"],
            [],
        ),
        ("should we put a time limit on the take-home for ML candidates?", ["time limit"], []),
    ],
)
def test_questions_naming_tools_and_cities_are_answered_with_what_is_covered(
    kb_services, question, must_contain, uncovered
):
    answer = kb_services.qa.ask(question)
    assert answer.grounded, answer.note
    assert answer.sources and "[1]" in answer.answer
    for text in must_contain:
        assert text.lower() in answer.answer.lower(), (text, answer.answer)
    assert answer.uncovered == uncovered
    payload = answer.to_dict()
    assert payload["uncovered"] == uncovered
    if uncovered:  # a note right after the lead names what the sources do not cover
        assert answer.notes[0].kind == "uncovered" and uncovered[0] in answer.notes[0].text
        assert answer.answer.splitlines()[1].startswith("_The sources")
    else:
        assert not any(n.kind == "uncovered" for n in answer.notes)
    assert not answer.answer.startswith("_")  # the lead comes first


def test_the_toronto_note_says_the_sources_give_no_figures_for_it(kb_services):
    answer = kb_services.qa.ask("What does a senior ML engineer earn in Toronto?")
    note = next(n.text for n in answer.notes if n.kind == "uncovered")
    assert note.startswith("The sources give no figures for *Toronto*; the nearest figures are for")
    assert answer.lead is not None and "$200,000" in answer.lead.plain()
    assert "Obsidi" in " ".join(s.original for s in answer.sources)


@pytest.mark.parametrize(
    "question",
    [
        "what's the cleanest way to let go of an underperforming data scientist?",
        "how do I write a performance review for an underperforming engineer?",
        "What's the going salary in euros for a data engineer in Berlin?",
    ],
)
def test_neighbouring_topics_are_declined_with_the_usual_message(kb_services, question):
    answer = kb_services.qa.ask(question)
    assert not answer.grounded, answer.answer
    assert "don't have sourced guidance" in answer.answer and "help me pick a role" in answer.answer
    assert answer.uncovered == []


def test_who_to_hire_questions_lead_with_the_recommended_role(kb_services):
    answer = kb_services.qa.ask(
        "We're a 20-person startup adding an AI chatbot. Who should we hire first?"
    )
    first = answer.answer.splitlines()[0]
    assert first.startswith("*Hire an AI engineer*") and first.endswith("[1]")
    assert answer.kind == "role_choice"
    assert answer.sources[0].source == "knowledge/roles/ai-engineer.md"


def test_pay_for_one_role_leaves_out_other_roles_and_repeated_figures(kb_services):
    engineer = kb_services.qa.ask("senior ML engineer pay")
    assert "$200,000" in engineer.answer
    assert engineer.lead is not None and "$200,000" in engineer.lead.plain()

    scientist = kb_services.qa.ask("senior ML scientist pay")
    assert "$180,000" in scientist.answer
    lines = [line for line in scientist.answer.splitlines() if "$180,000" in line]
    assert len(lines) == 1  # the same figures are not repeated in a second bullet
    assert "$95,000" not in scientist.answer  # nor the entry-level figures nobody asked for


def test_typos_are_repaired_before_answering(kb_services):
    answer = kb_services.qa.ask("whats the salery for a senoir machine lerning enginer?")
    assert answer.grounded and "$200,000" in answer.answer
    assert answer.uncovered == []


def test_a_long_setup_does_not_outweigh_a_role_question_at_its_end(kb_services):
    qa = kb_services.qa
    setup = (
        "SaaS, Toronto, ~70 ppl. Our PM wants an in-app helper that answers questions from our "
        "help docs using the OpenAI API."
    )
    message = f"{setup} Do we hire an MLE for that or something else?"
    reply = kb_services.conversations.respond(conversation=None, user="U1", text=message)
    assert reply.route == "recommendation" and reply.answer is not None
    assert reply.answer.kind == "role_choice" and reply.answer.recommended_role == "ai_engineer"
    off_topic = qa.ask(f"{setup} Also, how do I set up payroll in Canada?")
    assert not off_topic.grounded  # a question naming no AI/ML role is not rescued


def test_prepared_questions_are_asked_without_another_model_call(kb_services):
    """`prepare` embeds a batch of questions ahead; asking them then runs the model no more."""
    embedder = kb_services.qa.retriever.embedder
    questions = [
        "What do ML scientsts earn at a Berlin startup?",  # typo repaired before embedding
        "Should we do a paid trial before an ML hire, and what should references speak to?",
        "How many interview rounds for a junior data scientist in Toronto?",
    ]
    assert kb_services.qa.prepare([*questions, "   ", "x" * 100_000]) >= len(questions)
    calls = []
    model = embedder._model
    encode = model.encode

    def counted(texts, *args, **kwargs):  # a spy: the real model still runs
        calls.append(list(texts))
        return encode(texts, *args, **kwargs)

    model.encode = counted
    try:
        for question in questions:
            assert kb_services.qa.ask(question).grounded
    finally:
        model.encode = encode
    assert calls == []
