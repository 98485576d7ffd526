"""Follow-ups read by their structure: a frame per message, a learned relation to the previous
question, the question it stands for made from the merged frame; then through the real core."""

import uuid
from pathlib import Path

import pytest

from bot.answering.frame import Frame, Reading, read_as, says_new_topic, without_marker
from bot.answering.relation import RelationModel, load_pairs
from tests.conftest import ask_in

PAY = Reading(
    "what does a senior ML engineer make in the US?",
    "standalone",
    Frame.read("what does a senior ML engineer make in the US?", "pay"),
    "what does a senior ML engineer make in the US?",
)


@pytest.mark.parametrize(
    ("text", "roles", "levels", "regions"),
    [
        (
            "what does a senior MLE make in the Bay Area?",
            ("ml_engineer",),
            ("senior",),
            ("Silicon Valley",),
        ),
        ("DS&A questions for comp sci grads", (), (), ()),
        ("and for a fresh grad?", (), ("new grad",), ()),
        ("entry-level data scientists in the US", ("data_scientist",), ("junior",), ("U.S.",)),
        ("AI/ML engineers at a fintech startup, contract", ("ai_engineer", "ml_engineer"), (), ()),
    ],
)
def test_a_frame_holds_what_a_message_states(text, roles, levels, regions):
    frame = Frame.read(text, "pay")
    assert (frame.roles, frame.levels, frame.regions) == (roles, levels, regions)


def test_setting_slots_come_from_the_one_vocabulary():
    frame = Frame.read("we are a fintech startup hiring a contract ML engineer", "contracting")
    assert (frame.industry, frame.size, frame.employment) == ("fintech", "startup", "contract")
    assert Frame.from_dict(frame.to_dict()) == frame


def test_a_variant_keeps_the_question_and_changes_only_what_it_states():
    lead = read_as("variant", Frame.read("and for a lead?", ""), PAY)
    assert lead.frame.levels == ("lead",) and lead.frame.roles == ("ml_engineer",)
    assert lead.frame.kind == "pay" and lead.frame.regions == ("U.S.",)
    assert lead.query == "what does a lead ML engineer make in the US?"  # kept as documentation
    place = read_as("variant", Frame.read("how about berlin", "", places=["berlin"]), PAY)
    assert place.frame.place == "berlin" and place.frame.regions == ()
    assert "berlin" in place.query and "US" not in place.query and "senior" in place.query
    role = read_as("variant", Frame.read("and an ML scientist?", ""), PAY)
    assert role.frame.roles == ("ml_scientist",) and "ML scientist" in role.query


def test_a_new_question_about_the_same_subject_names_it():
    interview = read_as(
        "same_subject", Frame.read("how do I interview such people", "interviewing"), PAY
    )
    assert interview.frame.kind == "interviewing" and interview.frame.roles == ("ml_engineer",)
    assert "ML engineers" in interview.query and "such people" not in interview.query
    posting = read_as(
        "same_subject", Frame.read("what should the job posting say", "job_description"), PAY
    )
    assert "ML engineer" in posting.query and posting.rewritten


def test_about_the_answer_and_new_topics():
    about = read_as("about_answer", Frame.read("is that base or total comp?", "pay"), PAY)
    assert about.frame.kind == "pay" and about.about == PAY.query
    assert about.shown().startswith("Reading this as about the answer to:")
    new = read_as("new_topic", Frame.read("unrelated, but what is MLOps?", "concepts"), PAY)
    assert new.query == "what is MLOps?" and not new.rewritten
    assert says_new_topic("ok different question: red flags?") and not says_new_topic(
        "and red flags?"
    )
    assert without_marker("new q: what is RAG") == "what is RAG"


def test_the_committed_relation_model_is_fresh_and_reads_the_five_relations(embedder):
    from bot.answering.relation import DEFAULT_ARTIFACT
    from bot.evaluation.relation_training import fingerprint, training_pairs

    model = RelationModel.load(DEFAULT_ARTIFACT)
    assert model.meta["fingerprint"] == fingerprint(training_pairs(Path("evals")), embedder.name), (
        "bot/data/relation_model.json is stale: run `hirebot train-relations`"
    )
    assert len(load_pairs()) >= 500 and model.meta["cv_accuracy"] > 0.8


