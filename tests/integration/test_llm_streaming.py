"""The generation stage with an LLM on the real pipeline: the transformers backend (a tiny model
built here, no download) streams checked sentences through compliance and escalation to the
gateway's WebSocket; when the model misses its deadline the grounded composer answers exactly."""
from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from websockets.sync.client import connect

from contracts.topics import AUDIT, REPLY_CHUNKS, REPLY_DRAFT, REPLY_OUT
from domain.disclosures import RISK_DISCLOSURE
from tests.integration.kafka_io import collect, producer, send_turn, tail_consumer


@pytest.fixture(scope="module")
def tiny_llm(tmp_path_factory):
    from engines.llm.tiny import build

    return build(tmp_path_factory.mktemp("tiny-llm"), progress=False)


@contextmanager
def generation_worker(stack, env):
    """The generation worker restarted with ``env``; the default one is back afterwards."""
    stack.stop_worker("generation")
    stack.start_worker("generation", env=env)
    try:
        stack.wait_workers()
        yield
    finally:
        stack.stop_worker("generation")
        stack.start_worker("generation")
        stack.wait_workers()


def llm_env(model, **over):
    return {"CS_LLM__BACKEND": "transformers", "CS_LLM__MODEL": str(model), "CS_LLM__DEVICE": "cpu",
            "CS_LLM__PROMPT_STYLE": "plain", "CS_LLM__MAX_NEW_TOKENS": "40", "CS_LLM__FIRST_CHUNK_S": "15",
            "CS_LLM__TOTAL_S": "60", **{f"CS_LLM__{k.upper()}": str(v) for k, v in over.items()}}


def test_the_transformers_backend_streams_to_the_websocket(stack, settings, codec, session_id, tiny_llm):
    drafts = tail_consumer(settings.kafka.bootstrap, REPLY_DRAFT)
    streamed_topic = tail_consumer(settings.kafka.bootstrap, REPLY_CHUNKS)
    with generation_worker(stack, llm_env(tiny_llm)):
        url = f"ws://{settings.gateway.host}:{settings.gateway.port}/v1/sessions/{session_id}/stream"
        with connect(url, open_timeout=10) as ws:
            ws.send(json.dumps({"text": "理财产品有风险吗"}))
            messages = []
            while not messages or messages[-1]["type"] == "chunk":
                messages.append(json.loads(ws.recv(timeout=90)))
        [(draft, _)] = collect(drafts, codec, "DraftReply", lambda d: d["session_id"] == session_id, 1)
        # As many sentences as the tiny model writes (its text follows the FAQ corpus it is trained on).
        chunks = [c for c, _ in collect(streamed_topic, codec, "ReplyChunk",
                                        lambda c: c["session_id"] == session_id, 2, timeout=60, settle=5.0)]
    reply = messages[-1]
    assert draft["composer"] == "transformers" and reply["type"] == "reply" and reply["status"] == "approved"
    # The model's sentences went out one by one, each checked, in order, the last one marked final ...
    assert [c["seq"] for c in chunks] == list(range(len(chunks))) and len(chunks) >= 2
    assert chunks[-1]["final"] and not chunks[-1]["text"] and not any(c["final"] for c in chunks[:-1])
    assert all(c["composer"] == "transformers" for c in chunks)
    assert draft["text"].endswith(RISK_DISCLOSURE) and "".join(c["text"] for c in chunks) == draft["text"]
    # ... and the WebSocket's chunks (streamed ones, then any that trailed the reply) add up to the reply.
    assert len(messages) >= 2 and all(m["type"] == "chunk" for m in messages[:-1])
    assert "".join(m["text"] for m in messages[:-1]) == reply["reply"] == draft["text"]


def test_a_model_that_misses_its_deadline_leaves_the_exact_grounded_answer(stack, settings, codec, session_id,
                                                                           tiny_llm):
    out = tail_consumer(settings.kafka.bootstrap, REPLY_OUT)
    audits = tail_consumer(settings.kafka.bootstrap, AUDIT)
    with generation_worker(stack, llm_env(tiny_llm, first_chunk_s=0.001)):
        send_turn(producer(settings.kafka.bootstrap), codec, session_id, 1, "贷30万，年化4.8%，分3年，等额本息每月还多少")
        [(reply, _)] = collect(out, codec, "Reply", lambda r: r["session_id"] == session_id, 1, timeout=90)
        [(audit, _)] = collect(audits, codec, "AuditRecord",
                               lambda a: a["session_id"] == session_id and a["stage"] == "generation", 1)
    assert "8,964.36" in reply["text"] and "22,716.79" in reply["text"]
    assert audit["action"] == "generation.fallback.first_chunk_deadline" and audit["detail"]["engine"] == "transformers"
