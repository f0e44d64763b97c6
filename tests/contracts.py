"""One contract check per Protocol, run against the fake and every real backend available here
(``tests/unit/engines/test_contracts.py``; the graph store against Neo4j in integration). A fake
that drifts from its backend fails here, not in a test that trusted it."""
from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import numpy as np

from domain.risk import level_rank
from engines.classifiers import INTENT_LABELS

# Queries whose answers fake and real graph must agree on (the curated catalogue loaded in both).
GRAPH_QUERIES = (("loan_products", ("装修", 300_000)), ("loan_products", ("经营", None)),
                 ("loan_products", (None, 50_000)), ("suitable_wealth", ("C2",)), ("suitable_wealth", ("C5",)),
                 ("products_of_type", ("credit_card",)), ("products_of_type", ("insurance",)))


def graph_answers(graph: Any) -> dict[str, list[str]]:
    return {f"{name}{args}": [row["product"]["id"] for row in getattr(graph, name)(*args)]
            for name, args in GRAPH_QUERIES}


def check_knowledge_graph(graph: Any, withdrawn_id: str | None = None) -> None:
    """Listings hold only on-sale products of the asked type, in the store's order; R <= C holds."""
    for purpose, amount in (("装修", 300_000), ("购车", 100_000), (None, None)):
        rows = [r["product"] for r in graph.loan_products(purpose, amount, limit=10)]
        assert all(p["type"] == "loan" and p["on_sale"] is True for p in rows)
        assert [p["rate_min"] for p in rows] == sorted(p["rate_min"] for p in rows)
        if amount is not None:
            assert all((p["amount_min"] or 0) <= amount <= (p["amount_max"] or amount) for p in rows)
    for level in ("C1", "C3", "C5"):
        rows = [r["product"] for r in graph.suitable_wealth(level, limit=20)]
        assert all(p["type"] == "wealth" and p["on_sale"] and level_rank(p["risk_level"], "R") <= int(level[1])
                   for p in rows)
    try:
        graph.suitable_wealth("R3")
    except ValueError:
        pass
    else:
        raise AssertionError("a product level is not a customer level")
    cards = [r["product"] for r in graph.products_of_type("credit_card", limit=5)]
    assert cards and [p["id"] for p in cards] == sorted(p["id"] for p in cards)
    assert all(p["type"] == "credit_card" and p["on_sale"] for p in cards)
    node = graph.product(cards[0]["id"])
    assert node["id"] == cards[0]["id"] and isinstance(node["fees"], list)
    assert all({"name", "value"} <= set(fee) for fee in node["fees"])
    assert graph.product("P-NO-SUCH") is None
    if withdrawn_id is not None:
        assert graph.product(withdrawn_id)["on_sale"] is False
        listed = {r["product"]["id"] for name, args in GRAPH_QUERIES for r in getattr(graph, name)(*args[:1],
                                                                                                   *args[1:], 50)}
        assert withdrawn_id not in listed
    assert isinstance(graph.version(), int)
    scams = graph.scam_types()
    assert [s["id"] for s in scams] == sorted(s["id"] for s in scams)
    assert all(s["cues"] and s["advice"] and s["name"] for s in scams)


def check_embedder(embedder: Any) -> None:
    texts = ["信用卡年费怎么收", "转账限额是多少", "信用卡年费怎么收"]
    vectors = embedder.encode(texts)
    assert vectors.shape == (3, embedder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert np.allclose(vectors[0], vectors[2], atol=1e-5)  # same text, same vector
    assert float(vectors[0] @ vectors[1]) < 0.999


def check_vector_index(index: Any) -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(50, index.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"v{i}" for i in range(50)]
    index.upsert(ids, vectors)
    assert len(index) == 50
    [[(best, score), *_]] = index.search(vectors[7:8], 3)
    assert best == "v7" and score > 0.99
    index.remove(["v7"])
    assert len(index) == 49 and all(i != "v7" for i, _ in index.search(vectors[7:8], 5)[0])
    index.upsert(["v8"], vectors[9:10])  # an update replaces the vector
    assert index.search(vectors[9:10], 2)[0][0][0] in ("v8", "v9")


def check_intent_classifier(classifier: Any) -> None:
    texts = ["我想贷款装修", "信用卡年费怎么收", "你好"]
    batch = classifier.classify_batch(texts)
    assert len(batch) == 3
    for text, result in zip(texts, batch, strict=True):
        assert result.label in INTENT_LABELS and 0.0 <= result.confidence <= 1.0
        single = classifier.classify(text)
        assert single.label == result.label and abs(single.confidence - result.confidence) < 1e-6
        if result.probabilities:
            assert abs(sum(result.probabilities.values()) - 1.0) < 1e-3
            assert result.probabilities[result.label] == max(result.probabilities.values())


def check_credit_bureau(bureau: Any) -> None:
    a, b = bureau.report("C-0001"), bureau.report("C-0001")
    assert a == b and a.customer_id == "C-0001"
    assert 350 <= a.score <= 950 and a.monthly_income > 0 and a.monthly_debt_service >= 0
    assert a.overdue_24m >= 0 and a.queries_6m >= 0
    try:
        bureau.report("")
    except ValueError:
        pass
    else:
        raise AssertionError("a report needs a customer id")


def check_holdings(source: Any) -> None:
    held = source.holdings("C-0042")
    assert held == source.holdings("C-0042") and held
    for position in held:
        assert {"product_id", "category", "risk_level", "amount"} <= set(position)
        assert Decimal(position["amount"]) > 0
        assert position["risk_level"] is None or level_rank(position["risk_level"], "R") is not None


def check_violation_model(model: Any) -> None:
    sentences = ["本产品保本保息，稳赚不赔。", "本产品不保本，理财非存款，投资须谨慎。"]
    probs = model.violation_probabilities(sentences)
    assert len(probs) == 2 and all(0.0 <= p <= 1.0 for p in probs)
    assert probs[0] > probs[1]


def check_llm_engine(engine: Any, params: Any) -> None:
    async def scenario() -> tuple[str, bool]:
        await engine.warm_up()
        assert await engine.check_health() is True
        chunks = [c async for c in engine.generate("你好", params, request_id="contract-1")]
        assert all(isinstance(c, str) for c in chunks)
        stream = engine.generate("你好", params, request_id="contract-2")
        first = await stream.__anext__()
        await engine.abort("contract-2")
        rest = [c async for c in stream]
        return "".join(chunks), isinstance(first, str) and len(rest) <= len(chunks)

    text, aborted_early = asyncio.run(scenario())
    assert text and aborted_early
