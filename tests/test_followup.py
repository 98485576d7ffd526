"""Follow-ups read as self-contained questions: pure resolver, then through the real core."""

import uuid
from dataclasses import replace

import pytest

from bot.answering.followup import (
    Reading,
    asking_part,
    asks_its_own_question,
    read,
    remember,
    resolve,
    starts_new_topic,
)
from bot.answering.qa import split_compound
from tests.conftest import ask_in


def _after(previous: str, kind: str = "", recommended: str | None = None) -> Reading:
    return read(previous, kind=kind, recommended=recommended)


def test_a_reading_keeps_the_slots_a_question_states():
    reading = read(
        "what does a senior ML engineer cost full-time at our 40-person fintech in the US?",
        kind="pay",
    )
    assert reading.roles == ("ml_engineer",) and reading.seniority == "senior"
    assert reading.location == "US" and reading.industry == "finance"
    assert reading.employment == "full-time" and reading.size == "40-person"
    assert Reading.from_dict(reading.to_dict()) == reading
    assert Reading.from_dict({"question": ""}) is None
    assert Reading.from_dict({"question": "q", "roles": ["astronaut"]}).roles == ()


def test_a_role_switch_keeps_the_question_level_and_place():
    done = resolve(
        "and an ML scientist?", _after("what does a senior AI engineer make in the US?", "pay")
    )
    assert done.rewritten and done.question == "what does a senior ML scientist make in the US?"
    assert done.reading.roles == ("ml_scientist",) and done.reading.seniority == "senior"
    assert done.reading.kind == "pay"


def test_a_seniority_switch_changes_only_the_level():
    done = resolve(
        "and for a junior one?",
        _after("what's the going rate for a senior AI engineer in the US", "pay"),
        kind="pay",
    )
    assert done.question == "what's the going rate for a junior AI engineer in the US?"


def test_narrowing_by_industry_or_contract_adds_to_the_previous_question():
    jd = _after("what should go in a job description for an ML developer?", "job_description")
    hospital = resolve("anything diff if we're a hospital", jd)
    assert hospital.question.startswith("what should go in a job description for an ML developer")
    assert "hospital" in hospital.question and hospital.reading.industry == "healthcare"
    contract = resolve(
        "what if we hire a contractor instead",
        _after("what does a senior ML engineer cost full-time?", "pay"),
        kind="contracting",
    )
    assert contract.question == "what does a senior ML engineer cost, as a contractor?"
    assert contract.reading.employment == "contract"


def test_pronouns_point_at_the_previous_role_or_the_recommended_one():
    red_flags = resolve(
        "what red flags for them?",
        _after("how should we structure interviews for an AI engineer?", "interviewing"),
        kind="red_flags",
    )
    assert red_flags.question == "what red flags for AI engineers?"
    cost = resolve(
        "what would they cost us?",
        _after(
            "We need a GPT chatbot on our help centre, who do we hire?",
            "role_choice",
            "ai_engineer",
        ),
        kind="pay",
    )
    assert cost.question == "what would AI engineers cost us?"


def test_a_question_of_the_same_kind_without_a_role_keeps_the_role():
    done = resolve(
        "what do i ask in the mlops round",
        _after("how should i structure the interview process for ML engineers?", "interviewing"),
        kind="interviewing",
    )
    assert (
        done.rewritten and done.question == "what do i ask in the mlops round (for an ML engineer)?"
    )


def test_the_kept_role_stays_inside_the_question_so_it_is_not_split_off():
    done = resolve(
        "should the take-home be timed?",
        _after("how do I interview an ML engineer?", "interviewing"),
        kind="interviewing",
    )
    assert done.question == "should the take-home be timed (for an ML engineer)?"
    assert split_compound(done.question) == [done.question]


def test_an_industry_named_by_its_own_word_is_called_an_industry():
    done = resolve("n in telecom?", _after("what does an AI engineer typically build?", "skills"))
    assert done.question == "what does an AI engineer typically build, in the telecom industry?"
    assert done.reading.industry == "telecom"


