"""Retrieval: recall@5 on the labelled question -> passage sets, latency of graph lookups, vector
search and a whole retrieval turn (with a per-component breakdown) at catalogue size and at 120k
entities / 850k relations, and FAISS Flat vs HNSW vs IVF side by side. Starts its own Neo4j
instances (free ports, temp dirs).

    python -m benchmarks.retrieval [--scale 1.0] [--skip-scale] [--choose-weights]

Latency is measured on distinct questions (the labelled ones, each asked once, so the question
cache never hits), after an untimed warm-up on the FAQs' own questions; every timed call is kept.
``--choose-weights`` re-runs the cross-validation that chose the FAQ fusion weights: each fold
takes one alias of every FAQ out of the index and asks it; the labelled sets play no part.
"""
from __future__ import annotations

import itertools
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import typer

from streams.settings import REPO_DIR, Settings

cli = typer.Typer(add_completion=False, help=__doc__)
KNOWLEDGE = REPO_DIR / "data" / "knowledge"
EVAL = KNOWLEDGE / "retrieval_eval.jsonl"
HOLDOUT = KNOWLEDGE / "retrieval_holdout.jsonl"
PURPOSES = ("装修", "经营", "购车", "购房", "消费", "教育", None)


def rows_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[int(0.99 * (len(samples) - 1))]


def timed(fn: Callable[[], object], n: int) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def timed_each(fn: Callable[[Any], object], inputs: Iterable[Any]) -> tuple[float, float]:
    """p50 and p99 of ``fn`` over ``inputs``, one call each, none left out."""
    samples = []
    for item in inputs:
        started = time.perf_counter()
        fn(item)
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def recall_at(faqs, rows: list[dict], classifier, k: int = 5) -> float:  # type: ignore[no-untyped-def]
    """As in the pipeline: the intent stage's classifier gives the turn's intent, then the FAQ search."""
    hits = 0
    for row, intent in zip(rows, classifier.classify_batch([r["question"] for r in rows]), strict=True):
        found = {f["id"] for f, _ in faqs.search(row["question"], k, {intent.label: intent.confidence})}
        hits += bool(found & set(row["relevant"]))
    return hits / len(rows)


class StaticGraph:
    """The two calls FaqVectors makes of the graph, over a fixed list of FAQs."""

    def __init__(self, faqs: list[dict[str, Any]]) -> None:
        self._faqs = faqs

    def version(self) -> int:
        return 1

    def faqs(self, since_version: int = 0) -> list[dict[str, Any]]:
        return self._faqs if since_version < 1 else []