# ---- through the real core (model, index, state store) ------------------------------------


def _thread(services, *messages):
    conversation = f"test:{uuid.uuid4().hex}"
    answers = [ask_in(services.conversations, m, conversation=conversation) for m in messages]
    return answers[-1]


def test_the_ml_scientist_follow_up_gets_the_ml_scientist_range(kb_services):
    answer = _thread(
        kb_services, "what does a senior AI engineer make in the US?", "and an ML scientist?"
    )
    assert answer.resolved_question == "what does a senior ML scientist make in the US?"
    assert answer.notes[0].kind == "reading"
    assert answer.notes[0].text.startswith("Reading this as: what does a senior ML scientist")
    assert answer.answer.splitlines()[1].startswith("_Reading this as:")  # right after the lead
    assert "$180,000" in answer.answer and "$250,000" in answer.answer
    assert "$160,000–$210,000" not in answer.answer  # the AI engineer figures no longer lead
    assert answer.question == "and an ML scientist?"
    assert answer.to_dict()["resolved_question"] == answer.resolved_question


def test_the_hospital_follow_up_brings_in_hipaa(kb_services):
    answer = _thread(
        kb_services,
        "what should go in a job description for an ML developer?",
        "anything diff if we're a hospital",
    )
    assert "HIPAA" in answer.answer and answer.resolved_question


def test_the_mlops_round_follow_up_gets_the_production_questions(kb_services):
    answer = _thread(
        kb_services,
        "how should i structure the interview process for ML engineers?",
        "what do i ask in the mlops round",
    )
    text = answer.answer
    assert answer.resolved_question and "CI/CD" in text and "drift" in text and "latency" in text


def test_a_topic_change_is_answered_as_a_new_question(kb_services):
    answer = _thread(
        kb_services,
        "whats the difference between an AI engineer and an ML scientist",
        "unrelated, but what is MLOps and why should I care about it when hiring?",
    )
    assert answer.resolved_question is None and "Reading this as" not in answer.answer
    text = answer.answer.lower()
    assert "monitor" in text and "drift" in text and "production" in text
    assert "resolved_question" not in answer.to_dict()


def test_a_follow_up_after_a_recommendation_uses_the_recommended_role(kb_services):
    answer = _thread(
        kb_services,
        "We're adding a GPT chatbot to our help centre. Who should we hire?",
        "what would they cost us?",
    )
    assert "AI engineer" in (answer.resolved_question or "")
    assert "$160,000" in answer.answer or "$90,000" in answer.answer


def test_a_declined_turn_is_still_the_context_of_its_follow_up(kb_services):
    answer = _thread(kb_services, "what does a school nurse earn in Ohio?", "and in Texas?")
    assert "nurse" in (answer.resolved_question or "") and "Texas" in answer.resolved_question
    assert not answer.grounded  # still off topic, read as the question it continues


def test_a_thread_joined_late_reads_the_earlier_messages(kb_services):
    conversation = f"test:{uuid.uuid4().hex}"
    answer = ask_in(
        kb_services.conversations,
        "what do you think?",
        conversation=conversation,
        history=["hey all", "what should we pay a senior ML scientist in the US?"],
    )
    assert "senior ML scientist" in (answer.resolved_question or "")
    assert "$180,000" in answer.answer


def test_a_follow_up_in_an_on_topic_thread_is_judged_at_the_lower_bar(kb_services):
    question = "how long does the process usually take"
    alone = kb_services.qa.classifier.classify(question)
    bar = kb_services.qa.classifier.config
    assert bar.min_in_scope_in_thread <= alone.in_scope_probability < bar.min_in_scope
    assert not ask_in(kb_services.conversations, question).grounded  # on its own: declined
    answer = _thread(kb_services, "how should we interview ML engineers?", question)
    assert answer.grounded and answer.kind in kb_services.qa.classifier.in_scope_labels
    # an off-topic follow-up is still declined, and a marked topic change gets no lower bar
    assert not _thread(
        kb_services, "how should we interview ML engineers?", "thanks! what's for lunch"
    ).grounded