@pytest.mark.parametrize(
    "message",
    [
        "unrelated, but what is MLOps and why should I care about it when hiring?",
        "Different question: where do people find ML scientists?",
        "btw how long does hiring usually take",
        "ok also completely separate: how long should a take-home be?",
    ],
)
def test_a_message_that_says_it_is_a_new_topic_starts_fresh(message):
    assert starts_new_topic(message)
    done = resolve(
        message,
        _after(
            "whats the difference between an AI engineer and an ML scientist", "role_difference"
        ),
        kind="concepts",
    )
    assert not done.rewritten and done.reading.roles != ("ai_engineer", "ml_scientist")
    assert not done.question.lower().startswith(("unrelated", "different question", "btw"))


def test_a_word_like_different_is_a_marker_only_when_it_stands_alone():
    assert not starts_new_topic("different roles need different interviews, right?")
    assert not starts_new_topic("separate budgets for AI and ML hires?")


def test_a_complete_question_of_its_own_starts_fresh():
    previous = _after("what does a senior AI engineer make in the US?", "pay")
    done = resolve(
        "What should a job post for a data scientist at a retailer include?",
        previous,
        kind="job_description",
    )
    assert not done.rewritten


def test_a_message_with_nothing_of_its_own_asks_the_previous_question():
    done = resolve("what do you think?", _after("senior ML engineer comp in Austin?", "pay"))
    assert done.rewritten and done.question == "senior ML engineer compensation in Austin?"


def test_more_ways_to_point_back_at_the_role():
    scientist = _after("what tools does an ML scientist use?", "skills")
    assert resolve("n what does one make", scientist, kind="pay").question == (
        "and what does an ML scientist make"
    )
    assert (
        "interview an ML scientist"
        in resolve("how do i interview one tho?", scientist, kind="interviewing").question
    )
    both = _after("AI engineer vs ML engineer, what's the difference?", "role_difference")
    which = resolve("which one for wiring claude into our CRM?", both, kind="role_choice")
    assert (
        which.question
        == "which of an AI engineer or an ML engineer for wiring claude into our CRM?"
    )
    plural = resolve("wat abt ML scientists", _after("Do AI engineers train models?", "skills"))
    assert plural.question == "Do ML scientists train models?"


def test_words_that_belong_to_the_message_itself_are_not_the_role():
    previous = _after("what should a JD for a retail data scientist say?", "job_description")
    own = resolve(
        "Should enterprises just hire Python developers for their AI work?", previous, kind="skills"
    )
    assert not own.rewritten  # 'their' is the enterprises'
    compare = resolve(
        "What's the difference between an AI engineer and an ML scientist?",
        _after(
            "We're a hospital hiring AI engineers. What domain knowledge matters?", "industries"
        ),
        kind="role_difference",
    )
    assert not compare.rewritten
    trial = resolve(
        "wat abt contractors, any way to trial one first?",
        _after("How do I vet an ML engineer before committing?", "interviewing"),
        kind="contracting",
    )
    assert "trial" in trial.question and "ML engineer" in trial.question


def test_a_statement_of_context_with_an_aside_narrows_the_question():
    previous = _after("what would an AI engineer build for a 2k-person insurer?", "industries")
    done = resolve("we're actually a telco fyi", previous, kind="industries")
    assert done.rewritten and done.reading.industry == "telecom"
    assert done.question.startswith("what would an AI engineer build")


def test_asking_whether_the_answer_holds_elsewhere_narrows_whatever_its_label():
    previous = _after("what's a fair salary for a mid-level ML engineer in Boston?", "pay")
    done = resolve("would that still apply in Denver? we may hire there", previous, kind="concepts")
    assert done.rewritten and done.reading.location == "Denver"
    assert done.question == "what's a fair salary for a mid-level ML engineer in Denver?"


def test_a_contract_question_narrows_a_pay_question():
    previous = _after("how much is a senior ML scientist paid?", "pay")
    done = resolve("contract instead? per hour?", previous, kind="contracting")
    assert done.rewritten and done.reading.employment == "contract"
    assert "ML scientist" in done.question and "as a contractor" in done.question


