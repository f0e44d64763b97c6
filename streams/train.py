"""Train the understanding and compliance models from the project's data (never from dev or test).

    python -m streams.train hybrid                  # the default backend (set-up runs it)
    python -m streams.train transformer [--init-from DIR] [--epochs 12]
    python -m streams.train compliance              # the compliance sentence classifier
    python -m streams.train all

Models go to ``<run_dir>/models/intent-<backend>`` unless ``--out`` says otherwise; a model whose
corpus digest matches is not retrained unless ``--force``.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

import typer

from engines.classifiers import read_tsv
from streams.settings import REPO_DIR, get_settings

TRAIN_TSV = REPO_DIR / "data" / "intents" / "train.tsv"
# Utterances written by separate authors in customers' own styles (see data/intents/PROVENANCE.md):
# trained on together with the corpus, never evaluated on.
AUTHORED_TSVS = sorted((REPO_DIR / "data" / "intents").glob("train_authored*.tsv"))
COMPLIANCE_TSV = REPO_DIR / "data" / "compliance" / "train.tsv"
# Replies written by a separate author from the category names and public sources only (see
# data/compliance/TAXONOMY.md), and the bot's own prompts that ask for missing figures (clean: "请告诉我期限"
# is not a credential request): trained on beside train.tsv, never evaluated on.
COMPLIANCE_AUTHORED = sorted((REPO_DIR / "data" / "compliance").glob("train_[ao]*.tsv"))  # train_authored*, train_own_prompts

cli = typer.Typer(add_completion=False, help=__doc__)


# Training examples are augmented with their clauses in another order ("分一年半还，学费要借5万" is the same
# request as "学费要借5万，分一年半还"), so the intent does not hang on where a customer starts; bump the
# version when the augmentation changes, so trained models are rebuilt.
AUGMENTATION = "clause-rotation-1"
CLAUSE_BREAK = re.compile(r"[，,。；;！!？?]+")


def with_rotated_clauses(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``rows`` plus, for each utterance of two or more clauses, one with its last clause moved first."""
    extra = []
    for label, text in rows:
        parts = [p.strip() for p in CLAUSE_BREAK.split(text) if p.strip()]
        if len(parts) >= 2:
            extra.append((label, "，".join(parts[-1:] + parts[:-1])))
    return rows + extra


def corpus_digest(path: Path = TRAIN_TSV, *extra: Path) -> str:
    digest = hashlib.sha256(path.read_bytes())
    digest.update(AUGMENTATION.encode())
    for more in extra:
        digest.update(more.read_bytes())
    return digest.hexdigest()[:16]


def model_dir(backend: str) -> Path:
    settings = get_settings()
    if backend == "compliance":
        return settings.compliance_model_dir()
    if backend == settings.intent.backend and settings.intent.model_dir:
        return settings.intent.model_dir
    return settings.run_dir / "models" / f"intent-{backend}"


def up_to_date(out: Path, digest: str) -> bool:
    meta = out / "meta.json"
    return meta.exists() and json.loads(meta.read_text()).get("corpus") == digest


def train_backend(backend: str, out: Path | None = None, *, init_from: Path | None = None, epochs: int = 12,
                  force: bool = False, train_tsv: Path = TRAIN_TSV) -> Path:
    out = out or model_dir(backend)
    if backend == "compliance" and train_tsv == TRAIN_TSV:
        train_tsv = COMPLIANCE_TSV
    # The compliance model's features include lexicon hits, so a lexicon change retrains it too.
    lexicon = REPO_DIR / "data" / "compliance" / "lexicon.tsv"
    extra = AUTHORED_TSVS if backend != "compliance" and train_tsv == TRAIN_TSV else []
    if backend == "compliance" and train_tsv == COMPLIANCE_TSV:
        extra = COMPLIANCE_AUTHORED
    # ... and so does a change of the claim rules or of the code that reads them or forms the features.
    claims = (REPO_DIR / "data" / "compliance" / "claims.toml", REPO_DIR / "agents" / "compliance" / "lexicon.py",
              REPO_DIR / "agents" / "compliance" / "model.py")
    digest = corpus_digest(train_tsv, lexicon, *claims, *extra) if backend == "compliance" else corpus_digest(train_tsv, *extra)
    if not force and up_to_date(out, digest):
        typer.echo(f"intent-{backend}: up to date in {out}")
        return out
    started = time.monotonic()
    if backend == "compliance":
        from agents.compliance.model import read_labelled, train

        replies = sum(len(read_labelled(path)) for path in (train_tsv, *extra))
        with typer.progressbar(length=1, label=f"train compliance model ({replies} replies)") as bar:
            train(train_tsv, *extra).save(out, digest)
            bar.update(1)
        typer.echo(f"compliance: trained in {time.monotonic() - started:.1f}s -> {out}")
        return out
    rows = read_tsv(train_tsv) + [row for path in extra for row in read_tsv(path)]
    if backend in ("hybrid", "ngram"):
        from engines.classifiers.linear import LinearIntentClassifier

        with typer.progressbar(length=1, label=f"train intent-{backend} ({len(rows)} examples)") as bar:
            LinearIntentClassifier.train(with_rotated_clauses(rows), backend, normaliser="canonical").save(out, digest)
            bar.update(1)
    elif backend == "transformer":
        from engines.classifiers.transformer import TransformerIntentClassifier

        TransformerIntentClassifier.train(rows, out, init_from=init_from, epochs=epochs)
        meta = {"format": 1, "kind": "transformer", "corpus": digest,
                "init_from": str(init_from) if init_from else None}
        (out / "meta.json").write_text(json.dumps(meta, indent=1))
    else:
        raise typer.BadParameter(f"unknown backend {backend!r}")
    typer.echo(f"intent-{backend}: trained on {len(rows)} examples in {time.monotonic() - started:.1f}s -> {out}")
    return out


@cli.command()
def main(
    backend: str = typer.Argument("hybrid", help="hybrid | ngram | transformer | compliance | all"),
    out: Path | None = typer.Option(None, help="Output directory (default: <run_dir>/models/intent-<backend>)"),
    init_from: Path | None = typer.Option(None, help="Local transformers checkpoint to fine-tune (transformer only)"),
    epochs: int = typer.Option(12, help="Training epochs (transformer only)"),
    force: bool = typer.Option(False, help="Retrain even when the corpus has not changed"),
    train_tsv: Path = typer.Option(TRAIN_TSV, help="Training data, label<TAB>text"),
) -> None:
    """Train one model (an intent backend or the compliance model), or all of them."""
    backends = ("hybrid", "ngram", "transformer", "compliance") if backend == "all" else (backend,)
    for b in backends:
        train_backend(b, out if len(backends) == 1 else None, init_from=init_from, epochs=epochs, force=force,
                      train_tsv=train_tsv)


if __name__ == "__main__":
    cli()
