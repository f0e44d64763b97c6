"""Build the intent corpus (data/intents/{train,dev,test}.tsv) from data/intents/phrases.py.

    python data/make_corpus.py [--seed 20261130] [--variants 5]

Deterministic for a seed. Splits are by group (a base utterance or template and all its variants),
70/15/15, so dev and test hold phrasings never seen in training. Each written line records its
provenance in data/intents/provenance.tsv (group id, how the variant was made).
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "intents"))
from phrases import FILLERS, GRAMMAR, PHRASES, PREFIXES, SUFFIXES, TYPOS  # noqa: E402

SLOT = re.compile(r"\{(\w+)\}")


def to_traditional(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)


def variants(template: str, rng: random.Random, n: int) -> list[tuple[str, str]]:
    """Up to ``n`` distinct variants of one group, each with how it was made."""
    out: dict[str, str] = {}
    tries = 0
    while len(out) < n and tries < n * 10:
        tries += 1
        text = SLOT.sub(lambda m: rng.choice(FILLERS[m.group(1)]), template)
        how = ["template" if SLOT.search(template) else "hand-written"]
        if len(out) > 0:
            text = rng.choice(PREFIXES) + text + rng.choice(SUFFIXES)
            how.append("affixes")
            roll = rng.random()
            if roll < 0.12:
                text = to_traditional(text)
                how.append("traditional")
            elif roll < 0.22:
                for right, wrong in TYPOS.items():
                    if right in text:
                        text = text.replace(right, wrong, 1)
                        how.append("typo")
                        break
        out.setdefault(text, "+".join(how))
    return list(out.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--variants", type=int, default=3, help="variants per group (base + affixed)")
    parser.add_argument("--composed", type=int, default=120, help="grammar-composed groups per label")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    splits: dict[str, list[tuple[str, str]]] = {"train": [], "dev": [], "test": []}
    provenance = []
    for label, hand in PHRASES.items():
        composed = [form.replace("{t}", topic) for topics, forms in GRAMMAR[label] for topic in topics
                    for form in forms]
        rng.shuffle(composed)
        groups = hand + composed[: args.composed]
        order = list(range(len(groups)))
        rng.shuffle(order)
        n_dev = n_test = max(2, round(len(groups) * 0.15))
        for rank, gi in enumerate(order):
            split = "test" if rank < n_test else "dev" if rank < n_test + n_dev else "train"
            n = args.variants + (2 if SLOT.search(groups[gi]) else 0)
            for text, how in variants(groups[gi], rng, n):
                splits[split].append((label, text))
                provenance.append((split, label, f"{label}/{gi}", how, text))
    # The same sentence can come from a hand-written line and from the grammar: keep it in train only,
    # so dev and test never contain a training sentence.
    train_texts = {text for _, text in splits["train"]}
    for split in ("dev", "test"):
        splits[split] = [(label, text) for label, text in splits[split] if text not in train_texts]
    dev_texts = {text for _, text in splits["dev"]}
    splits["test"] = [(label, text) for label, text in splits["test"] if text not in dev_texts]
    kept = {(split, text) for split, rows in splits.items() for _, text in rows}
    provenance = [p for p in provenance if (p[0], p[4]) in kept]
    out = HERE / "intents"
    for split, rows in splits.items():
        rng.shuffle(rows)
        (out / f"{split}.tsv").write_text("".join(f"{label}\t{text}\n" for label, text in rows), encoding="utf-8")
    (out / "provenance.tsv").write_text(
        "split\tlabel\tgroup\thow\ttext\n" + "".join("\t".join(r) + "\n" for r in provenance), encoding="utf-8")
    counts = {s: len(r) for s, r in splits.items()}
    per_label = {label: sum(1 for p in provenance if p[1] == label) for label in PHRASES}
    print(f"wrote {counts}; per label {min(per_label.values())}..{max(per_label.values())}")


if __name__ == "__main__":
    main()
