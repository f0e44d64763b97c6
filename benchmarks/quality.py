"""Quality evaluation with the fixed commands of QUALITY.md, on the pipeline's own code and models:

    python -m benchmarks.quality intent FILE.tsv        # label<TAB>text
    python -m benchmarks.quality dst FILE.jsonl         # {"turns": [...], "state": {...}}
    python -m benchmarks.quality compliance FILE.tsv    # violation|clean<TAB>reply
    python -m benchmarks.quality conversations FILE.jsonl [--gateway URL | --own-stack]

Each prints a table, then as its last line one JSON object with the headline figures.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import typer

from streams.settings import get_settings

cli = typer.Typer(add_completion=False, help=__doc__)
DST_SLOTS = ("loan_purpose", "amount", "term_months", "annual_rate")


def _classifier() -> Any:
    from engines.classifiers import ClassifierError, load_classifier

    settings = get_settings()
    try:
        return load_classifier(settings.intent.backend, settings.intent_model_dir())
    except ClassifierError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def per_class_f1(gold: list[str], pred: list[str]) -> dict[str, tuple[float, float, float, int]]:
    out = {}
    for label in sorted(set(gold) | set(pred)):
        tp = sum(g == p == label for g, p in zip(gold, pred, strict=True))
        fp = sum(p == label and g != label for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, pred, strict=True))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[label] = (prec, rec, f1, gold.count(label))
    return out


@cli.command()
def intent(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="label<TAB>text"),
           stage: bool = typer.Option(False, help="Score the intent stage's decision (repair policy, requests for a "
                                                  "person, complaint ties) instead of the model alone")) -> None:
    """Accuracy and macro-F1 of the configured intent backend (or, with --stage, of the intent stage)."""
    from agents.intent.logic import understand
    from engines.classifiers import read_tsv

    rows = read_tsv(file)
    if not rows:
        raise typer.BadParameter(f"{file} has no examples")
    clf = _classifier()
    threshold = get_settings().intent.clarify_below
    started = time.perf_counter()
    if stage:
        pred = [understand({"session_id": "eval", "turn_id": n, "text": t}, clf, threshold)[0].datum["intent"]
                for n, (_, t) in enumerate(rows, 1)]
    else:
        pred = [r.label for r in clf.classify_batch([t for _, t in rows])]
    elapsed = time.perf_counter() - started
    gold = [g for g, _ in rows]
    table = per_class_f1(gold, pred)
    typer.echo(f"{'label':16s} {'prec':>6s} {'rec':>6s} {'f1':>6s} {'n':>5s}")
    for label, (p, r, f, n) in table.items():
        typer.echo(f"{label:16s} {p:6.3f} {r:6.3f} {f:6.3f} {n:5d}")
    accuracy = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(rows)
    macro = sum(f for _, _, f, _ in table.values()) / len(table)
    typer.echo(f"backend {clf.name}, {1000 * elapsed / len(rows):.2f} ms per utterance (batched)")
    typer.echo(json.dumps({"n": len(rows), "accuracy": round(accuracy, 4), "macro_f1": round(macro, 4)}))


def _expected(state: dict[str, Any]) -> dict[str, Any]:
    return {k: state[k] for k in DST_SLOTS if k in state}


def _typed(slots: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in DST_SLOTS:
        if key in slots:
            out[key] = slots[key] if key == "loan_purpose" else float(slots[key]) if key == "annual_rate" \
                else int(float(slots[key]))
    return out


def track(turns: list[str], classifier: Any, clarify_below: float) -> dict[str, str]:
    """Run a dialogue through the pipeline's asr, intent and state logic; the final slots."""
    from agents.asr.logic import transcribe
    from agents.intent.logic import understand
    from agents.state.logic import advance

    state = None
    for n, text in enumerate(turns, 1):
        utterance = {"session_id": "eval", "turn_id": n, "customer_id": None, "channel": "web", "text": text,
                     "audio_ref": None, "audio_format": None, "received_at_ms": 0}
        [transcript] = transcribe(utterance)
        [understanding] = understand(transcript.datum, classifier, clarify_below)
        state, _ = advance(state, understanding.datum)
    return state["slots"] if state else {}


@cli.command()
def dst(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="one dialogue JSON per line"),
        show_errors: int = typer.Option(0, help="Print up to N failed dialogues")) -> None:
    """Joint accuracy over loan_purpose, amount, term_months and annual_rate."""
    dialogues = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not dialogues:
        raise typer.BadParameter(f"{file} has no dialogues")
    clf = _classifier()
    threshold = get_settings().intent.clarify_below
    correct, slot_errors, shown = 0, Counter(), 0
    for d in dialogues:
        got = _typed(track(d["turns"], clf, threshold))
        want = _expected(d["state"])
        if got == want:
            correct += 1
            continue
        for key in DST_SLOTS:
            if got.get(key) != want.get(key):
                slot_errors[key] += 1
        if shown < show_errors:
            shown += 1
            typer.echo(f"turns {d['turns']}\n  want {want}\n  got  {got}")
    typer.echo(f"{'slot':14s} {'errors':>6s}")
    for key in DST_SLOTS:
        typer.echo(f"{key:14s} {slot_errors[key]:6d}")
    typer.echo(json.dumps({"n": len(dialogues), "joint_accuracy": round(correct / len(dialogues), 4)}))


