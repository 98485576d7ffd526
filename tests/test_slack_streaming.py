"""Generated answers in Slack: streamed in threads, post-then-update in DMs, extractive fallback;
the streamed message is always replaced by the final one with `chat.update` of its ts."""

from __future__ import annotations

import dataclasses
import json
import re
import threading

import pytest

from bot.answering.generation import AnswerGenerator, build_chain, chat_model
from bot.answering.qa import QuestionAnswerer
from bot.conversation import Conversations
from tests.conftest import SIGNING_SECRET, slack_services_for
from tests.fake_openai import Scripted, running_fake_openai, source_with
from tests.fake_slack import SignedPoster, dm, mention
from tests.slack_rules import ASSISTANT, shown_text
from tests.test_generation import PAY_Q, grounded_pay_reply
from tests.test_slack_app import assistant_thread_started


@pytest.fixture
def slack_llm(kb_services, fake_slack, tmp_path):
    from bot.slack.app import create_app
    from bot.slack.server import start_http

    with running_fake_openai() as llm_api:
        base = slack_services_for(kb_services, tmp_path, fake_slack.url)
        llm = chat_model(base_url=llm_api.url, model="fake", api_key=None, timeout_s=2.0)
        qa = QuestionAnswerer(
            base.retriever,
            base.store,
            top_k=base.qa.top_k,
            generator=AnswerGenerator(build_chain(llm)),
        )
        services = dataclasses.replace(
            base, qa=qa, conversations=Conversations(qa, base.state, ttl_s=3600, dialog=base.roles)
        )
        server = start_http(create_app(services), services, host="127.0.0.1", port=0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield (
                SignedPoster(f"http://127.0.0.1:{server.server_address[1]}", SIGNING_SECRET),
                fake_slack,
                llm_api,
            )
        finally:
            server.shutdown()
            server.server_close()


def streamed_text(slack) -> str:
    calls = [
        *slack.calls_to("chat.startStream"),
        *slack.calls_to("chat.appendStream"),
        *slack.calls_to("chat.stopStream"),
    ]
    return "".join(
        chunk["text"]
        for c in calls
        for chunk in c.params.get("chunks") or []
        if chunk["type"] == "markdown_text"
    )


def first_text(start) -> str:
    """The text a stream opened with (after its task step)."""
    return next(c["text"] for c in start.params["chunks"] if c["type"] == "markdown_text")


def citations(text: str) -> list[str]:
    return re.findall(r"\[\d+\]", text)


def open_assistant_thread(poster, slack, thread_ts: str) -> None:
    slack.view = ASSISTANT  # a workspace still on the older assistant view
    poster.event(assistant_thread_started(thread_ts), event_id=f"EvOpen{thread_ts}")
    slack.wait_for("chat.postMessage")  # the greeting


def test_assistant_thread_answer_is_streamed_then_replaced_by_the_cited_answer(slack_llm):
    poster, slack, llm_api = slack_llm
    open_assistant_thread(poster, slack, "1700002000.000100")
    llm_api.script(Scripted(grounded_pay_reply))
    poster.event(
        dm(PAY_Q, ts="1700002001.000100", thread_ts="1700002000.000100"), event_id="EvStream"
    )
    (final,) = slack.wait_for("chat.update")
    (start,) = slack.calls_to("chat.startStream")
    (stop,) = slack.calls_to("chat.stopStream")
    assert start.params["thread_ts"] == "1700002000.000100"
    assert first_text(start).startswith("Gutierrez puts senior U.S. AI engineers")
    assert "$160,000–$210,000 per year [1]" in streamed_text(slack)
    assert stop.params["ts"] == final.params["ts"] == start.response["ts"]
    assert stop.at < final.at  # the stream is closed before the message is replaced
    shown = shown_text(final.params["blocks"])
    assert "$160,000–$210,000" in shown and "Sources" in shown and "Gutierrez" in shown
    assert "feedback_buttons" in json.dumps(final.params["blocks"])
    assert len(slack.calls_to("chat.postMessage")) == 1  # only the greeting: the answer streamed
    assert slack.calls_to("assistant.threads.setStatus")


def test_streamed_citations_use_the_numbers_of_the_sources_list(slack_llm):
    poster, slack, llm_api = slack_llm
    cited: dict[str, int] = {}

    def reply(prompt: str) -> str:
        pay = source_with(prompt, "$160,000")
        last = len(re.findall(r"^\[\d+\] ", prompt, re.M))
        other = last if last not in (pay, 1) else next(n for n in (2, 3) if n != pay)
        cited.update(pay=pay, other=other)
        return (
            f"Pay depends on seniority and location [{other}]. "
            f"Gutierrez puts senior U.S. AI engineers at about $160,000–$210,000 per year [{pay}]."
        )

    llm_api.script(Scripted(reply))
    poster.event(mention(PAY_Q, ts="1700002050.000100"), event_id="EvRenumber")
    (final,) = slack.wait_for("chat.update")
    assert cited["other"] != 1  # the model's first citation is not [1]...
    streamed = streamed_text(slack)
    answer = " ".join(b["text"]["text"] for b in final.params["blocks"] if b["type"] == "section")
    assert citations(streamed) == ["[1]", "[2]"]  # ...but is shown as [1]
    assert citations(answer)[:2] == ["[1]", "[2]"]
    assert f"[{cited['other']}]" not in streamed


def test_stream_is_buffered_not_one_call_per_sentence(slack_llm):
    poster, slack, llm_api = slack_llm

    def long_reply(prompt: str) -> str:
        n = source_with(prompt, "$160,000")
        words = "one two three four five six seven eight nine ten eleven twelve".split()
        filler = " ".join(f"In case {w}, pay varies by seniority and region [{n}]." for w in words)
        pay = f"Gutierrez puts senior U.S. AI engineers at about $160,000–$210,000 per year [{n}]."
        return f"{pay} {filler}"

    llm_api.script(Scripted(long_reply))
    poster.event(mention(PAY_Q, ts="1700002060.000100"), event_id="EvBuffer")
    slack.wait_for("chat.update")
    appends = slack.calls_to("chat.appendStream")
    assert len(appends) < 6  # 13 sentences went out in far fewer calls
    assert streamed_text(slack).count("pay varies by seniority and region") == 12  # none lost


def test_a_stream_that_breaks_part_way_is_replaced_by_the_extractive_answer(slack_llm):
    poster, slack, llm_api = slack_llm
    llm_api.script(Scripted(grounded_pay_reply, error_after_chunks=6))
    poster.event(mention(PAY_Q, ts="1700002100.000100"), event_id="EvBroken")
    (final,) = slack.wait_for("chat.update")
    (start,) = slack.calls_to("chat.startStream")
    assert first_text(start).startswith("Gutierrez puts senior U.S. AI engineers")
    assert final.params["ts"] == start.response["ts"]  # the partial text is replaced...
    assert slack.calls_to("chat.postMessage") == []  # ...not followed by a second message
    shown = shown_text(final.params["blocks"])
    assert "Sources" in shown and not shown.startswith("Gutierrez puts senior U.S. AI engineers")


@pytest.mark.parametrize(
    "refusal",
    [
        {"ok": False, "error": "channel_type_not_supported"},
        {"ok": True},  # a Web API that does not know the method's answer shape
    ],
    ids=["start-error", "no-ts"],
)
def test_when_a_stream_cannot_start_the_answer_is_posted_then_updated(slack_llm, refusal):
    poster, slack, llm_api = slack_llm
    slack.script("chat.startStream", 200, refusal)
    llm_api.script(Scripted(grounded_pay_reply))
    poster.event(mention(PAY_Q, ts="1700002200.000100"), event_id="EvNoStream")
    (final,) = slack.wait_for("chat.update")
    (first,) = slack.calls_to("chat.postMessage")
    assert first.params["thread_ts"] == "1700002200.000100"
    assert first.params["text"].startswith("Gutierrez puts senior U.S. AI engineers")
    assert final.params["ts"] == first.response["ts"]
    assert "Sources" in shown_text(final.params["blocks"])
    assert len(slack.calls_to("chat.startStream")) == 1
    assert slack.calls_to("chat.appendStream") == slack.calls_to("chat.stopStream") == []


def test_a_rate_limited_stream_start_falls_back_at_once_without_sleeping(slack_llm):
    poster, slack, llm_api = slack_llm
    slack.tier_limits["chat.startStream"] = 1  # the second start in this minute gets a 429
    llm_api.script(Scripted(grounded_pay_reply), Scripted(grounded_pay_reply))
    poster.event(mention(PAY_Q, ts="1700002300.000100"), event_id="EvTier1")
    slack.wait_for("chat.update")
    poster.event(mention(PAY_Q, ts="1700002301.000100"), event_id="EvTier2")
    # Retry-After is about a minute: a sleeping retry would not finish within the timeout
    updates = slack.wait_for("chat.update", 2, timeout=20)
    limited = slack.calls_to("chat.startStream")[1]
    assert limited.status == 429 and limited.response["error"] == "ratelimited"
    (posted,) = slack.calls_to("chat.postMessage")
    assert posted.params["thread_ts"] == "1700002301.000100"
    assert updates[1].params["ts"] == posted.response["ts"]


def test_dm_answer_is_posted_then_updated_with_the_final_blocks(slack_llm):
    poster, slack, llm_api = slack_llm
    llm_api.script(Scripted(grounded_pay_reply))
    poster.event(dm(PAY_Q, ts="1700002400.000100"), event_id="EvDmStream")
    (final,) = slack.wait_for("chat.update")
    (first,) = slack.calls_to("chat.postMessage")
    assert first.params["text"].startswith("Gutierrez puts senior U.S. AI engineers")
    assert final.params["channel"] == "D0DM" and final.params["ts"] == first.response["ts"]
    blocks = shown_text(final.params["blocks"])
    assert "$160,000–$210,000" in blocks and "Sources" in blocks


def test_model_failure_still_gets_the_extractive_answer(slack_llm):
    poster, slack, llm_api = slack_llm
    llm_api.script(Scripted(status=500))
    poster.event(mention(PAY_Q, ts="1700002500.000100"), event_id="EvLlm500")
    (post,) = slack.wait_for("chat.postMessage")
    assert post.params["thread_ts"] == "1700002500.000100"
    assert "Gutierrez" in json.dumps(post.params["blocks"])
    assert slack.calls_to("chat.startStream") == []


def test_the_stream_shows_the_search_step_with_its_cited_sources_before_the_answer(slack_llm):
    poster, slack, llm_api = slack_llm
    llm_api.script(Scripted(grounded_pay_reply))
    poster.event(mention(PAY_Q, ts="1700002600.000100"), event_id="EvTask")
    (final,) = slack.wait_for("chat.update")
    (start,) = slack.calls_to("chat.startStream")
    (stop,) = slack.calls_to("chat.stopStream")
    assert start.params["task_display_mode"] == "timeline"
    step, text = start.params["chunks"][:2]  # the step comes before the answer
    assert step == {
        "type": "task_update",
        "id": "search",
        "title": "Searching the hiring guide",
        "status": "in_progress",
    }
    assert text["type"] == "markdown_text"
    (done,) = [c for c in stop.params["chunks"] if c["type"] == "task_update"]
    assert (done["id"], done["status"]) == ("search", "complete")
    # the sources the final answer cites, numbered as in its sources list
    cited = [b for b in final.params["blocks"] if "[1]" in json.dumps(b) and b["type"] == "section"]
    assert done["output"].startswith("[1] ") and "Gutierrez" in done["output"]
    assert len(done["output"]) <= 256 and cited
    # what a person saw while it streamed: the step, complete, above the streamed answer
    shown = next(m for m in slack.visible("C0CHAN", "1700002600.000100"))
    assert shown["tasks"]["search"]["status"] == "complete"


def test_without_a_stream_there_is_no_task_step(slack_llm):
    poster, slack, llm_api = slack_llm
    slack.script("chat.startStream", 200, {"ok": False, "error": "channel_type_not_supported"})
    llm_api.script(Scripted(grounded_pay_reply))
    poster.event(mention(PAY_Q, ts="1700002700.000100"), event_id="EvNoTask")
    slack.wait_for("chat.update")
    (first,) = slack.calls_to("chat.postMessage")  # post-then-update: plain text, then blocks
    assert "chunks" not in first.params and first.params["text"].startswith("Gutierrez")
