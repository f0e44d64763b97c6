"""Rebalancing advice on the real pipeline: a market-volatility event reaches the generation
worker (which reads the whole market topic without a group), becomes advice for a watched wealth
session, passes compliance and escalation, and lands on the reply topic."""
from __future__ import annotations

import time
import uuid

from agents.generation.advisor import advice_drafts
from contracts.topics import MARKET_EVENTS, REPLY_OUT
from engines.graph.neo4j_store import read_jsonl
from engines.holdings import SimulatedHoldings
from streams.settings import REPO_DIR
from tests.integration.kafka_io import collect, producer, send_turn, tail_consumer


def a_customer_needing_advice(event: dict) -> str:
    catalogue = read_jsonl(REPO_DIR / "data" / "knowledge" / "products.jsonl")
    source = SimulatedHoldings(catalogue)
    for i in range(1, 200):
        customer = f"C-{i:04d}"
        entry = {"customer_id": customer, "channel": "app", "customer_risk": "C1", "turn_id": 1}
        if advice_drafts(event, [("s", entry)], source, catalogue):
            return customer
    raise AssertionError("no simulated customer needs advice")


def test_a_market_drop_brings_rebalancing_advice(stack, settings, codec, session_id):
    out = tail_consumer(settings.kafka.bootstrap, REPLY_OUT)
    p = producer(settings.kafka.bootstrap)
    event = {"event_id": uuid.uuid4().hex, "index": "沪深300", "change_pct": -8.0, "at_ms": int(time.time() * 1000)}
    customer = a_customer_needing_advice(event)
    send_turn(p, codec, session_id, 1, "有什么稳健的理财产品推荐", customer_id=customer)
    assert collect(out, codec, "Reply", lambda r: r["session_id"] == session_id, 1)
    event["at_ms"] = int(time.time() * 1000)
    p.produce(MARKET_EVENTS, key=b"CSI300", value=codec.encode("MarketEvent", event, MARKET_EVENTS))
    p.flush(10)
    [(advice, _)] = collect(out, codec, "Reply", lambda r: r["session_id"] == session_id, 1, settle=2.0)
    assert advice["turn_id"] == event["at_ms"] and advice["customer_id"] == customer
    assert "沪深300下跌8.00%" in advice["text"] and advice["status"] in ("approved", "rewritten")
    assert "C1" in advice["text"] and "不构成投资建议" in advice["text"]
