"""A tiny Chinese causal LM built from the project's own text, for tests and offline demos.

    python -m engines.llm.tiny build --out .run/models/tiny-llm [--steps 200]

The tokenizer is one token per character of the FAQ and intent corpus (plus ``<pad> <unk> <s> </s>``),
so every generated token is a whole Chinese character; the model is a two-layer Llama trained
briefly on CPU on the FAQ's question+answer pairs. It says nothing true: it exists so the engine
layer can be exercised end to end with no download and no GPU. Seeded, so a build is reproducible.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer

# Inputs, relative to the working directory (the repo root, where every make target runs).
FAQ = Path("data/knowledge/faq.jsonl")
INTENTS = Path("data/intents/train.tsv")
SPECIAL = ["<pad>", "<unk>", "<s>", "</s>"]
BLOCK = 128  # training window; generation may run past it up to max_position_embeddings

cli = typer.Typer(add_completion=False, help=__doc__)


def faq_documents(path: Path = FAQ) -> list[str]:
    """Question and answer of each FAQ entry, one training document each."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row["question"] + row["answer"] for row in rows]


def intent_texts(path: Path = INTENTS) -> list[str]:
    return [line.partition("\t")[2] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def build_tokenizer(texts: list[str]) -> Any:
    """A ``PreTrainedTokenizerFast`` with one WordLevel token per character of ``texts``."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    chars = sorted({ch for text in texts for ch in text} | {" ", "\n"})
    vocab = {token: i for i, token in enumerate(SPECIAL + chars)}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    core.decoder = decoders.Fuse()  # characters join with no separator, as Chinese is written
    return PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<s>", eos_token="</s>",
                                   pad_token="<pad>", unk_token="<unk>", clean_up_tokenization_spaces=False)


def build(out: Path, *, steps: int = 200, seed: int = 7, batch_size: int = 16, lr: float = 8e-3,
          progress: bool = True) -> Path:
    """Build the tokenizer and train the model into ``out``; returns ``out``."""
    import torch
    from tqdm import tqdm
    from transformers import LlamaConfig, LlamaForCausalLM

    started = time.monotonic()
    torch.manual_seed(seed)
    documents = faq_documents()
    tokenizer = build_tokenizer(documents + intent_texts())
    # Heads of 64 dimensions: a size every GPU attention kernel (TensorRT-LLM's too) accepts.
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=128, intermediate_size=256,
                         num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2,
                         max_position_embeddings=512,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True)
    model = LlamaForCausalLM(config)
    # One stream of documents, each ending in a newline, cut into windows: no padding, every position
    # trains. No <s> or </s> in it, so the model never writes a special token: it writes on until
    # max_new_tokens or a stop string ("\n" ends one answer), one character per token, and tests
    # control the length of a generation exactly.
    stream = tokenizer("".join(doc + "\n" for doc in documents)).input_ids
    ids = torch.tensor(stream)
    windows = ids[: len(ids) // BLOCK * BLOCK].view(-1, BLOCK)
    order = torch.Generator().manual_seed(seed)
    optim = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(optim, max_lr=lr, total_steps=steps, pct_start=0.1)
    model.train()
    losses: list[float] = []
    threads = torch.get_num_threads()
    # A model this small gains nothing from intra-op threads and loses a lot when cores are shared.
    torch.set_num_threads(1)
    try:
        bar = tqdm(range(steps), desc="train tiny LM", unit="step", disable=not progress)
        for _ in bar:
            batch = windows[torch.randint(len(windows), (batch_size,), generator=order)]
            loss = model(input_ids=batch, labels=batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optim.step()
            sched.step()
            optim.zero_grad()
            losses.append(loss.item())
            bar.set_postfix(loss=f"{loss.item():.3f}")
    finally:
        torch.set_num_threads(threads)
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    meta = {"steps": steps, "seed": seed, "vocab": len(tokenizer), "first_loss": round(losses[0], 4),
            "final_loss": round(sum(losses[-20:]) / len(losses[-20:]), 4),
            "seconds": round(time.monotonic() - started, 1)}
    (out / "tiny.json").write_text(json.dumps(meta, indent=1))
    return out


@cli.callback()
def main() -> None:
    """Build the tiny demo LM."""


@cli.command("build")
def build_command(
    out: Path = typer.Option(..., help="Directory to write the model and tokenizer to"),
    steps: int = typer.Option(200, help="Training steps (batch 16, window 128)"),
    seed: int = typer.Option(7, help="Seed for weights and batch order"),
) -> None:
    """Build the character tokenizer and train the tiny model on the FAQ into OUT."""
    build(out, steps=steps, seed=seed)
    meta = json.loads((out / "tiny.json").read_text())
    typer.echo(f"tiny LM: loss {meta['first_loss']} -> {meta['final_loss']} in {meta['seconds']}s -> {out}")


if __name__ == "__main__":
    cli()
