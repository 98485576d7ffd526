"""Generated answers through LangChain against a local fake OpenAI-compatible server."""

from __future__ import annotations

import pytest

from bot.answering.generation import AnswerGenerator, build_chain, chat_model
from bot.answering.grounding import (
    check,
    guard,
    normalize_number,
    split_sentences,
    supporting_passage,
)
from bot.answering.qa import QuestionAnswerer
from tests.fake_openai import Scripted, running_fake_openai, source_with

PAY_Q = "What does a senior AI engineer earn?"


def grounded_pay_reply(prompt: str) -> str:
    n = source_with(prompt, "$160,000")
    return (
        f"Gutierrez puts senior U.S. AI engineers at about $160,000–$210,000 per year [{n}]. "
        f"Pay depends on level and location [{n}]."
    )


# ---- the guard (pure) ------------------------------------------------------------------------

SOURCES = {
    1: "Gutierrez: senior AI engineers earn about $160,000–$210,000 ($160k–$210k) in the U.S.",
    2: "Tools include LangChain, Pinecone and PyTorch; 72% of organisations use AI.",
}


def test_numbers_normalise_across_formats():
    assert normalize_number("$160,000") == normalize_number("$160k") == "160000"
    assert normalize_number("72 %") == "72%"


def test_guard_keeps_grounded_and_drops_hallucinated_sentences():
    assert check("Seniors earn $160k–$210k [1].", SOURCES) is None
    assert check("Teams use LangChain and PyTorch [2].", SOURCES) is None
    assert "figure" in check("Seniors earn $999k [1].", SOURCES)
    assert "name" in check("Teams use TensorFlow [2].", SOURCES)
    assert "does not exist" in check("Seniors earn $160k [7].", SOURCES)
    assert "without citing" in check("Seniors earn $160k.", SOURCES)
    assert check("Here is what the sources say.", SOURCES) is None
    result = guard(["Seniors earn $160k [1].", "Adoption is 95% [2]."], SOURCES)
    assert result.kept == ["Seniors earn $160k [1]."] and len(result.dropped) == 1


def test_the_quote_is_the_passage_that_supports_the_claim():
    source = (
        "Obsidi says mid-level ML developers earn $130,000–$180,000 per year. "
        "Contractors charge $100–$250 per hour.\n"
        "- Gutierrez says senior U.S. AI engineers earn about $160,000–$210,000 per year."
    )
    quote = supporting_passage(source, ["Senior AI engineers earn $160k–$210k [1]."], 400)
    assert quote.startswith("Gutierrez says senior") and "$130,000" not in quote
    assert supporting_passage(source, ["Unrelated words only [1]."], 30).startswith("Obsidi says")


def test_sentences_are_split_with_their_citations():
    done, rest = split_sentences("First one [1]. Second in the U.S. is $5 [2][3]! Third is unfin")
    assert done == ["First one [1].", "Second in the U.S. is $5 [2][3]!"]
    assert rest.strip() == "Third is unfin"
    assert split_sentences("Only one so far [1].") == ([], "Only one so far [1].")


# ---- the generator against the fake endpoint ---------------------------------------------------


@pytest.fixture
def llm_qa(kb_services):
    with running_fake_openai() as fake:

        def make(timeout_s: float = 5.0) -> QuestionAnswerer:
            llm = chat_model(
                base_url=fake.url, model="fake-model", api_key="k", timeout_s=timeout_s
            )
            return QuestionAnswerer(
                kb_services.retriever,
                kb_services.store,
                top_k=kb_services.qa.top_k,
                generator=AnswerGenerator(build_chain(llm), name="fake-model"),
            )

        yield fake, make


