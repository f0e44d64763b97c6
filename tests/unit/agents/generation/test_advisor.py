"""Proactive wealth advice: watched sessions, diagnosis on request, rebalancing after a market move."""
from decimal import Decimal

from agents.generation.advisor import advice_drafts, diagnosis_text, wants_diagnosis, watch_entry
from agents.generation.flows import Grounding
from agents.generation.logic import compose
from contracts.topics import REPLY_DRAFT
from engines.graph.neo4j_store import read_jsonl
from engines.holdings import SimulatedHoldings
from streams.settings import REPO_DIR
from tests.samples import SAMPLES

CATALOGUE = read_jsonl(REPO_DIR / "data" / "knowledge" / "products.jsonl")
RANK = {f"R{i}": i for i in range(1, 6)}


class FixedHoldings:
    def __init__(self, records):
        self.records = records

    def holdings(self, customer_id):
        return self.records


def context(**over):
    return {**SAMPLES["Context"], "customer_id": "C-1", "intent": "wealth_inquiry", "text": "理财", **over}


def test_simulated_holdings_are_deterministic_and_on_sale():
    source = SimulatedHoldings(CATALOGUE)
    on_sale = {p["id"] for p in CATALOGUE if p["on_sale"]}
    for customer in ("C-0001", "C-0002", "C-0003"):
        records = source.holdings(customer)
        assert records == SimulatedHoldings(CATALOGUE).holdings(customer) and 2 <= len(records) <= 4
        assert all(r["product_id"] in on_sale and Decimal(r["amount"]) >= 10_000 for r in records)


def test_only_wealth_conversations_of_known_customers_are_watched():
    assert watch_entry(context(slots={"customer_risk": "C3"}))["customer_risk"] == "C3"
    assert watch_entry(context(customer_id=None)) is None
    assert watch_entry(context(intent="loan_inquiry", active_task="loan_inquiry")) is None
    assert watch_entry(context(intent="other", active_task="wealth_calc"))["customer_risk"] == "C1"


def test_a_diagnosis_on_request_states_exact_figures():
    holdings = FixedHoldings([{"product_id": "P-X", "category": "固收理财", "risk_level": "R2", "amount": "60000"},
                              {"product_id": "P-Y", "category": "权益基金", "risk_level": "R4", "amount": "40000"}])
    assert wants_diagnosis(context(text="帮我看看我的持仓"))
    text, tools = diagnosis_text("C-1", "C3", holdings, [])
    assert "100,000.00" in text and tools["total"] == "100000"
    [draft] = compose(context(text="帮我做个资产诊断", slots={"customer_risk": "C3"}), Grounding(holdings=holdings))
    assert "60,000.00" in draft.datum["text"] and "40,000.00" in draft.datum["text"]


def test_a_big_move_advises_each_deviating_session_never_above_its_level():
    source = SimulatedHoldings(CATALOGUE)
    watched = [(f"s-{i}", {"customer_id": f"C-{i:04d}", "channel": "app", "customer_risk": level, "turn_id": 5})
               for i, level in enumerate(["C1", "C2", "C3", "C4", "C5"] * 4)]
    event = {**SAMPLES["MarketEvent"], "change_pct": -6.0, "at_ms": 1_000}
    drafts = advice_drafts(event, watched, source, CATALOGUE)
    assert drafts and all(d.topic == REPLY_DRAFT and d.datum["composer"] == "advisor" for d in drafts)
    by_id = {p["id"]: p for p in CATALOGUE}
    for d in drafts:
        level = int(d.datum["slots"]["customer_risk"][1])
        assert all(RANK[by_id[pid]["risk_level"]] <= level and by_id[pid]["on_sale"] for pid in d.datum["source_ids"])
        assert d.datum["turn_id"] == 1_000 and "下跌6.00%" in d.datum["text"]
    # A small move, or a later turn, changes what is sent.
    assert advice_drafts({**event, "change_pct": -1.0}, watched, source, CATALOGUE) == []
    late = [(s, {**e, "turn_id": 5_000}) for s, e in watched]
    assert {d.datum["turn_id"] for d in advice_drafts(event, late, source, CATALOGUE)} == {5_001}