def test_a_bare_it_follow_up_is_answered_about_the_previous_question(kb_services):
    answer = _thread(
        kb_services,
        "do any of these talent marketplaces offer a paid trial?",
        "how long does it last",
    )
    assert answer.grounded and "2-week" in answer.answer
    assert "paid trial" in (answer.resolved_question or "")
    assert "(about:" not in answer.answer  # nothing serialised into the question


def test_a_lowercase_city_replaces_the_place_of_the_previous_question(kb_services):
    answer = _thread(
        kb_services,
        "what are senior ML engineers pulling in the bay area right now",
        "what about in toronto, we might open an office there",
    )
    assert (
        "toronto" in (answer.resolved_question or "") and "bay area" not in answer.resolved_question
    )
    assert "senior ML engineers" in answer.resolved_question


def test_the_place_finder_tells_places_from_tools_and_words(kb_services):
    finder = kb_services.conversations.places
    assert finder.find("what about in toronto, we might open an office there") == ["toronto"]
    assert finder.find("what do they make in nyc?") == ["nyc"]
    assert finder.find("and in kansas city?") == ["kansas city"]
    assert finder.find("should we hire in house or run it in databricks or in kubeflow?") == []
    assert finder.find("what do they make in Toronto?") == ["Toronto"]
    assert finder.find("how about berlin") == ["berlin"]  # a bare place in a short message


# ---- with a model configured: condensed by the model, the relation model as fallback ------------------


@pytest.fixture
def condensing(kb_services, tmp_path):
    """Conversations over the session index whose follow-ups the (fake) model condenses."""
    from bot.answering.generation import QuestionCondenser, build_condense_chain, chat_model
    from bot.conversation import Conversations
    from bot.stores.state import SQLiteStateStore
    from tests.fake_openai import running_fake_openai

    with running_fake_openai() as fake:
        llm = chat_model(base_url=fake.url, model="fake", api_key=None, timeout_s=5)
        state = SQLiteStateStore(tmp_path / "state.sqlite3")
        yield (
            fake,
            Conversations(
                kb_services.qa,
                state,
                ttl_s=3600,
                condenser=QuestionCondenser(build_condense_chain(llm)),
            ),
        )


def test_the_model_condenses_a_follow_up(condensing):
    from tests.fake_openai import Scripted

    fake, conversations = condensing
    fake.script(Scripted("What does a senior ML scientist earn in the United States?"))
    ask_in(conversations, "what does a senior AI engineer make in the US?", conversation="t1")
    answer = ask_in(conversations, "and the research folks?", conversation="t1")
    assert answer.resolved_question == "What does a senior ML scientist earn in the United States?"
    assert "$180,000" in answer.answer
    prompt = str(fake.requests[-1])
    assert "what does a senior AI engineer make in the US?" in prompt and "research folks" in prompt


def test_a_failing_model_falls_back_to_the_relation_model(condensing):
    from tests.fake_openai import Scripted

    fake, conversations = condensing
    fake.script(Scripted(status=500))
    ask_in(conversations, "what does a senior AI engineer make in the US?", conversation="t2")
    answer = ask_in(conversations, "and an ML scientist?", conversation="t2")
    assert "senior ML scientist" in (answer.resolved_question or "")


def test_a_new_topic_never_reaches_the_model(condensing):
    fake, conversations = condensing
    ask_in(conversations, "what does a senior AI engineer make in the US?", conversation="t3")
    before = len(fake.requests)
    answer = ask_in(conversations, "unrelated, but what is MLOps?", conversation="t3")
    assert answer.resolved_question is None and len(fake.requests) == before