def test_generated_answer_cites_sources_by_number(llm_qa):
    fake, make = llm_qa
    fake.script(Scripted(grounded_pay_reply))
    streamed: list[str] = []
    answer = make().ask(PAY_Q, on_text=streamed.append)
    assert answer.mode == "generated" and answer.grounded
    assert "$160,000–$210,000" in answer.answer and "[1]" in answer.answer
    assert len(answer.sources) == 1 and "$160,000" in answer.sources[0].quote
    assert "Gutierrez" in answer.sources[0].original
    assert len(streamed) == 2 and streamed[0].startswith("Gutierrez puts")
    (request,) = fake.requests
    assert request["model"] == "fake-model" and request["stream"] is True
    assert "[1]" in request["messages"][1]["content"] and PAY_Q in request["messages"][1]["content"]


def test_hallucinated_number_is_dropped(llm_qa):
    fake, make = llm_qa

    def reply(prompt: str) -> str:
        n = source_with(prompt, "$160,000")
        return (
            f"Senior AI engineers earn about $160,000–$210,000 [{n}]. "
            f"At top labs they make $950,000 on average [{n}]."
        )

    fake.script(Scripted(reply))
    answer = make().ask(PAY_Q)
    assert answer.mode == "generated"
    assert "$950,000" not in answer.answer and "$160,000" in answer.answer
    assert "1 ungrounded" in answer.note


@pytest.mark.parametrize(
    "step",
    [
        Scripted(status=500),
        Scripted(grounded_pay_reply, delay_s=3.0),
        Scripted("Everyone earns $1,234,567 [1]."),
        Scripted(""),
    ],
    ids=["http-500", "timeout", "nothing-grounded", "empty"],
)
def test_failures_fall_back_to_the_extractive_answer(llm_qa, step, caplog):
    fake, make = llm_qa
    fake.script(step)
    answer = make(timeout_s=1.0).ask(PAY_Q)
    assert answer.mode == "extractive" and answer.grounded
    assert "$160,000" in answer.answer or "$160k" in answer.answer
    assert "generation fell back" in answer.note
    assert any("generation failed" in r.getMessage() for r in caplog.records)


def test_out_of_scope_is_declined_before_any_model_call(llm_qa):
    fake, make = llm_qa
    answer = make().ask("How do I renew a work visa in Germany?")
    assert not answer.grounded and fake.requests == []


def test_settings_build_a_generator_only_when_configured(kb_services):
    from bot.services import build_generator

    assert build_generator(kb_services.settings) is None
    configured = kb_services.settings.model_copy(
        update={"llm_base_url": "http://127.0.0.1:9/v1", "llm_model": "m"}
    )
    assert isinstance(build_generator(configured), AnswerGenerator)


def test_eval_reports_both_modes_when_an_endpoint_is_configured(
    kb_services, kb_dir, tmp_path, monkeypatch, capsys
):
    import json

    import yaml

    from bot import cli
    from tests.conftest import ROOT

    evals = tmp_path / "evals"
    evals.mkdir()
    data = yaml.safe_load((ROOT / "evals" / "qa.yaml").read_text())
    data["items"] = [i for i in data["items"] if i["id"] in ("pay-senior-ai-engineer",)] or data[
        "items"
    ][:1]
    (evals / "qa.yaml").write_text(yaml.safe_dump(data))
    (evals / "thresholds.yaml").write_text("min: {}\nmax: {}\n")
    with running_fake_openai() as fake:
        fake.script(*[Scripted(grounded_pay_reply) for _ in range(4)])
        monkeypatch.setenv("HIREBOT_DATA_DIR", str(kb_dir))
        monkeypatch.setenv("HIREBOT_LLM_BASE_URL", fake.url)
        monkeypatch.setenv("HIREBOT_LLM_MODEL", "fake-model")
        assert cli.main(["eval", "--evals-dir", str(evals), "--json"]) == 0
        summary = json.loads(capsys.readouterr().out)["summary"]
        assert set(summary) == {"lexical", "dense", "hybrid", "generated"}
        assert fake.requests  # only the "generated" column called the model
        assert len(fake.requests) == 2  # warm-up + the one question