def test_a_kind_of_person_is_the_role_and_a_demonstrative_points_at_its_noun():
    previous = _after("we want an AI engineer for our Intercom bot, what skills?", "skills")
    kind_of = resolve("where would I even find that type of hire?", previous, kind="sourcing")
    assert kind_of.question == "where would I even find an AI engineer?"
    agencies = resolve("are those agencies worth the fee?", previous, kind="contracting")
    assert "AI engineer agencies" not in agencies.question
    people = resolve("where do those people hang out online?", previous, kind="sourcing")
    assert people.question == "where do AI engineers hang out online?"


def test_a_described_role_picks_one_of_the_compared_roles():
    both = _after("data scientist or ML engineer for our churn work?", "role_difference")
    done = resolve("is the engineer one harder to find?", both, kind="market")
    assert done.question == "is an ML engineer harder to find?"
    assert done.reading.roles == ("ml_engineer",)
    unclear = _after("AI engineer vs ML engineer?", "role_difference")
    ambiguous = resolve("is the engineer one pricier?", unclear, kind="pay")  # both engineers
    assert ambiguous.reading.roles == ("ai_engineer", "ml_engineer")


def test_after_a_recommendation_a_role_question_is_about_the_pick():
    pick = _after(
        "we need to forecast demand for our shops — DS, MLE or AI eng?",
        "role_choice",
        "data_scientist",
    )
    assert pick.roles and pick.subject_roles == ("data_scientist",)
    jd = resolve("what goes in the job post", pick, kind="job_description")
    assert jd.question == "what goes in the job post (for a data scientist)?"
    cost = resolve("what would that person cost us", pick, kind="pay")
    assert cost.question == "what would a data scientist cost us"


def test_the_subject_carries_over_a_turn_that_names_no_role():
    first = _after("how do I interview an ML scientist?", "interviewing")
    market = resolve("is the market tight right now?", first, kind="market")
    kept = remember(first, market, kind="market", recommended=None)
    assert kept.roles == ("ml_scientist",) and kept.question == "is the market tight right now?"
    change = resolve("unrelated: what is MLOps?", first, kind="concepts")
    assert remember(first, change, kind="concepts", recommended=None).roles == ()
    assert remember(None, market, kind="market", recommended=None).roles == ()


def test_a_restatement_keeps_what_was_asked_and_leaves_asides_out():
    assert (
        asking_part("what does a DS do all day? asking for my boss, he keeps mixing it up")
        == "what does a data scientist do all day?"
    )
    assert asking_part("We're a bank in Leeds. What does an MLE cost?") == (
        "We're a bank in Leeds. What does an ML engineer cost?"
    )
    assert asking_part("Our churn model rots in prod. Who owns retraining? lol nobody") == (
        "Our churn model rots in production. Who owns retraining?"
    )
    switched = resolve(
        "and an ML scientist?",
        _after("what does a DS do all day? asking for my boss, he keeps mixing it up", "skills"),
    )
    assert switched.question == "what does an ML scientist do all day?"


def test_each_question_of_a_message_gets_the_kept_role():
    previous = _after("we should hire an ML engineer, right?", "role_choice", "ml_engineer")
    done = resolve(
        "what level should we post at? and how long will it take?", previous, kind="job_description"
    )
    assert done.question == (
        "what level should we post at (for an ML engineer)? "
        "and how long will it take (for an ML engineer)?"
    )


def test_more_pronoun_forms_stand_for_the_role():
    previous = _after("we need an ML scientist for protein folding work", "role_choice")
    cases = {
        "where do folks like that hang out?": "where do ML scientists hang out?",
        "how can I tell if one is any good?": "how can I tell if an ML scientist is any good?",
        "how fast can we fill that job?": "how fast can we fill an ML scientist?",
    }
    for message, expected in cases.items():
        assert resolve(message, previous, kind="sourcing").question == expected
    contracted = resolve("what if they're too academic?", previous, kind="red_flags")
    assert contracted.question == "what if ML scientists are too academic?"
    junior = resolve("can we afford them? only junior budget", previous, kind="pay")
    assert junior.question.startswith("can we afford junior ML scientists?")


