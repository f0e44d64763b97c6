"""Retrieval: recall@5 on the labelled question -> passage set, latency of graph lookups, vector
search and a whole retrieval turn at catalogue size and at 120k entities / 850k relations, and
FAISS Flat vs HNSW vs IVF side by side. Starts its own Neo4j instances (free ports, temp dirs).

    python -m benchmarks.retrieval [--scale 1.0] [--skip-scale]
"""
from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import typer

from streams.settings import REPO_DIR, Settings

cli = typer.Typer(add_completion=False, help=__doc__)
EVAL = REPO_DIR / "data" / "knowledge" / "retrieval_eval.jsonl"
HOLDOUT = REPO_DIR / "data" / "knowledge" / "retrieval_holdout.jsonl"


def rows_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def timed(fn: Callable[[], object], n: int) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.99 * (len(samples) - 1))]


def recall_at(faqs, rows: list[dict], classifier, k: int = 5) -> float:  # type: ignore[no-untyped-def]
    """As in the pipeline: the intent stage's classifier gives the turn's intent, then the FAQ search."""
    hits = 0
    for row, intent in zip(rows, classifier.classify_batch([r["question"] for r in rows]), strict=True):
        found = {f["id"] for f, _ in faqs.search(row["question"], k, {intent.label: intent.confidence})}
        hits += bool(found & set(row["relevant"]))
    return hits / len(rows)


def start_neo4j(heap: str):  # type: ignore[no-untyped-def]
    from infra.services import Neo4jService, free_port

    return Neo4jService(port=free_port(), data_dir=Path(tempfile.mkdtemp(prefix="bench-neo4j-")), heap=heap).start()


