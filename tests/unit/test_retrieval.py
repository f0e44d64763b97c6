import numpy as np
import pytest

from agents.retrieval.faq_index import FaqVectors
from agents.retrieval.logic import retrieve
from engines.graph import RISK_RANK
from engines.vector.faiss_index import FaissIndex, choose_kind
from streams.topics import CONTEXT
from tests.samples import SAMPLES

PRODUCTS = [
    {"id": "P-LOAN-001", "type": "loan", "name": "安居装修贷", "description": "装修专用", "rate_min": 3.2, "rate_max": 6.0,
     "term_min": 12, "term_max": 60, "amount_min": 10000, "amount_max": 500000, "risk_level": None, "on_sale": True,
     "purposes": ["装修"]},
    {"id": "P-LOAN-002", "type": "loan", "name": "旧装修贷", "description": "已停售", "rate_min": 2.0, "rate_max": 3.0,
     "term_min": 12, "term_max": 60, "amount_min": 10000, "amount_max": 500000, "risk_level": None, "on_sale": False,
     "purposes": ["装修"]},
    {"id": "P-WEALTH-001", "type": "wealth", "name": "稳利R2", "description": "固收", "rate_min": 2.5, "rate_max": 3.2,
     "risk_level": "R2", "on_sale": True, "purposes": []},
    {"id": "P-WEALTH-002", "type": "wealth", "name": "进取R4", "description": "权益", "rate_min": 3.0, "rate_max": 8.0,
     "risk_level": "R4", "on_sale": True, "purposes": []},
]


class FakeGraph:
    """The KnowledgeGraph contract over a list, with the same on-sale and suitability rules."""

    def __init__(self, products, faqs=None):
        self.products = products
        self._faqs = faqs if faqs is not None else []
        self._version = 1

    def _sale(self, type_):
        return [p for p in self.products if p["type"] == type_ and p["on_sale"]]

    def loan_products(self, purpose, amount, limit=3):
        rows = [p for p in self._sale("loan") if (purpose is None or purpose in p["purposes"])
                and (amount is None or p["amount_min"] <= amount <= p["amount_max"])]
        return [{"product": p} for p in sorted(rows, key=lambda p: p["rate_min"])[:limit]]

    def suitable_wealth(self, customer_risk, limit=5):
        return [{"product": p} for p in self._sale("wealth") if RISK_RANK[p["risk_level"]] <= RISK_RANK[customer_risk]][:limit]

    def products_of_type(self, product_type, limit=3):
        return [{"product": p} for p in self._sale(product_type)][:limit]

    def faqs(self, since_version=0):
        return [f for f in self._faqs if f["v"] > since_version]

    def version(self):
        return self._version


def state(text, intent, slots):
    return {**SAMPLES["DialogueState"], "text": text, "intent": intent, "slots": slots}


def no_faqs(text, k, intents):
    return []


def test_loan_turn_gets_on_sale_products_matching_purpose_and_amount():
    [emit] = retrieve(state("装修贷款", "loan_inquiry", {"loan_purpose": "装修", "amount": "300000"}), FakeGraph(PRODUCTS), no_faqs)
    facts = emit.datum["facts"]
    assert emit.topic == CONTEXT and [f["source_id"] for f in facts] == ["P-LOAN-001"]
    assert "年化利率3.2–6.0%" in facts[0]["content"]


def test_withdrawn_products_never_appear():
    for intent, slots in [("loan_inquiry", {}), ("loan_inquiry", {"loan_purpose": "装修"}), ("repayment_calc", {})]:
        [emit] = retrieve(state("贷款", intent, slots), FakeGraph(PRODUCTS), no_faqs)
        assert "P-LOAN-002" not in {f["source_id"] for f in emit.datum["facts"]}


@pytest.mark.parametrize("level,allowed", [("C1", set()), ("C2", {"P-WEALTH-001"}), ("C5", {"P-WEALTH-001", "P-WEALTH-002"})])
def test_wealth_turn_is_suitable_for_the_customer(level, allowed):
    [emit] = retrieve(state("理财推荐", "wealth_inquiry", {"customer_risk": level}), FakeGraph(PRODUCTS), no_faqs)
    assert {f["source_id"] for f in emit.datum["facts"]} == allowed


def test_faqs_and_products_are_fused_without_duplicates():
    faq = {"id": "FAQ-1", "question": "装修贷要什么材料", "answer": "身份证和装修合同"}

    def search(text, k, intents):
        return [(faq, 0.8), (faq, 0.7)]

    [emit] = retrieve(state("装修贷材料", "loan_inquiry", {}), FakeGraph(PRODUCTS), search)
    ids = [f["source_id"] for f in emit.datum["facts"]]
    assert ids == ["P-LOAN-001", "FAQ-1"] and emit.datum["facts"][1]["kind"] == "faq"


class HashEmbedder:
    """A deterministic stand-in for the sentence embedder: character-bigram hashing."""

    name, dim = "hash", 64

    def encode(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for a, b in zip(t, t[1:], strict=False):
                out[i, hash(a + b) % self.dim] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def test_faq_vectors_follow_graph_versions():
    faqs = [{"id": "FAQ-1", "question": "信用卡年费怎么收", "answer": "刷卡满6次免年费", "v": 1},
            {"id": "FAQ-2", "question": "转账限额是多少", "answer": "单日20万", "v": 1}]
    graph = FakeGraph([], faqs)
    vectors = FaqVectors(HashEmbedder())
    assert vectors.refresh(graph) == 2 and vectors.refresh(graph) == 0
    assert vectors.search("信用卡年费", 1)[0][0]["id"] == "FAQ-1"
    faqs.append({"id": "FAQ-1", "question": "信用卡年费怎么收", "answer": "金卡年费200元", "v": 2})
    graph._version = 2
    assert vectors.refresh(graph) == 1
    assert vectors.search("信用卡年费", 1)[0][0]["answer"] == "金卡年费200元"
    faqs.append({"id": "FAQ-2", "question": "", "answer": "", "v": 3, "deleted": True})
    graph._version = 3
    vectors.refresh(graph)
    assert [f["id"] for f, _ in vectors.search("转账限额", 5)] == ["FAQ-1"]


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_faiss_kinds_agree_on_exact_matches_and_updates(kind):
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(300, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = FaissIndex(32, kind, nlist=8)
    index.upsert([f"d{i}" for i in range(300)], vectors)
    assert [hits[0][0] for hits in index.search(vectors[:20], 1)] == [f"d{i}" for i in range(20)]
    index.remove(["d0"])
    assert index.search(vectors[:1], 1)[0][0][0] != "d0" and len(index) == 299
    index.upsert(["d1"], vectors[5:6])
    assert {name for name, _ in index.search(vectors[5:6], 2)[0]} == {"d1", "d5"}


def test_index_kind_is_chosen_by_size():
    assert choose_kind(500) == "flat" and choose_kind(200_000) == "ivf"
