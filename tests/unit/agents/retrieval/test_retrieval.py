import numpy as np
import pytest

from agents.retrieval.faq_index import FaqVectors
from agents.retrieval.logic import retrieve
from agents.retrieval.stage import RetrievalStage
from contracts.topics import CONTEXT
from domain.numerals import canonical_form
from engines.graph.cache import CatalogueCache
from engines.vector.faiss_index import FaissIndex, choose_kind
from tests.fakes import CountingEmbedder, HashEmbedder, InMemoryCatalogue
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


def state(text, intent, slots):
    return {**SAMPLES["DialogueState"], "text": text, "intent": intent, "slots": slots}


def no_faqs(text, k, intents):
    return []


def test_loan_turn_gets_on_sale_products_matching_purpose_and_amount():
    [emit] = retrieve(state("装修贷款", "loan_inquiry", {"loan_purpose": "装修", "amount": "300000"}), InMemoryCatalogue(PRODUCTS), no_faqs)
    facts = emit.datum["facts"]
    assert emit.topic == CONTEXT and [f["source_id"] for f in facts] == ["P-LOAN-001"]
    assert "年化利率3.2–6.0%" in facts[0]["content"]


def test_withdrawn_products_never_appear():
    for intent, slots in [("loan_inquiry", {}), ("loan_inquiry", {"loan_purpose": "装修"}), ("repayment_calc", {})]:
        [emit] = retrieve(state("贷款", intent, slots), InMemoryCatalogue(PRODUCTS), no_faqs)
        assert "P-LOAN-002" not in {f["source_id"] for f in emit.datum["facts"]}


@pytest.mark.parametrize("level,allowed", [("C1", set()), ("C2", {"P-WEALTH-001"}), ("C5", {"P-WEALTH-001", "P-WEALTH-002"})])
def test_wealth_turn_is_suitable_for_the_customer(level, allowed):
    [emit] = retrieve(state("理财推荐", "wealth_inquiry", {"customer_risk": level}), InMemoryCatalogue(PRODUCTS), no_faqs)
    assert {f["source_id"] for f in emit.datum["facts"]} == allowed


def test_faqs_and_products_are_fused_without_duplicates():
    faq = {"id": "FAQ-1", "question": "装修贷要什么材料", "answer": "身份证和装修合同"}

    def search(text, k, intents):
        return [(faq, 0.8), (faq, 0.7)]

    [emit] = retrieve(state("装修贷材料", "loan_inquiry", {}), InMemoryCatalogue(PRODUCTS), search)
    ids = [f["source_id"] for f in emit.datum["facts"]]
    assert ids == ["FAQ-1", "P-LOAN-001"] and emit.datum["facts"][0]["kind"] == "faq"


@pytest.mark.parametrize("text,slots,lead", [
    ("装修贷要什么材料", {}, "faq"),  # how something works: the FAQ
    ("有什么装修贷款产品", {}, "product"),  # asks for products
    ("装修用，大概30万", {"loan_purpose": "装修", "amount": "300000"}, "product"),  # purpose and amount known
])
def test_a_question_leads_with_the_faq_a_request_for_products_with_products(text, slots, lead):
    faq = {"id": "FAQ-1", "question": "装修贷要什么材料", "answer": "身份证和装修合同"}
    [emit] = retrieve(state(text, "loan_inquiry", slots), InMemoryCatalogue(PRODUCTS), lambda *a: [(faq, 0.8)])
    assert emit.datum["facts"][0]["kind"] == lead


def test_faq_vectors_follow_graph_versions():
    faqs = [{"id": "FAQ-1", "question": "信用卡年费怎么收", "answer": "刷卡满6次免年费", "v": 1},
            {"id": "FAQ-2", "question": "转账限额是多少", "answer": "单日20万", "v": 1}]
    graph = InMemoryCatalogue([], faqs)
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


class CountingGraph(InMemoryCatalogue):
    """InMemoryCatalogue that counts lookups and token reads, with the store's catalogue_token."""

    def __init__(self, products, faqs=None):
        super().__init__(products, faqs)
        self.lookups = self.token_reads = 0

    def loan_products(self, purpose, amount, limit=3):
        self.lookups += 1
        return super().loan_products(purpose, amount, limit)

    def suitable_wealth(self, customer_risk, limit=5):
        self.lookups += 1
        return super().suitable_wealth(customer_risk, limit)

    def product(self, product_id):
        self.lookups += 1
        return super().product(product_id)

    def catalogue_token(self):
        self.token_reads += 1
        return (self._version, None)


def loan_ids(rows):
    return [r["product"]["id"] for r in rows]


