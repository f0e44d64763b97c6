"""The graph store keeps the KnowledgeGraph contract on the real Neo4j, and the in-memory fake the
unit tests use answers every contract query exactly as Neo4j does over the same products."""
from __future__ import annotations

from engines.graph.neo4j_store import Neo4jKnowledgeGraph, read_jsonl
from streams.settings import REPO_DIR
from tests import contracts
from tests.fakes import InMemoryCatalogue


def test_neo4j_keeps_the_contract_and_the_fake_agrees(stack, settings):
    graph = Neo4jKnowledgeGraph(settings.neo4j.uri, auth=settings.neo4j_auth())
    try:
        # The fake over the products as Neo4j holds them now (other tests may have changed some).
        rows = graph.run("""
            MATCH (p:Product) OPTIONAL MATCH (p)-[:FOR_PURPOSE]->(u:Purpose) OPTIONAL MATCH (p)-[:HAS_FEE]->(f:Fee)
            RETURN p {.*} AS p, collect(DISTINCT u.name) AS purposes, collect(DISTINCT f {.name, .value}) AS fees""")
        fake = InMemoryCatalogue([{**r["p"], "purposes": r["purposes"], "fees": r["fees"]} for r in rows],
                                 scams=read_jsonl(REPO_DIR / "data" / "knowledge" / "scams.jsonl"))
        withdrawn = next((pid for pid, row in fake.rows.items() if not row["on_sale"]), None)
        assert withdrawn is not None, "the curated catalogue holds withdrawn products"
        contracts.check_knowledge_graph(graph, withdrawn)
        contracts.check_knowledge_graph(fake, withdrawn)
        assert contracts.graph_answers(graph) == contracts.graph_answers(fake)
        assert graph.scam_types() and graph.scam_types() == fake.scam_types()  # the typology is loaded whole
    finally:
        graph.close()