def test_a_question_about_the_previous_answer_carries_that_question():
    previous = _after(
        "We're a 12-person fintech. What does a senior AI engineer earn in the US? asap pls",
        "pay",
    )
    done = resolve("does that include equity?", previous, kind="pay")
    assert done.rewritten
    assert done.question == (
        "does that include equity (about: What does a senior AI engineer earn in the US)?"
    )
    assert done.reading.roles == ("ai_engineer",) and done.reading.seniority == "senior"


def test_a_level_switch_reaches_a_level_stated_in_the_setup():
    previous = _after(
        "We're a 40-person insurer in Leeds. We need an AI engineer. Junior to start. Pay?", "pay"
    )
    done = resolve("what if we went senior instead", previous, kind="role_choice")
    assert done.rewritten and "senior to start" in done.question.lower()
    assert done.question.endswith("Pay?") and done.reading.seniority == "senior"


def test_a_topic_marker_after_an_interjection_still_starts_fresh():
    assert starts_new_topic("haha ok. switching gears: what is MLOps?")
    done = resolve(
        "haha ok. switching gears: what is MLOps?",
        _after("how do I interview an AI engineer?", "interviewing"),
        kind="concepts",
    )
    assert not done.rewritten and done.question == "what is MLOps?"


def test_no_previous_question_means_no_rewrite():
    assert not resolve("and an ML scientist?", None).rewritten


def test_a_variant_of_the_previous_question_with_no_question_of_its_own_narrows_it():
    previous = _after(
        "we're building a dispute assistant on OpenAI. what is a senior AI engineer going to "
        "run us comp-wise?",
        "pay",
    )
    # its own label differs, but it asks nothing new: the pay question, for the new role
    switch = resolve(
        "and if we went the research route instead? like a senior ML scientist who'd build "
        "our own models",
        previous,
        kind="role_difference",
    )
    assert switch.question == (
        "we're building a dispute assistant on OpenAI. what is a senior ML scientist going to "
        "run us compensation-wise?"
    )
    statement = resolve(
        "we'd probably go junior tbh, someone fresh out of a masters",
        _after("what's the budget for an ML scientist in the US?", "pay"),
        kind="pay",
    )
    assert statement.question == "what's the budget for a junior ML scientist in the US?"
    # a clause that asks its own question is not a variant
    interviewing = _after("how do I interview an ML engineer?", "interviewing")
    pay = resolve("what about AI engineers, what do they cost?", interviewing, kind="pay")
    assert not pay.rewritten
    wording = resolve(
        "cool. now how do I word the post so I don't get 300 data scientists applying",
        _after("what's the usual tool stack for an AI engineer?", "skills"),
        kind="job_description",
    )
    assert not wording.rewritten


def test_asking_its_own_question_is_read_after_openers_and_filler():
    assert asks_its_own_question("and how do I interview them?")
    assert asks_its_own_question("wat abt contractors, any way to trial one first?")
    assert asks_its_own_question("ok so now how do I word the post")
    assert not asks_its_own_question("what if we went senior instead")
    assert not asks_its_own_question("and a senior one who knows LLMs?")


def test_a_bare_it_in_a_short_message_is_what_the_previous_question_was_about():
    previous = _after(
        "one of the vendors keeps mentioning a paid trial for AI/ML engineers. what is that "
        "exactly",
        "contracting",
    )
    done = resolve("how long does it last", previous, kind="small_talk")
    assert done.question == (
        "how long does it last (about: one of the vendors keeps mentioning a paid trial for "
        "AI/ML engineers, what is that exactly)?"
    )
    # the next 'it' is still the trial, not a question about a question
    again = resolve("is it worth it", replace(done.reading, kind="contracting"))
    assert again.question.startswith("is it worth it (about: one of the vendors")
    assert again.question.count("(about:") == 1
    # the empty 'it' of a complete question is not a reference
    for message in ("does it make sense to hire one?", "what if it's a 6-month contract"):
        assert "(about:" not in resolve(message, previous, kind="contracting").question


def test_a_reference_to_the_answer_names_the_subject_when_the_question_did_not():
    previous = _after("We need an ML developer for forecasting. What's the going salary?", "pay")
    done = resolve("does that include equity?", previous, kind="pay")
    assert done.question == (
        "does that include equity (about: What's the going salary for an ML engineer)?"
    )