def test_catalogue_cache_answers_repeats_from_memory_for_any_amount():
    products = [dict(p) for p in PRODUCTS] + [
        {"id": "P-LOAN-003", "type": "loan", "name": "大额装修贷", "description": "", "rate_min": 3.5, "rate_max": 5.0,
         "amount_min": 200000, "amount_max": 1000000, "risk_level": None, "on_sale": True, "purposes": ["装修"]}]
    graph = CountingGraph(products)
    catalogue = CatalogueCache(graph)
    for amount in (None, 5000, 10000, 150000, 300000, 500000, 800000, 2000000):
        for limit in (1, 3):
            assert loan_ids(catalogue.loan_products("装修", amount, limit)) == loan_ids(
                InMemoryCatalogue(products).loan_products("装修", amount, limit))
    assert graph.lookups == 1 and catalogue.hits == 15
    assert catalogue.suitable_wealth("C3") == graph.suitable_wealth("C3")


def test_catalogue_cache_drops_everything_when_the_graph_moves():
    products = [dict(p) for p in PRODUCTS]
    graph = CountingGraph(products)
    catalogue = CatalogueCache(graph)
    assert loan_ids(catalogue.loan_products("装修", 300000)) == ["P-LOAN-001"]
    products[0]["on_sale"] = False  # the knowledge stage withdraws it and bumps the version
    graph._version += 1
    assert catalogue.loan_products("装修", 300000) == []
    assert graph.token_reads == 2 and graph.lookups == 2


def test_the_next_turn_after_a_withdrawal_never_shows_the_product():
    products = [dict(p) for p in PRODUCTS]
    graph = CountingGraph(products)
    stage = RetrievalStage(graph, FaqVectors(HashEmbedder()))
    turn = state("装修贷款", "loan_inquiry", {"loan_purpose": "装修", "amount": "300000"})
    try:
        assert "P-LOAN-001" in {f["source_id"] for f in stage(turn)[0].datum["facts"]}
        products[0]["on_sale"] = False
        graph._version += 1
        assert "P-LOAN-001" not in {f["source_id"] for f in stage(turn)[0].datum["facts"]}
    finally:
        stage.close()


def test_a_prefetched_token_no_lookup_used_is_not_reused_later():
    products = [dict(p) for p in PRODUCTS]
    graph = CountingGraph(products)
    catalogue = CatalogueCache(graph)
    try:
        catalogue.loan_products("装修", 300000)
        catalogue.prefetch_token()  # a turn that ends without a lookup
        catalogue.drop_prefetch()
        products[0]["on_sale"] = False
        graph._version += 1
        assert catalogue.loan_products("装修", 300000) == []
    finally:
        catalogue.close()


def test_a_turn_reads_the_token_once_and_the_next_turn_sees_a_withdrawal():
    """The generation worker's use: several lookups in one turn cost one freshness check; a product
    withdrawn between turns is not served from memory to the next turn."""
    products = [dict(p) for p in PRODUCTS]
    graph = CountingGraph(products)
    catalogue = CatalogueCache(graph)
    catalogue.new_turn()
    first = catalogue.product("P-LOAN-001")
    assert first["on_sale"] and catalogue.product("P-LOAN-001") == first
    assert loan_ids(catalogue.loan_products("装修", 300000)) == ["P-LOAN-001"]
    assert graph.token_reads == 1 and graph.lookups == 2
    catalogue.new_turn()
    assert catalogue.product("P-LOAN-001") == first and graph.token_reads == 2 and graph.lookups == 2
    products[0]["on_sale"] = False  # withdrawn, version bumped
    graph._version += 1
    catalogue.new_turn()
    assert catalogue.product("P-LOAN-001")["on_sale"] is False
    assert catalogue.loan_products("装修", 300000) == [] and graph.token_reads == 3
    assert catalogue.product("P-NOPE") is None


def test_an_embedding_carried_from_the_intent_stage_is_used_not_computed_again():
    from engines.embeddings import RememberingEmbedder, vector_bytes

    faqs = [{"id": "FAQ-1", "question": "转账限额是多少", "answer": "单笔5万元。", "aliases": [], "intent": "transfer"},
            {"id": "FAQ-2", "question": "信用卡怎么还款", "answer": "App内还款。", "aliases": [], "intent": "credit_card"}]
    embedder, graph = CountingEmbedder(), InMemoryCatalogue([], faqs)
    vectors = FaqVectors(embedder)
    vectors.refresh(graph)
    stage = RetrievalStage(graph, vectors)
    turn = {**state("转账限额多少？", "transfer", {}), "active_task": None, "turn_task": None}
    try:
        plain = stage(turn)[0].datum["facts"]
        assert plain and plain[0]["source_id"] == "FAQ-1"
        intent_side = RememberingEmbedder(HashEmbedder())  # the intent stage's model embeds the canonical form
        intent_side.encode([canonical_form(turn["text"])])
        carried = vector_bytes(intent_side.remembered(canonical_form(turn["text"])))
        stage.faqs.clear_question_cache()
        embedder.encoded.clear()
        with_vector = stage({**turn, "embedding": carried})[0].datum["facts"]
        assert with_vector == plain and embedder.encoded == []
        stage.faqs.clear_question_cache()  # one of another dimension is ignored, never misread
        assert stage({**turn, "embedding": b"\x00" * 12})[0].datum["facts"] == plain and embedder.encoded
    finally:
        stage.close()