def faiss_table(n: int, dim: int = 512, queries: int = 200) -> list[tuple]:
    from engines.vector.faiss_index import FaissIndex

    rng = np.random.default_rng(3)
    centres = rng.normal(size=(200, dim)).astype(np.float32)
    data = centres[rng.integers(0, 200, n)] + 0.35 * rng.normal(size=(n, dim)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    probe = data[rng.integers(0, n, queries)] + 0.05 * rng.normal(size=(queries, dim)).astype(np.float32)
    probe /= np.linalg.norm(probe, axis=1, keepdims=True)
    ids = [f"v{i}" for i in range(n)]
    rows, truth = [], None
    for kind in ("flat", "hnsw", "ivf"):
        index = FaissIndex(dim, kind, nlist=max(16, int(np.sqrt(n))))
        started = time.perf_counter()
        index.upsert(ids, data)
        build = time.perf_counter() - started
        results = index.search(probe, 5)
        found = [{name for name, _ in r} for r in results]
        if truth is None:
            truth = found
        overlap = np.mean([len(a & b) / 5 for a, b in zip(found, truth, strict=True)])
        p50, p99 = timed(lambda index=index: index.search(probe[:1], 5), 300)
        rows.append((kind, n, build, p50, p99, overlap))
    return rows


@cli.command()
def main(scale: float = typer.Option(1.0, help="Fraction of the 120k/850k synthetic graph"),
         skip_scale: bool = typer.Option(False, help="Catalogue size only"),
         samples: int = typer.Option(300, help="Timed calls per measurement")) -> None:
    """Print the retrieval tables."""
    from agents.retrieval.faq_index import FaqVectors
    from agents.retrieval.logic import retrieve
    from engines.embeddings import load_embedder
    from engines.graph.load import ensure_catalogue
    from engines.graph.neo4j_store import Neo4jKnowledgeGraph
    from engines.graph.scale import generate

    neo = start_neo4j("512m")
    try:
        settings = Settings(neo4j={"uri": neo.uri})
        ensure_catalogue(settings, show_progress=False)
        graph = Neo4jKnowledgeGraph(neo.uri)
        faqs = FaqVectors(load_embedder())
        faqs.refresh(graph)
        from engines.classifiers import load_classifier
        from streams.settings import get_settings

        defaults = get_settings()
        clf = load_classifier(defaults.intent.backend, defaults.intent_model_dir())
        recalls = {path.name: (recall_at(faqs, rows_of(path), clf, 1), recall_at(faqs, rows_of(path), clf, 5),
                               len(rows_of(path))) for path in (EVAL, HOLDOUT) if path.exists()}
        state = {"session_id": "b", "turn_id": 1, "customer_id": None, "channel": "web", "received_at_ms": 0,
                 "text": "我想贷款装修，30万", "intent": "loan_inquiry", "confidence": 0.9, "active_task": "loan_inquiry",
                 "slots": {"loan_purpose": "装修", "amount": "300000"}, "emotion": "neutral",
                 "emotion_trajectory": [], "needs_clarification": False}
        lat = {
            "graph: loan products by purpose+amount": timed(lambda: graph.loan_products("装修", 300000), samples),
            "graph: wealth suitable for C3": timed(lambda: graph.suitable_wealth("C3"), samples),
            "vector: FAQ top-5 (embed + search + fuse)": timed(lambda: faqs.search("信用卡年费怎么免", 5), samples),
            "retrieval turn (graph + vector + fuse)": timed(lambda: retrieve(state, graph, faqs.search), samples),
        }
        graph.close()
    finally:
        neo.stop()
    typer.echo(f"\nFAQ retrieval over {len(faqs.faqs)} FAQs")
    typer.echo(f"{'labelled set':28s} {'n':>5s} {'recall@1':>9s} {'recall@5':>9s}")
    for name, (r1, r5, n) in recalls.items():
        typer.echo(f"{name:28s} {n:5d} {r1:9.3f} {r5:9.3f}")
    typer.echo(f"\nLatency at catalogue size ({samples} calls each, ms)")
    typer.echo(f"{'operation':44s} {'p50':>7s} {'p99':>7s}")
    for name, (p50, p99) in lat.items():
        typer.echo(f"{name:44s} {p50:7.2f} {p99:7.2f}")
    if skip_scale:
        return
    big = start_neo4j("1g")
    try:
        g = Neo4jKnowledgeGraph(big.uri)
        started = time.perf_counter()
        counts = generate(g, customers=int(100_000 * scale), products=max(100, int(5_000 * scale)),
                          merchants=max(100, int(8_000 * scale)), branches=max(10, int(2_000 * scale)),
                          faqs=max(10, int(3_000 * scale)), clauses=max(10, int(2_000 * scale)))
        load_s = time.perf_counter() - started
        big_lat = {
            "graph: loan products by purpose+amount": timed(lambda: g.loan_products("装修", 300000), samples),
            "graph: wealth suitable for C3": timed(lambda: g.suitable_wealth("C3"), samples),
            "graph: 2-hop customer -> products -> clauses": timed(lambda: g.run(
                "MATCH (c:Customer {id: 'SYN-C-000042'})-[:HOLDS]->(p)-[:GOVERNED_BY]->(cl) RETURN count(cl) AS n"),
                samples),
        }
        g.close()
    finally:
        big.stop()
    typer.echo(f"\nSynthetic graph: {counts['entities']} entities, {counts['relations']} relations, loaded in {load_s:.0f}s")
    typer.echo(f"{'operation':44s} {'p50':>7s} {'p99':>7s}")
    for name, (p50, p99) in big_lat.items():
        typer.echo(f"{name:44s} {p50:7.2f} {p99:7.2f}")
    typer.echo("\nFAISS at 120k 512-d vectors (top-5 overlap with exact Flat search)")
    typer.echo(f"{'index':6s} {'n':>8s} {'build s':>8s} {'p50 ms':>7s} {'p99 ms':>7s} {'recall vs flat':>15s}")
    for kind, n, build, p50, p99, overlap in faiss_table(int(120_000 * scale)):
        typer.echo(f"{kind:6s} {n:8d} {build:8.1f} {p50:7.3f} {p99:7.3f} {overlap:15.3f}")


if __name__ == "__main__":
    cli()
