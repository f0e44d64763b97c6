"""Build data/compliance/train_own_knowledge.tsv: the bank's own published wording, as clean rows.

    python data/compliance/make_own_knowledge.py

Every sentence of the knowledge base's FAQ answers and product descriptions is a statement the bank
publishes, so the learned layer learns its factual register ("起购金额最低1万元", fee tariffs, risk
notices) as clean. Sentences the static layer flags, and any equal to an evaluation sentence, are left
out: the first would teach the model against its own rules, the second would leak evaluation text.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
OUT = HERE / "train_own_knowledge.tsv"
SENTENCE_END = re.compile(r"(?<=[。！？；])")


def evaluation_texts() -> set[str]:
    files = [HERE / "labelled.tsv", HERE / "holdout_independent.tsv", *sorted(HERE.glob("independent_*.tsv"))]
    return {parts[1].strip() for f in files for line in f.read_text(encoding="utf-8").splitlines()
            if len(parts := line.split("\t")) >= 2}


def own_knowledge_rows() -> list[str]:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from agents.compliance.lexicon import default_lexicon

    lexicon = default_lexicon()
    knowledge = REPO / "data" / "knowledge"
    texts = [json.loads(line)["answer"] for line in (knowledge / "faq.jsonl").read_text(encoding="utf-8").splitlines()]
    texts += [json.loads(line)["description"]
              for line in (knowledge / "products.jsonl").read_text(encoding="utf-8").splitlines()]
    held_out = evaluation_texts()
    sentences = {s.strip() for text in texts for s in SENTENCE_END.split(text)}
    return [f"clean\t{s}" for s in sorted(sentences)
            if len(s) >= 8 and s not in held_out
            and not any(not hit.negated and hit.entry.category != "allowed_term" for hit in lexicon.scan(s))]


if __name__ == "__main__":
    rows = own_knowledge_rows()
    OUT.write_text("".join(row + "\n" for row in rows), encoding="utf-8")
    print(f"{len(rows)} clean rows -> {OUT.name}")
