"""Transformers intent backend: ``AutoModelForSequenceClassification`` on torch, CPU or CUDA.

Fine-tunes any local checkpoint directory (``--init-from``); with none, trains a small BERT from
scratch on the corpus with a character vocabulary built from it, which needs no hub. Confidence is
the softmax probability after temperature scaling fitted on 10% of the training split held back.
"""
from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from domain.text import normalise
from engines.classifiers import INTENT_LABELS, ClassifierError, IntentResult

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
MAX_LEN = 64


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def build_char_tokenizer(texts: Sequence[str], out: Path) -> Any:
    """A BERT tokenizer whose vocabulary is every character of the (normalised) corpus."""
    from transformers import BertTokenizerFast

    chars = sorted({ch for t in texts for ch in normalise(t) if not ch.isspace()})
    ascii_ = [c for c in "abcdefghijklmnopqrstuvwxyz0123456789%.,?!" if c not in chars]
    out.mkdir(parents=True, exist_ok=True)
    vocab = {token: i for i, token in enumerate(SPECIAL + chars + ascii_)}
    # Text is fed one character per word (see _spaced), so every known character is its own token.
    return BertTokenizerFast(vocab=vocab, do_lower_case=True, tokenize_chinese_chars=True)


def _spaced(text: str) -> str:
    return " ".join(normalise(text))


class TransformerIntentClassifier:
    name = "transformer"

    def __init__(self, model: Any, tokenizer: Any, temperature: float = 1.0) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.temperature = temperature
        self.labels = [model.config.id2label[i] for i in range(model.config.num_labels)]

    # -- training ----------------------------------------------------------------------------
    @classmethod
    def train(cls, rows: Sequence[tuple[str, str]], out: Path, *, init_from: Path | None = None,
              epochs: int = 12, batch_size: int = 32, lr: float | None = None, seed: int = 13,
              progress: bool = True) -> TransformerIntentClassifier:
        import torch
        from tqdm import tqdm
        from transformers import (
            AutoModelForSequenceClassification,
            AutoTokenizer,
            BertConfig,
            BertForSequenceClassification,
        )

        random.seed(seed)
        torch.manual_seed(seed)
        label2id = {label: i for i, label in enumerate(INTENT_LABELS)}
        rows = list(rows)
        random.shuffle(rows)
        held = rows[: max(1, len(rows) // 10)]
        fit = rows[len(held):]
        if init_from is not None:
            if not (init_from / "config.json").exists():
                raise ClassifierError(f"{init_from} is not a transformers checkpoint directory (no config.json)")
            tokenizer = AutoTokenizer.from_pretrained(init_from)
            model = AutoModelForSequenceClassification.from_pretrained(
                init_from, num_labels=len(INTENT_LABELS), label2id=label2id,
                id2label={i: lab for lab, i in label2id.items()}, ignore_mismatched_sizes=True)
            lr = lr or 3e-5
        else:
            tokenizer = build_char_tokenizer([t for _, t in rows], out)
            config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=128, num_hidden_layers=2,
                                num_attention_heads=4, intermediate_size=256, max_position_embeddings=MAX_LEN,
                                num_labels=len(INTENT_LABELS), label2id=label2id,
                                id2label={i: lab for lab, i in label2id.items()})
            model = BertForSequenceClassification(config)
            lr = lr or 1e-3
        device = _device()
        model.to(device).train()
        optim = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
        steps = epochs * math.ceil(len(fit) / batch_size)
        sched = torch.optim.lr_scheduler.OneCycleLR(optim, max_lr=lr, total_steps=steps, pct_start=0.1)
        bar = tqdm(total=steps, desc="train intent transformer", disable=not progress, unit="step")
        for _ in range(epochs):
            random.shuffle(fit)
            for i in range(0, len(fit), batch_size):
                batch = fit[i:i + batch_size]
                enc = tokenizer([_spaced(t) for _, t in batch], padding=True, truncation=True,
                                max_length=MAX_LEN, return_tensors="pt").to(device)
                target = torch.tensor([label2id[lab] for lab, _ in batch], device=device)
                loss = model(**enc, labels=target).loss
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optim.step()
                sched.step()
                optim.zero_grad()
                bar.update(1)
                bar.set_postfix(loss=f"{loss.item():.3f}")
        bar.close()
        clf = cls(model, tokenizer)
        clf.temperature = clf._fit_temperature(held, label2id)
        clf.save(out)
        return clf

    def _logits(self, texts: Sequence[str]) -> Any:
        import torch

        with torch.no_grad():
            chunks = []
            for i in range(0, len(texts), 256):
                enc = self.tokenizer([_spaced(t) for t in texts[i:i + 256]], padding=True, truncation=True,
                                     max_length=MAX_LEN, return_tensors="pt").to(self.model.device)
                chunks.append(self.model(**enc).logits.float().cpu())
            return torch.cat(chunks)

    def _fit_temperature(self, held: Sequence[tuple[str, str]], label2id: dict[str, int]) -> float:
        import torch

        self.model.eval()
        logits = self._logits([t for _, t in held])
        target = torch.tensor([label2id[lab] for lab, _ in held])
        best, best_t = float("inf"), 1.0
        # Held-back rows resemble training rows, so they can argue only for softening (t >= 1).
        for t in [1.0 + 0.1 * i for i in range(41)]:
            nll = torch.nn.functional.cross_entropy(logits / t, target).item()
            if nll < best:
                best, best_t = nll, t
        return best_t

    # -- inference ---------------------------------------------------------------------------
    def classify_batch(self, texts: list[str]) -> list[IntentResult]:
        import torch

        if not texts:
            return []
        probs = torch.softmax(self._logits(texts) / self.temperature, dim=-1)
        out = []
        for row in probs:
            best = int(row.argmax())
            out.append(IntentResult(self.labels[best], round(float(row[best]), 4), self.name,
                                    {lab: round(float(p), 4) for lab, p in zip(self.labels, row, strict=True)}))
        return out

    def classify(self, text: str) -> IntentResult:
        return self.classify_batch([text])[0]

    # -- persistence -------------------------------------------------------------------------
    def save(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(out)
        self.tokenizer.save_pretrained(out)
        (out / "calibration.json").write_text(json.dumps({"temperature": self.temperature}))

    @classmethod
    def load(cls, path: Path) -> TransformerIntentClassifier:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        if not (path / "config.json").exists():
            raise ClassifierError(f"no transformer intent model in {path}; run `make train-intent`")
        model = AutoModelForSequenceClassification.from_pretrained(path).to(_device())
        tokenizer = AutoTokenizer.from_pretrained(path)
        temperature = json.loads((path / "calibration.json").read_text())["temperature"] \
            if (path / "calibration.json").exists() else 1.0
        return cls(model, tokenizer, temperature)
