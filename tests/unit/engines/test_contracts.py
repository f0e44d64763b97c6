"""Each Protocol's contract against its fake and the real backends that run without services."""
from __future__ import annotations

import pytest

from tests import contracts
from tests.fakes import HashEmbedder, InMemoryCatalogue, ScriptedEngine


def test_knowledge_graph_fake():
    fake = InMemoryCatalogue(scams=[{"id": "SCAM-X", "name": "n", "cues": ["安全账户"], "advice": "a"}])
    withdrawn = next(pid for pid, row in fake.rows.items() if not row["on_sale"])
    contracts.check_knowledge_graph(fake, withdrawn)


@pytest.mark.parametrize("make", [HashEmbedder, "use"], ids=["fake", "use-multilingual"])
def test_embedder(make):
    if make == "use":
        from engines.embeddings import load_embedder

        make = load_embedder
    contracts.check_embedder(make())


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_vector_index(kind):
    from engines.vector.faiss_index import FaissIndex

    contracts.check_vector_index(FaissIndex(16, kind, nlist=4, use_gpu=False))


@pytest.mark.parametrize("backend", ["keyword", "hybrid"])
def test_intent_classifier(backend):
    from engines.classifiers import load_classifier
    from streams.train import model_dir, train_backend

    if backend != "keyword":
        train_backend(backend)
    contracts.check_intent_classifier(load_classifier(backend, model_dir(backend)))


def test_credit_bureau():
    from engines.bureau import SimulatedBureau

    contracts.check_credit_bureau(SimulatedBureau())


def test_holdings():
    from engines.holdings import SimulatedHoldings
    from tests.fakes import CATALOGUE_ROWS

    contracts.check_holdings(SimulatedHoldings([r for r in CATALOGUE_ROWS if r["type"] in ("wealth", "deposit")]))


def test_violation_model():
    from agents.compliance.model import SentenceViolationModel
    from streams.train import train_backend

    contracts.check_violation_model(SentenceViolationModel.load(train_backend("compliance")))


def test_llm_engine_fake():
    from engines.llm import GenerationParams

    contracts.check_llm_engine(ScriptedEngine(["您好", "，", "请问"]), GenerationParams(max_new_tokens=8))