def choose_weights(embedder, classifier, faqs: list[dict[str, Any]], folds: int = 5) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Cross-validated FAQ fusion weights from the FAQs' own aliases.

    Fold j takes the j-th alias of every FAQ out of the index and asks it (intent from the
    pipeline's classifier). Weights are picked on a grid by recall@5 (+0.1 MRR as tie-break);
    ``nested`` is the recall@5 of weights picked on the other folds, measured on the held-out one.
    """
    from agents.retrieval.faq_index import FaqVectors, Weights

    per_fold: list[tuple[np.ndarray, np.ndarray]] = []  # (features Q x 4 x N, gold positions)
    for j in range(folds):
        held = [(f["id"], f["aliases"][j]) for f in faqs if len(f.get("aliases") or []) > j]
        index = FaqVectors(embedder)
        index.refresh(StaticGraph([{**f, "aliases": [a for i, a in enumerate(f.get("aliases") or []) if i != j]}
                                   for f in faqs]))
        position = {faq_id: i for i, faq_id in enumerate(index.ids)}
        intents = classifier.classify_batch([q for _, q in held])
        feats = [np.stack(index.features(q, {it.label: it.confidence})) for (_, q), it in zip(held, intents, strict=True)]
        per_fold.append((np.stack(feats), np.array([position[faq_id] for faq_id, _ in held])))
    grid = [Weights(round(ask, 3), round(1 - ask, 3), round(float(lex), 3), round(float(intent), 3))
            for ask, lex, intent in itertools.product((0.25, 0.5, 0.75), np.arange(0, 1.001, 0.05),
                                                      np.arange(0, 0.301, 0.025))]

    def ranks(weights: Weights, fold: int) -> np.ndarray:
        feats, gold = per_fold[fold]
        score = np.einsum("qfn,f->qn", feats, np.asarray(weights, dtype=np.float32))
        return (score > score[np.arange(len(gold)), gold][:, None]).sum(axis=1)

    table = {(w, j): ranks(w, j) for w in grid for j in range(folds)}

    def objective(weights: Weights, chosen_folds: Iterable[int]) -> float:
        r = np.concatenate([table[weights, j] for j in chosen_folds])
        return float(np.mean(r < 5) + 0.1 * np.mean(1 / (r + 1)))

    nested = []
    for j in range(folds):
        best = max(grid, key=lambda w, j=j: objective(w, [i for i in range(folds) if i != j]))
        nested.append(table[best, j] < 5)
    best = max(grid, key=lambda w: objective(w, range(folds)))
    current = Weights()
    all_ranks = {name: np.concatenate([table[w, j] for j in range(folds)]) for name, w in
                 (("chosen", best), ("current", min(grid, key=lambda w: sum(abs(a - b) for a, b in zip(w, current, strict=True)))))}
    return {"weights": best, "nested_recall@5": float(np.mean(np.concatenate(nested))),
            "recall@5": {k: float(np.mean(r < 5)) for k, r in all_ranks.items()}, "queries": len(all_ranks["chosen"])}


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


def turn_states(questions: list[str], classifier, seed: int = 7) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """One DialogueState per question: the classifier's intent, and the slots such a turn carries
    (a purpose and an amount for loans, a risk level for wealth), drawn at random."""
    rng = random.Random(seed)
    states = []
    for text, intent in zip(questions, classifier.classify_batch(questions), strict=True):
        slots: dict[str, str] = {}
        if intent.label in ("loan_inquiry", "repayment_calc"):
            purpose = rng.choice(PURPOSES)
            slots = {"amount": str(rng.randrange(10_000, 2_000_000, 1_000))} | ({"loan_purpose": purpose} if purpose else {})
        elif intent.label in ("wealth_inquiry", "wealth_calc", "risk_assessment"):
            slots = {"customer_risk": f"C{rng.randint(1, 5)}"}
        states.append({"session_id": "b", "turn_id": 1, "customer_id": None, "channel": "web", "received_at_ms": 0,
                       "text": text, "intent": intent.label, "confidence": intent.confidence,
                       "active_task": intent.label, "slots": slots, "emotion": "neutral",
                       "emotion_trajectory": [], "needs_clarification": False})
    return states


def print_latency(title: str, rows: dict[str, tuple[float, float]]) -> None:
    typer.echo(f"\n{title}")
    typer.echo(f"{'operation':52s} {'p50':>7s} {'p99':>7s}")
    for name, (p50, p99) in rows.items():
        typer.echo(f"{name:52s} {p50:7.2f} {p99:7.2f}")


@cli.command()
def main(scale: float = typer.Option(1.0, help="Fraction of the 120k/850k synthetic graph"),
         skip_scale: bool = typer.Option(False, help="Catalogue size only"),
         samples: int = typer.Option(300, help="Timed calls per measurement"),
         choose: bool = typer.Option(False, "--choose-weights", help="Only cross-validate the FAQ fusion weights")) -> None:
    """Print the retrieval tables."""
    from agents.retrieval.faq_index import CANDIDATE_PASSAGES, FaqVectors
    from agents.retrieval.logic import retrieve
    from agents.retrieval.stage import RetrievalStage
    from engines.classifiers import load_classifier
    from engines.embeddings import load_embedder
    from engines.graph.cache import ALL_LOANS
    from engines.graph.neo4j_store import Neo4jKnowledgeGraph, read_jsonl
    from engines.graph.scale import generate
    from streams.catalogue import ensure_catalogue
    from streams.settings import get_settings

    defaults = get_settings()
    clf = load_classifier(defaults.intent.backend, defaults.intent_model_dir())
    if choose:
        result = choose_weights(load_embedder(), clf, read_jsonl(KNOWLEDGE / "faq.jsonl"))
        typer.echo(f"alias cross-validation over {result['queries']} held-out aliases")
        typer.echo(f"chosen weights {result['weights']}")
        typer.echo(f"recall@5 with weights chosen on the other folds: {result['nested_recall@5']:.3f}")
        typer.echo(f"recall@5 over all folds: {json.dumps(result['recall@5'])}")
        return
    neo = start_neo4j("512m")
    try:
        settings = Settings(neo4j={"uri": neo.uri})
        ensure_catalogue(settings, show_progress=False)
        graph = Neo4jKnowledgeGraph(neo.uri)
        faqs = FaqVectors(load_embedder())
        faqs.refresh(graph)
        faqs.warm_up()
        stage = RetrievalStage(graph, faqs)  # what the worker runs per turn
        catalogue = stage.catalogue
        recalls = {path.name: (recall_at(faqs, rows_of(path), clf, 1), recall_at(faqs, rows_of(path), clf, 5),
                               len(rows_of(path))) for path in (EVAL, HOLDOUT) if path.exists()}
        questions = [r["question"] for path in (EVAL, HOLDOUT) if path.exists() for r in rows_of(path)]
        questions = list(dict.fromkeys(questions))
        measured = [questions[i % len(questions)] for i in range(samples)]
        states = turn_states(measured, clf)
        # Warm-up, not timed: a turn for each FAQ question and alias (none of them a measured
        # question), so the fresh Neo4j JVM has compiled its queries, as in a worker up a while.
        warm_up = [text for f in faqs.faqs.values() for text in [f["question"], *(f.get("aliases") or [])]]
        for state in turn_states(warm_up, clf, seed=1):
            stage(state)
        faqs.clear_question_cache()
        loan = {"text": "我想贷款装修，30万", "intent": "loan_inquiry", "confidence": 0.9, "active_task": "loan_inquiry",
                "slots": {"loan_purpose": "装修", "amount": "300000"}}
        loan_state = {**states[0], **loan}
        lat = {
            "graph: loan products by purpose+amount": timed(lambda: graph.loan_products("装修", 300000), samples),
            "graph: wealth suitable for C3": timed(lambda: graph.suitable_wealth("C3"), samples),
            "vector: FAQ top-5 (embed + search + fuse)": timed_each(
                lambda s: faqs.search(s["text"], 5, {s["intent"]: s["confidence"]}), states),
        }
        faqs.clear_question_cache()
        lat["retrieval turn (graph + vector + fuse)"] = timed_each(stage, states)
        faqs.clear_question_cache()
        lat["retrieval turn, uncached graph lookups"] = timed_each(lambda s: retrieve(s, graph, faqs.search), states)
        lat["retrieval turn, '我想贷款装修，30万' repeated"] = timed(lambda: stage(loan_state), samples)
        vectors = {q: faqs.embedder.encode([q])[0] for q in set(measured)}
        features = [faqs.features(s["text"], {s["intent"]: s["confidence"]}) for s in states]
        k = min(len(faqs.index), CANDIDATE_PASSAGES)  # type: ignore[arg-type]
        breakdown = {
            "embed the question (USE, 1 BLAS thread)": timed_each(lambda q: faqs.embedder.encode([q]), measured),
            "FAISS search, every passage": timed_each(lambda q: faqs.index.search_numbers(vectors[q][None, :], k),  # type: ignore[union-attr]
                                                      measured),
            "best ask / content cosine per FAQ (FAISS + max)": timed_each(lambda q: faqs.dense_scores(vectors[q]),
                                                                          measured),
            "lexical TF-IDF": timed_each(faqs.lexical_scores, measured),
            "fusion + top-5": timed_each(lambda f: faqs.rank(f, 5), features),
            "graph: catalogue token (one Neo4j round trip)": timed(graph.catalogue_token, samples),
            "graph: lookup through the cache (token + hit)": timed_each(
                lambda s: catalogue.loan_products(s["slots"].get("loan_purpose"), int(s["slots"].get("amount", 0))),
                [s for s in states if "amount" in s["slots"]] or [loan_state]),
            "graph: cache miss (after an update): all loans of a purpose": timed(
                lambda: graph.loan_products("装修", None, ALL_LOANS), samples),
            "graph facts + Context event (no FAQ search)": timed_each(lambda s: retrieve(s, catalogue, lambda *_: []), states),
        }
        stage.close()
        graph.close()
    finally:
        neo.stop()
    typer.echo(f"\nFAQ retrieval over {len(faqs.faqs)} FAQs")
    typer.echo(f"{'labelled set':28s} {'n':>5s} {'recall@1':>9s} {'recall@5':>9s}")
    for name, (r1, r5, n) in recalls.items():
        typer.echo(f"{name:28s} {n:5d} {r1:9.3f} {r5:9.3f}")
    print_latency(f"Latency at catalogue size ({samples} calls each, distinct questions, ms)", lat)
    print_latency("Breakdown of a retrieval turn (same questions, ms)", breakdown)
    typer.echo(f"catalogue cache: {catalogue.hits} hits, {catalogue.misses} misses")
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
            "graph: catalogue token": timed(g.catalogue_token, samples),
            "graph: 2-hop customer -> products -> clauses": timed(lambda: g.run(
                "MATCH (c:Customer {id: 'SYN-C-000042'})-[:HOLDS]->(p)-[:GOVERNED_BY]->(cl) RETURN count(cl) AS n"),
                samples),
        }
        g.close()
    finally:
        big.stop()
    typer.echo(f"\nSynthetic graph: {counts['entities']} entities, {counts['relations']} relations, loaded in {load_s:.0f}s")
    typer.echo(f"{'operation':52s} {'p50':>7s} {'p99':>7s}")
    for name, (p50, p99) in big_lat.items():
        typer.echo(f"{name:52s} {p50:7.2f} {p99:7.2f}")
    typer.echo("\nFAISS at 120k 512-d vectors (top-5 overlap with exact Flat search)")
    typer.echo(f"{'index':6s} {'n':>8s} {'build s':>8s} {'p50 ms':>7s} {'p99 ms':>7s} {'recall vs flat':>15s}")
    for kind, n, build, p50, p99, overlap in faiss_table(int(120_000 * scale)):
        typer.echo(f"{kind:6s} {n:8d} {build:8.1f} {p50:7.3f} {p99:7.3f} {overlap:15.3f}")


if __name__ == "__main__":
    cli()
