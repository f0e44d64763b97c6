"""Intent backends side by side: accuracy, macro-F1, per-class F1, per-utterance latency, size.

    python -m benchmarks.intent [--backends keyword,ngram,hybrid,transformer] [--data data/intents/test.tsv]

Missing models are trained first (from the training split only). Latency is one utterance at a
time on CPU, as the intent agent calls it; also reported on the independently written holdout.
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import typer

from benchmarks.quality import per_class_f1
from engines.classifiers import load_classifier, read_tsv
from streams.settings import REPO_DIR
from streams.train import model_dir, train_backend

cli = typer.Typer(add_completion=False, help=__doc__)
TEST = REPO_DIR / "data" / "intents" / "test.tsv"
HOLDOUT = REPO_DIR / "data" / "intents" / "holdout_independent.tsv"


def dir_size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6 if path.exists() else 0.0


def scores(clf, rows):  # type: ignore[no-untyped-def]
    pred = [r.label for r in clf.classify_batch([t for _, t in rows])]
    gold = [g for g, _ in rows]
    table = per_class_f1(gold, pred)
    acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(rows)
    return acc, sum(f for _, _, f, _ in table.values()) / len(table), table


@cli.command()
def main(
    backends: str = typer.Option("keyword,ngram,hybrid,transformer", help="Comma-separated backends"),
    data: Path = typer.Option(TEST, help="Labelled test file"),
    latency_samples: int = typer.Option(300, help="Utterances timed one by one"),
) -> None:
    """Compare intent backends on the test split and the independent holdout."""
    rows = read_tsv(data)
    holdout = read_tsv(HOLDOUT) if HOLDOUT.exists() else []
    results = []
    for backend in [b.strip() for b in backends.split(",") if b.strip()]:
        path = model_dir(backend)
        if backend != "keyword":
            train_backend(backend)
        clf = load_classifier(backend, path)
        acc, macro, table = scores(clf, rows)
        h_macro = scores(clf, holdout)[1] if holdout else float("nan")
        sample = [t for _, t in rows[:latency_samples]]
        clf.classify(sample[0])
        times = []
        for text in sample:
            started = time.perf_counter()
            clf.classify(text)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        results.append((backend, acc, macro, h_macro, statistics.median(times), times[int(0.99 * (len(times) - 1))],
                        dir_size_mb(path) if backend != "keyword" else 0.0, table))
    typer.echo(f"\nIntent backends on {data.name} (n={len(rows)}); holdout = {HOLDOUT.name} (n={len(holdout)})")
    typer.echo(f"{'backend':12s} {'acc':>6s} {'macroF1':>8s} {'holdoutF1':>10s} {'p50 ms':>7s} {'p99 ms':>7s} {'size MB':>8s}")
    for name, acc, macro, h, p50, p99, size, _ in results:
        typer.echo(f"{name:12s} {acc:6.3f} {macro:8.3f} {h:10.3f} {p50:7.2f} {p99:7.2f} {size:8.1f}")
    labels = sorted(results[0][7])
    typer.echo("\nper-class F1 on the test split")
    typer.echo(f"{'label':16s} " + " ".join(f"{r[0]:>11s}" for r in results))
    for label in labels:
        typer.echo(f"{label:16s} " + " ".join(f"{r[7].get(label, (0, 0, 0, 0))[2]:11.3f}" for r in results))


if __name__ == "__main__":
    cli()