def test_turns_without_product_lookups_never_touch_the_graph():
    graph = CountingGraph(PRODUCTS)
    stage = RetrievalStage(graph, FaqVectors(HashEmbedder()))
    try:
        stage({**state("你好", "other", {}), "active_task": None, "turn_task": None})
        stage({**state("转账限额", "transfer", {}), "active_task": None})
    finally:
        stage.close()
    assert graph.token_reads == 0 and graph.lookups == 0


def test_aliases_are_searchable_and_leave_with_their_faq():
    faqs = [{"id": "FAQ-1", "question": "二类户的限额是多少", "answer": "日累计5000元", "aliases": ["电子卡一天能转多少钱"], "v": 1},
            {"id": "FAQ-2", "question": "如何挂失借记卡", "answer": "App或客服热线办理", "v": 1}]
    graph = InMemoryCatalogue([], faqs)
    vectors = FaqVectors(HashEmbedder())
    vectors.refresh(graph)
    assert vectors.search("电子卡一天能转多少钱", 1)[0][0]["id"] == "FAQ-1"
    faqs.append({"id": "FAQ-1", "question": "", "answer": "", "v": 2, "deleted": True})
    graph._version = 2
    vectors.refresh(graph)
    assert [f["id"] for f, _ in vectors.search("电子卡一天能转多少钱", 5)] == ["FAQ-2"]


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_faq_features_are_the_best_passage_per_side(kind, monkeypatch):
    import agents.retrieval.faq_index as faq_index

    monkeypatch.setattr(faq_index, "choose_kind", lambda n: kind)
    faqs = [{"id": f"FAQ-{i}", "question": f"问题{i}号怎么办理", "answer": f"第{i}条答复。请到网点办理业务{i}。",
             "aliases": [f"我想办{i}号业务", f"{i}号怎么弄"], "intent": "transfer" if i % 2 else "other", "v": 1}
            for i in range(30)]
    embedder = HashEmbedder()
    vectors = FaqVectors(embedder)
    vectors.refresh(InMemoryCatalogue([], faqs))
    question = "7号业务怎么办理"
    features = vectors.features(question, {"transfer": 0.8})
    q = embedder.encode([canonical_form(question)])[0]  # questions are embedded in the intent model's form
    for position, faq_id in enumerate(vectors.ids):
        parts = faq_index.passages(vectors.faqs[faq_id])
        cosines = embedder.encode([p.text for p in parts]) @ q
        best_ask = max(c for c, p in zip(cosines, parts, strict=True) if p.ask)
        best_content = max(c for c, p in zip(cosines, parts, strict=True) if p.content)
        if kind == "flat":  # exact search: exactly the best passage per side
            assert features.ask[position] == pytest.approx(best_ask, abs=1e-5)
            assert features.content[position] == pytest.approx(best_content, abs=1e-5)
        else:  # HNSW (chosen only for large indexes) is approximate: never above the best, maybe below
            assert features.ask[position] <= best_ask + 1e-5 and features.content[position] <= best_content + 1e-5
        assert features.intent[position] == pytest.approx(0.8 if vectors.faqs[faq_id]["intent"] == "transfer" else 0.0)
    assert features.lexical.max() == pytest.approx(1.0)
    assert "FAQ-7" in [faq["id"] for faq, _ in vectors.rank(features, 3)]


def test_char_tfidf_scores_as_sklearn_does():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from agents.retrieval.lexical import MEANINGFUL, CharTfidf
    from domain.text import normalise

    docs = ["信用卡年费怎么收 刷卡满6次免年费", "转账限额是多少 单日20万", "ＬＰＲ是什么 贷款市场报价利率"]
    sk = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 2), sublinear_tf=True, preprocessor=normalise).fit(docs)
    # the question's terms without a Chinese character or digit (spaces, Latin letters) are left out on purpose
    keep = np.array([bool(MEANINGFUL.search(term)) for term in sk.get_feature_names_out()])
    for question in ["信用卡年费", "LPR", "转账转账限额", "完全无关"]:
        asked = sk.transform([question]).toarray() * keep
        expected = (asked @ sk.transform(docs).T.toarray()).ravel()
        expected = expected / expected.max() if expected.max() > 0 else expected
        assert np.allclose(CharTfidf(docs).scores(question), expected)


def test_faiss_search_numbers_hide_removed_vectors():
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(50, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    for kind in ("flat", "hnsw"):
        index = FaissIndex(16, kind, search_threads=1)
        index.upsert([f"d{i}" for i in range(50)], vectors)
        index.remove(["d3"])
        scores, numbers = index.search_numbers(vectors[3:4], 50)
        assert index.numbers(["d3"])[0] == -1 and index.numbers(["d4"])[0] in numbers[0]
        assert 3 not in numbers[0] and list(scores[0][numbers[0] >= 0]) == sorted(scores[0][numbers[0] >= 0], reverse=True)
