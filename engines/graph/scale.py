"""Synthetic knowledge graph at production scale: ~120k entities and ~850k relations with a
heavy-tailed degree distribution (Zipf product and merchant popularity), loaded through the
driver in UNWIND batches. For benchmarks only; it reuses the real model so the stages' own
queries run unchanged.

    python -m engines.graph.scale --uri bolt://127.0.0.1:7688
"""
from __future__ import annotations

import numpy as np
import typer
from tqdm import tqdm

from engines.graph.neo4j_store import Neo4jKnowledgeGraph

PURPOSES = ["装修", "经营", "购车", "购房", "消费", "教育"]
TYPES = ["loan", "wealth", "deposit", "insurance", "credit_card"]
cli = typer.Typer(add_completion=False, help=__doc__)


def zipf_choice(rng: np.random.Generator, n: int, size: int, a: float = 1.2) -> np.ndarray:
    ranks = np.arange(1, n + 1)
    weights = 1.0 / ranks ** a
    return rng.choice(n, size=size, p=weights / weights.sum())


def generate(graph: Neo4jKnowledgeGraph, customers: int = 100_000, products: int = 5_000, merchants: int = 8_000,
             branches: int = 2_000, faqs: int = 3_000, clauses: int = 2_000, seed: int = 7, batch: int = 5_000) -> dict[str, int]:
    """Create the synthetic graph; returns counts of entities and relations written."""
    rng = np.random.default_rng(seed)
    graph.migrate()
    for statement in ("CREATE INDEX syn_customer IF NOT EXISTS FOR (c:Customer) ON (c.id)",
                      "CREATE INDEX syn_merchant IF NOT EXISTS FOR (m:Merchant) ON (m.id)",
                      "CREATE INDEX syn_branch IF NOT EXISTS FOR (b:Branch) ON (b.id)"):
        graph.run(statement)
    counts = {"entities": 0, "relations": 0}

    def write(query: str, rows: list[dict], desc: str, relations: int = 0) -> None:
        for i in tqdm(range(0, len(rows), batch), desc=desc, unit="batch"):
            graph.run(query, rows=rows[i:i + batch])
        counts["relations" if relations else "entities"] += len(rows) * (relations or 1)

    product_rows = []
    for i in range(products):
        t = TYPES[i % len(TYPES)]
        low = float(np.round(rng.uniform(1.5, 6.0), 2))
        product_rows.append({"id": f"SYN-P-{i:05d}", "type": t, "name": f"合成产品{i}", "rate_min": low,
                             "rate_max": float(np.round(low + rng.uniform(0.2, 3.0), 2)),
                             "amount_min": 10_000, "amount_max": int(rng.choice([200_000, 500_000, 1_000_000])),
                             "risk_level": f"R{int(rng.integers(1, 6))}" if t == "wealth" else None,
                             "on_sale": bool(rng.random() > 0.08), "purpose": PURPOSES[i % len(PURPOSES)]})
    write("""UNWIND $rows AS r MERGE (p:Product {id: r.id})
             SET p.type = r.type, p.name = r.name, p.rate_min = r.rate_min, p.rate_max = r.rate_max,
                 p.amount_min = r.amount_min, p.amount_max = r.amount_max, p.risk_level = r.risk_level,
                 p.on_sale = r.on_sale, p.updated_version = 0
             WITH p, r MERGE (u:Purpose {name: r.purpose}) MERGE (p)-[:FOR_PURPOSE]->(u)
             WITH p, r WHERE r.risk_level IS NOT NULL MATCH (l:RiskLevel {level: r.risk_level}) MERGE (p)-[:HAS_RISK]->(l)""",
          product_rows, "products")
    for label, n, prefix in (("Customer", customers, "C"), ("Merchant", merchants, "M"), ("Branch", branches, "B"),
                             ("FAQ", faqs, "F"), ("Clause", clauses, "CL")):
        rows = [{"id": f"SYN-{prefix}-{i:06d}"} for i in range(n)]
        write(f"UNWIND $rows AS r CREATE (:{label} {{id: r.id, synthetic: true}})", rows, label.lower())
    holds = zipf_choice(rng, products, customers * 3)
    write("""UNWIND $rows AS r MATCH (c:Customer {id: r.c}), (p:Product {id: r.p}) CREATE (c)-[:HOLDS]->(p)""",
          [{"c": f"SYN-C-{i // 3:06d}", "p": f"SYN-P-{int(p):05d}"} for i, p in enumerate(holds)], "holds", 1)
    spends = zipf_choice(rng, merchants, customers * 4)
    write("""UNWIND $rows AS r MATCH (c:Customer {id: r.c}), (m:Merchant {id: r.m}) CREATE (c)-[:TRANSACTED_AT]->(m)""",
          [{"c": f"SYN-C-{i // 4:06d}", "m": f"SYN-M-{int(m):06d}"} for i, m in enumerate(spends)], "transactions", 1)
    write("""UNWIND $rows AS r MATCH (c:Customer {id: r.c}), (b:Branch {id: r.b}) CREATE (c)-[:BANKS_AT]->(b)""",
          [{"c": f"SYN-C-{i:06d}", "b": f"SYN-B-{int(b):06d}"} for i, b in enumerate(zipf_choice(rng, branches, customers))],
          "branches", 1)
    write("""UNWIND $rows AS r MATCH (p:Product {id: r.p}), (c:Clause {id: r.c}) CREATE (p)-[:GOVERNED_BY]->(c)""",
          [{"p": f"SYN-P-{i // 5:05d}", "c": f"SYN-CL-{int(c):06d}"} for i, c in enumerate(zipf_choice(rng, clauses, products * 5))],
          "clauses", 1)
    write("""UNWIND $rows AS r MATCH (f:FAQ {id: r.f}), (p:Product {id: r.p}) CREATE (f)-[:ABOUT]->(p)""",
          [{"f": f"SYN-F-{i // 8:06d}", "p": f"SYN-P-{int(p):05d}"} for i, p in enumerate(zipf_choice(rng, products, faqs * 8))],
          "faq links", 1)
    return counts


@cli.command()
def main(uri: str = typer.Option(..., help="Bolt URI of a Neo4j dedicated to the benchmark"),
         scale: float = typer.Option(1.0, help="Fraction of the full 120k/850k size")) -> None:
    """Generate and load the synthetic graph."""
    graph = Neo4jKnowledgeGraph(uri)
    try:
        counts = generate(graph, customers=int(100_000 * scale), products=max(100, int(5_000 * scale)),
                          merchants=max(100, int(8_000 * scale)), branches=max(10, int(2_000 * scale)),
                          faqs=max(10, int(3_000 * scale)), clauses=max(10, int(2_000 * scale)))
    finally:
        graph.close()
    typer.echo(f"synthetic graph: {counts['entities']} entities, {counts['relations']} relations")


if __name__ == "__main__":
    cli()