@cli.command()
def compliance(file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                          help="violation|clean<TAB>reply[<TAB>category]"),
               aggregate_only: bool = typer.Option(False, help="No per-category table (for blind sets)"),
               show_errors: int = typer.Option(0, help="Print up to N missed or wrongly flagged replies")) -> None:
    """Recall and precision of the compliance gate, violation being the positive class."""
    from agents.compliance.agent import default_model
    from agents.compliance.lexicon import default_lexicon
    from agents.compliance.logic import review, text_draft
    from agents.compliance.model import read_labelled
    from engines.classifiers import ClassifierError

    settings = get_settings()
    lexicon = default_lexicon()
    try:
        model = default_model(settings)
    except ClassifierError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    try:
        rows = read_labelled(file)
    except ClassifierError as exc:
        raise typer.BadParameter(str(exc)) from exc
    # An optional third column names the rule category (the independent sets carry one per row).
    categories = [line.split("\t")[2].strip() if line.count("\t") >= 2 else ""
                  for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    tp = fp = fn = n = 0
    per: dict[str, list[int]] = {}  # category -> [tp, fn, fp, clean rows]
    for (label, text), category in zip(rows, categories, strict=True):
        n += 1
        draft = text_draft(text, session_id="eval", turn_id=n, composer="eval")
        reply = review(draft, lexicon, 0, model, settings.compliance.threshold)[0].datum
        flagged = reply["status"] != "approved"
        tp += flagged and label == "violation"
        fp += flagged and label == "clean"
        fn += (not flagged) and label == "violation"
        counts = per.setdefault(category, [0, 0, 0, 0])
        counts[0] += flagged and label == "violation"
        counts[1] += (not flagged) and label == "violation"
        counts[2] += flagged and label == "clean"
        counts[3] += label == "clean"
        if flagged != (label == "violation") and show_errors > 0 and not aggregate_only:
            show_errors -= 1
            typer.echo(f"{'missed' if label == 'violation' else 'flagged'} [{category}] {text}")
    recall = tp / (tp + fn) if tp + fn else 0.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    if any(per) and not aggregate_only:
        typer.echo(f"{'category':<22}{'violations':>11}{'recall':>8}{'clean':>7}{'flagged clean':>15}")
        for category, (c_tp, c_fn, c_fp, clean) in sorted(per.items()):
            c_recall = f"{c_tp / (c_tp + c_fn):.3f}" if c_tp + c_fn else "-"
            typer.echo(f"{category:<22}{c_tp + c_fn:>11}{c_recall:>8}{clean:>7}{c_fp:>15}")
    typer.echo(f"true positives {tp}, false positives {fp}, false negatives {fn}")
    _print_reliability(model.violation_probabilities([text for _, text in rows]),
                       [label == "violation" for label, _ in rows], settings.compliance.threshold)
    typer.echo(json.dumps({"n": n, "recall": round(recall, 4), "precision": round(precision, 4)}))


def _print_reliability(probabilities: list[float], outcomes: list[bool], threshold: float) -> None:
    """The learned layer alone, each reply read whole: how often each probability band is a violation."""
    from benchmarks.calibration import brier, expected_calibration_error, reliability

    typer.echo(f"learned layer alone (threshold {threshold}): probability band, replies, mean probability, "
               "share that are violations")
    for b in reliability(probabilities, outcomes):
        typer.echo(f"  {b.low:.1f}-{b.high:.1f}  {b.n:>5}  {b.mean_probability:.3f}  {b.observed_rate:.3f}")
    typer.echo(f"  expected calibration error {expected_calibration_error(probabilities, outcomes):.3f}, "
               f"Brier score {brier(probabilities, outcomes):.3f}")


@cli.command()
def conversations(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="one scenario JSON per line (QUALITY.md)"),
    gateway: str = typer.Option("http://127.0.0.1:8080", help="A running gateway (`make up`)"),
    own_stack: bool = typer.Option(False, help="Start a stack of its own (free ports, temporary run dir) and stop it"),
    aggregate_only: bool = typer.Option(False, help="Print no failure details (for blind sets)"),
    concurrency: int = typer.Option(8, min=1, help="Scenarios run at once (each in its own session)"),
) -> None:
    """Pass rate of end-to-end conversation scenarios on the running stack."""
    import asyncio
    import tempfile

    from tqdm import tqdm

    from benchmarks.conversations import ScenarioError, breakdown, read_scenarios, run_all

    try:
        scenarios = read_scenarios(file)
    except ScenarioError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if not scenarios:
        raise typer.BadParameter(f"{file} has no scenarios")
    stack = None
    if own_stack:
        from streams.stack import Stack, private_settings

        stack = Stack(private_settings(Path(tempfile.mkdtemp(prefix="cs-eval-"))), log=lambda m: typer.echo(m, err=True))
        stack.up()
        gateway = f"http://{stack.settings.gateway.host}:{stack.settings.gateway.port}"
    try:
        with tqdm(total=len(scenarios), desc="scenarios", unit="scenario", disable=None) as bar:
            outcomes = asyncio.run(run_all(scenarios, gateway, concurrency, progress=bar))
    finally:
        if stack is not None:
            stack.down()
    passed = sum(o.passed for o in outcomes)
    if not aggregate_only:
        for o in outcomes:
            if not o.passed:
                typer.echo(f"FAIL {o.name}: {'; '.join(o.problems)} | reply: {(o.last.get('reply') or '')[:120]!r}")
    for title, table in breakdown(scenarios, outcomes).items():
        typer.echo(f"{title:20s} " + "  ".join(f"{key} {a}/{b}" for key, (a, b) in table.items()))
    typer.echo(json.dumps({"n": len(outcomes), "passed": passed, "pass_rate": round(passed / len(outcomes), 4)}))


if __name__ == "__main__":
    cli()