def test_a_pronoun_ahead_of_a_named_role_is_the_previous_subject():
    previous = _after("we need an ML scientist for climate downscaling", "role_choice")
    done = resolve(
        "should we pair them with an AI engineer or is that overkill", previous, kind="role_choice"
    )
    assert done.question == "should we pair ML scientists with an AI engineer or is that overkill"
    good = resolve(
        "ok. where do i even find good ones, indeed has been a waste",
        _after("what skills does a data scientist need?", "skills"),
        kind="sourcing",
    )
    assert good.question == "ok. where do i even find good data scientists, indeed has been a waste"


def test_places_found_by_meaning_are_locations_and_keep_their_article():
    previous = read(
        "what are senior ML engineers pulling in the bay area right now",
        kind="pay",
        places=["bay area"],
    )
    assert previous.location == "bay area"
    done = resolve(
        "what about in toronto, we might open an office there",
        previous,
        kind="pay",
        places=["toronto"],
    )
    assert done.question == "what are senior ML engineers pulling in toronto right now?"
    us = resolve("what about in the Bay Area?", _after("senior AI engineer pay in the US?", "pay"))
    assert us.question == "senior AI engineer pay in the Bay Area?"  # 'the US' -> 'the Bay Area'


def test_shorthand_and_plural_levels_are_read():
    reading = read("aie salary range for seniors?", kind="pay")
    assert reading.roles == ("ai_engineer",) and reading.seniority == "senior"
    assert read("an ML research scientist in the US").roles == ("ml_scientist",)


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
    assert answer.resolved_question == "what would AI engineers cost us?"
    assert "$160,000" in answer.answer or "$90,000" in answer.answer


def test_a_declined_turn_is_still_the_context_of_its_follow_up(kb_services):
    answer = _thread(kb_services, "what does a school nurse earn in Ohio?", "and in Texas?")
    assert answer.resolved_question == "what does a school nurse earn in Texas?"
    assert not answer.grounded  # still off topic, read as the question it continues


def test_a_thread_joined_late_reads_the_earlier_messages(kb_services):
    conversation = f"test:{uuid.uuid4().hex}"
    answer = ask_in(
        kb_services.conversations,
        "what do you think?",
        conversation=conversation,
        history=["hey all", "what should we pay a senior ML scientist in the US?"],
    )
    assert answer.resolved_question == "what should we pay a senior ML scientist in the US?"
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
    assert answer.resolved_question.startswith("how long does it last (about: do any of")


def test_a_lowercase_city_replaces_the_place_of_the_previous_question(kb_services):
    answer = _thread(
        kb_services,
        "what are senior ML engineers pulling in the bay area right now",
        "what about in toronto, we might open an office there",
    )
    assert answer.resolved_question == "what are senior ML engineers pulling in toronto right now?"


def test_the_place_finder_tells_places_from_tools_and_words(kb_services):
    finder = kb_services.conversations.places
    assert finder.find("what about in toronto, we might open an office there") == ["toronto"]
    assert finder.find("what do they make in nyc?") == ["nyc"]
    assert finder.find("and in kansas city?") == ["kansas city"]
    assert finder.find("should we hire in house or run it in databricks or in kubeflow?") == []
    assert finder.find("what do they make in Toronto?") == []  # capitalised: read by its writing


# ---- with a model configured: condensed by the model, the rules as fallback ------------------


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


def test_a_failing_model_falls_back_to_the_rules(condensing):
    from tests.fake_openai import Scripted

    fake, conversations = condensing
    fake.script(Scripted(status=500))
    ask_in(conversations, "what does a senior AI engineer make in the US?", conversation="t2")
    answer = ask_in(conversations, "and an ML scientist?", conversation="t2")
    assert answer.resolved_question == "what does a senior ML scientist make in the US?"


def test_a_new_topic_never_reaches_the_model(condensing):
    fake, conversations = condensing
    ask_in(conversations, "what does a senior AI engineer make in the US?", conversation="t3")
    before = len(fake.requests)
    answer = ask_in(conversations, "unrelated, but what is MLOps?", conversation="t3")
    assert answer.resolved_question is None and len(fake.requests) == before
