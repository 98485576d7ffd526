"""Generated answers in Slack: streamed in threads, post-then-update in DMs, extractive fallback."""

from __future__ import annotations

import dataclasses
import json
import threading

import pytest

from bot.conversation import Conversations
from bot.generation import AnswerGenerator, build_chain, chat_model
from bot.qa import QuestionAnswerer
from tests.conftest import SIGNING_SECRET, slack_services_for
from tests.fake_openai import Scripted, running_fake_openai
from tests.fake_slack import SignedPoster, dm, mention
from tests.test_generation import PAY_Q, grounded_pay_reply


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


def test_assistant_thread_answer_is_streamed_then_closed_with_sources(slack_llm):
    poster, slack, llm_api = slack_llm
    llm_api.script(Scripted(grounded_pay_reply))
    poster.event(
        dm(PAY_Q, ts="1700002001.000100", thread_ts="1700002000.000100"), event_id="EvStream"
    )
    (stop,) = slack.wait_for("chat.stopStream")
    (start,) = slack.calls_to("chat.startStream")
    assert start.params["thread_ts"] == "1700002000.000100"
    calls = [start, *slack.calls_to("chat.appendStream")]
    streamed = "".join(chunk["text"] for c in calls for chunk in c.params["chunks"])
    assert "$160,000–$210,000 per year [1]" in streamed
    tail = json.dumps(stop.params["blocks"], ensure_ascii=False)
    assert "Sources" in tail and "Gutierrez" in tail and "feedback_up" in tail
    assert slack.calls_to("chat.postMessage") == []  # the answer is the stream itself
    assert slack.calls_to("assistant.threads.setStatus")


def test_dm_answer_is_posted_then_updated_with_the_final_blocks(slack_llm):
    poster, slack, llm_api = slack_llm
    llm_api.script(Scripted(grounded_pay_reply))
    poster.event(dm(PAY_Q, ts="1700002100.000100"), event_id="EvDmStream")
    (final,) = slack.wait_for("chat.update")
    (first,) = slack.calls_to("chat.postMessage")
    assert first.params["text"].startswith("Gutierrez puts senior U.S. AI engineers")
    assert final.params["channel"] == "D0DM" and final.params["ts"]
    blocks = json.dumps(final.params["blocks"], ensure_ascii=False)
    assert "$160,000–$210,000" in blocks and "Sources" in blocks


def test_model_failure_still_gets_the_extractive_answer(slack_llm):
    poster, slack, llm_api = slack_llm
    llm_api.script(Scripted(status=500))
    poster.event(mention(PAY_Q, ts="1700002200.000100"), event_id="EvLlm500")
    (post,) = slack.wait_for("chat.postMessage")
    assert post.params["thread_ts"] == "1700002200.000100"
    assert "Gutierrez" in json.dumps(post.params["blocks"])
    assert slack.calls_to("chat.startStream") == []
