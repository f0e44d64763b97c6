"""Live knowledge on the real stack: Neo4j is updated from the updates topic while workers run,
and the next turn's context sees it."""
from __future__ import annotations

import json
import time
import uuid

from contracts.topics import CONTEXT, KNOWLEDGE_UPDATES
from engines.graph.neo4j_store import Neo4jKnowledgeGraph
from tests.integration.kafka_io import collect, producer, send_turn, tail_consumer


def publish(p, codec, kind, **fields):  # type: ignore[no-untyped-def]
    update = {"update_id": uuid.uuid4().hex, "kind": kind, "product_id": None, "faq_id": None, "payload": "{}",
              "issued_at_ms": int(time.time() * 1000), **fields}
    key = (update["product_id"] or update["faq_id"] or "kb").encode()
    p.produce(KNOWLEDGE_UPDATES, key=key, value=codec.encode("KnowledgeUpdate", update, KNOWLEDGE_UPDATES))
    p.flush(10)


def cheapest_renovation_loan(settings):  # type: ignore[no-untyped-def]
    graph = Neo4jKnowledgeGraph(settings.neo4j.uri)
    try:
        return graph.loan_products("装修", 300000, limit=1)[0]["product"]
    finally:
        graph.close()


def context_for(settings, codec, p, session_id, turn):  # type: ignore[no-untyped-def]
    contexts = tail_consumer(settings.kafka.bootstrap, CONTEXT)
    send_turn(p, codec, session_id, turn, "我想贷款装修，30万")
    [(context, _)] = collect(contexts, codec, "Context",
                             lambda c: c["session_id"] == session_id and c["turn_id"] == turn, 1, timeout=30)
    return {f["source_id"]: f for f in context["facts"]}


def test_rate_change_reaches_the_next_context_within_5_seconds(stack, settings, codec, session_id):
    p = producer(settings.kafka.bootstrap)
    product = cheapest_renovation_loan(settings)
    assert product["id"] in context_for(settings, codec, p, session_id, 1)
    new_rate = 1.11  # below every catalogue rate, so the product stays first
    started = time.monotonic()
    publish(p, codec, "rate_change", product_id=product["id"],
            payload=json.dumps({"rate_min": new_rate, "rate_max": product["rate_max"]}))
    turn, seen_at = 2, None
    while time.monotonic() - started < 10:
        facts = context_for(settings, codec, p, session_id, turn)
        turn += 1
        if product["id"] in facts and f"{new_rate}" in facts[product["id"]]["content"]:
            seen_at = time.monotonic() - started
            break
    print(f"rate change visible in the next context after {seen_at:.2f}s" if seen_at else "rate change not seen")
    assert seen_at is not None and seen_at <= 5.0


def test_withdrawn_product_never_appears_in_context(stack, settings, codec, session_id):
    p = producer(settings.kafka.bootstrap)
    product = cheapest_renovation_loan(settings)
    publish(p, codec, "withdraw_product", product_id=product["id"])
    deadline = time.monotonic() + 10
    graph = Neo4jKnowledgeGraph(settings.neo4j.uri)
    try:
        while graph.product(product["id"])["on_sale"] and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        graph.close()
    for turn in range(1, 4):
        assert product["id"] not in context_for(settings, codec, p, session_id, turn)


def test_faq_edit_is_searchable_after_the_index_refresh(stack, settings, codec, session_id):
    p = producer(settings.kafka.bootstrap)
    faq = {"id": "FAQ-LIVE-1", "intent": "other", "question": "示例银行周年庆网点营业时间",
           "answer": "周年庆期间所有网点延长营业至晚上九点。", "product_types": []}
    publish(p, codec, "faq_edit", faq_id=faq["id"], payload=json.dumps(faq, ensure_ascii=False))
    contexts = tail_consumer(settings.kafka.bootstrap, CONTEXT)
    deadline, turn = time.monotonic() + 15, 1
    while time.monotonic() < deadline:
        send_turn(p, codec, session_id, turn, "周年庆网点营业到几点")
        [(context, _)] = collect(contexts, codec, "Context",
                                 lambda c, t=turn: c["session_id"] == session_id and c["turn_id"] == t, 1, timeout=30)
        if any(f["source_id"] == faq["id"] for f in context["facts"]):
            return
        turn += 1
        time.sleep(0.5)
    raise AssertionError("edited FAQ never reached a context")


def test_bad_updates_are_dead_lettered(stack, settings, codec):
    from contracts.topics import DEADLETTER

    dlq = tail_consumer(settings.kafka.bootstrap, DEADLETTER)
    p = producer(settings.kafka.bootstrap)
    publish(p, codec, "rate_change", product_id="P-NOPE-999", payload=json.dumps({"rate_min": 1.0}))
    [(letter, _)] = collect(dlq, codec, "DeadLetter", lambda d: d["stage"] == "knowledge", 1, timeout=30)
    assert letter["reason"] == "unsupported_input" and "P-NOPE-999" in letter["error"]
