"""Business flows through the real pipeline: Kafka, Neo4j, the seven workers and the simulated bureau."""
from __future__ import annotations

from decimal import Decimal

from contracts.topics import DIALOGUE_STATE, REPLY_OUT
from domain.preapproval import pre_approve
from domain.repayment import equal_principal
from engines.bureau import SimulatedBureau
from engines.graph.neo4j_store import Neo4jKnowledgeGraph
from tests.integration.kafka_io import collect, producer, send_turn, tail_consumer


def replies_for(session_id):
    return lambda r: r["session_id"] == session_id


def test_equal_principal_repayment_is_exact(stack, settings, codec, session_id):
    out = tail_consumer(settings.kafka.bootstrap, REPLY_OUT)
    send_turn(producer(settings.kafka.bootstrap), codec, session_id, 1, "贷30万，年化4.8%，分3年，等额本金每月还多少")
    [(reply, _)] = collect(out, codec, "Reply", replies_for(session_id), 1)
    plan = equal_principal(Decimal(300000), Decimal("4.8"), 36)
    assert (plan.first_payment, plan.total_interest) == (Decimal("9533.33"), Decimal("22200.00"))
    assert reply["status"] == "approved"
    assert "首月还款9,533.33元" in reply["text"] and "总利息22,200.00元" in reply["text"]


def test_the_risk_questionnaire_runs_over_eleven_turns_and_ends_at_c1(stack, settings, codec, session_id):
    out = tail_consumer(settings.kafka.bootstrap, REPLY_OUT)
    states = tail_consumer(settings.kafka.bootstrap, DIALOGUE_STATE)
    p = producer(settings.kafka.bootstrap)
    turns = ["我想做个风险测评"] + ["A"] * 10
    for turn, text in enumerate(turns, 1):  # all at once: the session's order is the partition's order
        send_turn(p, codec, session_id, turn, text)
    got = [r for r, _ in collect(out, codec, "Reply", replies_for(session_id), len(turns), timeout=90)]
    assert [r["turn_id"] for r in got] == list(range(1, 12))
    assert "第1/10题" in got[0]["text"] and all(f"第{n}/10题" in got[n - 1]["text"] for n in range(2, 11))
    final = got[-1]
    assert final["status"] == "approved", final
    assert final["text"].startswith("风险承受能力评估已完成：您的得分为12分，风险承受能力等级为C1（保守型）")
    [(state, _)] = collect(states, codec, "DialogueState",
                           lambda s: s["session_id"] == session_id and s["turn_id"] == 11, 1, timeout=30)
    assert state["slots"]["customer_risk"] == "C1" and state["flow"]["answers"] == "A" * 10
    graph = Neo4jKnowledgeGraph(settings.neo4j.uri, auth=settings.neo4j_auth())
    try:
        named = [graph.product(pid) for pid in final["source_ids"]]
    finally:
        graph.close()
    assert named and all(p["risk_level"] == "R1" and p["on_sale"] for p in named)


def test_pre_approval_for_a_known_customer_passes_the_bureau_check(stack, settings, codec, session_id):
    out = tail_consumer(settings.kafka.bootstrap, REPLY_OUT)
    send_turn(producer(settings.kafka.bootstrap), codec, session_id, 1, "我想贷款装修，帮我预审一下能贷多少",
              customer_id="C-0001")
    [(reply, _)] = collect(out, codec, "Reply", replies_for(session_id), 1)
    # Compliance re-ran the same rules against the same bureau and passed it unchanged.
    assert reply["status"] == "approved" and not reply["compliance_flags"], reply
    graph = Neo4jKnowledgeGraph(settings.neo4j.uri, auth=settings.neo4j_auth())
    try:
        products = [graph.product(pid) for pid in reply["source_ids"]]
        for_renovation = graph.run("MATCH (p:Product)-[:FOR_PURPOSE]->(:Purpose {name: '装修'}) WHERE p.id IN $ids "
                                   "RETURN count(p) AS n", ids=reply["source_ids"])[0]["n"]
    finally:
        graph.close()
    assert products and all(p["type"] == "loan" for p in products) and for_renovation == len(products)
    outcome = pre_approve(SimulatedBureau().report("C-0001"), None, products)
    ceiling = max(plan.amount for plan in outcome.plans)
    assert reply["text"].startswith(f"您预审通过，根据征信和收入情况，您最高可贷{ceiling:,.2f}元")
    for plan in outcome.plans:
        assert f"额度{plan.amount:,.2f}元，每月还款{plan.monthly_payment:,.2f}元，总利息{plan.total_interest:,.2f}元" in reply["text"]
