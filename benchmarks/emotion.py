"""Emotion detector precision and recall on a labelled set, as the intent stage runs it (with the
configured intent model's complaint probability).

    python -m benchmarks.emotion data/emotion/labelled.tsv [--strength data/emotion/strength.tsv]
"""
from __future__ import annotations

import json
from pathlib import Path

import typer

cli = typer.Typer(add_completion=False, help=__doc__)


def read(path: Path) -> list[tuple[str, str]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            label, sep, text = line.partition("\t")
            if not sep:
                raise typer.BadParameter(f"{path}:{n}: want label<TAB>text")
            rows.append((label, text))
    return rows


def pr(gold: list[bool], pred: list[bool]) -> tuple[float, float]:
    tp = sum(g and p for g, p in zip(gold, pred, strict=True))
    return (tp / sum(pred) if any(pred) else 0.0), (tp / sum(gold) if any(gold) else 0.0)


@cli.command()
def main(file: Path = typer.Argument(..., exists=True, help="negative|neutral|positive<TAB>text"),
         strength: Path | None = typer.Option(None, exists=True, help="strong|mild<TAB>text for negative lines")) -> None:
    """Precision/recall of negative (incl. angry) emotion, and of angry on strong negatives."""
    from agents.intent.emotion import detect_emotion
    from engines.classifiers import load_classifier
    from streams.settings import get_settings

    settings = get_settings()
    clf = load_classifier(settings.intent.backend, settings.intent_model_dir())
    rows = read(file)
    probs = [r.probabilities.get("complaint", 0.0) for r in clf.classify_batch([t for _, t in rows])]
    found = [detect_emotion(t, p) for (_, t), p in zip(rows, probs, strict=True)]
    precision, recall = pr([g == "negative" for g, _ in rows], [e in ("negative", "angry") for e in found])
    out = {"n": len(rows), "negative_precision": round(precision, 4), "negative_recall": round(recall, 4)}
    if strength:
        strong = read(strength)
        sp = [r.probabilities.get("complaint", 0.0) for r in clf.classify_batch([t for _, t in strong])]
        s_prec, s_rec = pr([g == "strong" for g, _ in strong],
                           [detect_emotion(t, p) == "angry" for (_, t), p in zip(strong, sp, strict=True)])
        out |= {"strong_n": len(strong), "angry_precision": round(s_prec, 4), "angry_recall": round(s_rec, 4)}
    typer.echo(json.dumps(out))


if __name__ == "__main__":
    cli()
