"""Generation: time to first token (TTFT), inter-token latency and tokens/s for every available
LLM backend, side by side with the grounded composer, in one process and one run.

    python -m benchmarks.generation [--model DIR] [--prompt-tokens 128] [--new-tokens 64] [--runs 10]

Without --model the tiny character-level model is built (or reused) under .run/models/tiny-llm:
its figures measure the engine layer (streaming, HTTP, abort), not a production model. Backends:
transformers in-process (CPU, and CUDA when torch sees a GPU), openai against engines.llm.serve on
a free local port (the same model behind HTTP + SSE), tensorrt_llm when the package and a GPU are
present. TensorRT-LLM's published LLaMA-7B TTFT (128-token prompt) is printed for reference on GPU
runs: 7 ms on H100 FP8, 16 ms on A100 FP16.
"""
from __future__ import annotations

import asyncio
import statistics
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import typer

from streams.settings import get_settings

cli = typer.Typer(add_completion=False, help=__doc__)
PUBLISHED_TTFT_MS = {"H100 FP8 (TensorRT-LLM, LLaMA-7B)": 7, "A100 FP16 (TensorRT-LLM, LLaMA-7B)": 16}


def tiny_model() -> Path:
    from engines.llm.tiny import build

    out = get_settings().run_dir / "models" / "tiny-llm"
    if not (out / "config.json").exists():
        build(out)
    return out


def prompt_of(tokens: int) -> str:
    """A Chinese customer question padded to about ``tokens`` characters (one token each for the tiny model)."""
    base = "我想贷款装修，三十万，分三年，等额本息每月还多少？另外信用卡年费怎么收，理财产品有没有风险？"
    return (base * (tokens // len(base) + 1))[:tokens]


async def measure(engine: Any, prompt: str, new_tokens: int, runs: int) -> dict[str, float]:
    from engines.llm import GenerationParams

    params = GenerationParams(max_new_tokens=new_tokens)
    await engine.warm_up()
    ttft, itl, rates = [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        stamps = []
        async for chunk in engine.generate(prompt, params, request_id=uuid.uuid4().hex, trace_headers={}):
            if chunk:
                stamps.append(time.perf_counter())
        if not stamps:
            continue
        ttft.append((stamps[0] - started) * 1000)
        itl.extend((b - a) * 1000 for a, b in zip(stamps, stamps[1:], strict=False))
        rates.append(len(stamps) / (stamps[-1] - started))
    return {"ttft_p50": statistics.median(ttft), "ttft_p99": max(ttft), "itl_p50": statistics.median(itl or [0]),
            "chunks_per_s": statistics.median(rates)}


def serve_in_thread(model: Path) -> tuple[str, Any]:
    import uvicorn

    from engines.llm.hf import TransformersEngine
    from engines.llm.serve import create_app
    from infra.services import free_port

    engine = TransformersEngine(model, device="cpu", threads=1)
    app = create_app(engine, model.name, chat_prompt=engine.chat_prompt, count_tokens=engine.count_tokens)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}/v1", server


def grounded_ms(runs: int) -> float:
    from agents.generation.logic import compose
    from tests.samples import SAMPLES

    context = {**SAMPLES["Context"], "intent": "repayment_calc", "text": "贷30万，年化4.8%，分3年，每月还多少",
               "slots": {"amount": "300000", "annual_rate": "4.8", "term_months": "36"}, "facts": []}
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        compose(context)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


@cli.command()
def main(model: Path | None = typer.Option(None, help="Local causal-LM directory (default: the tiny model)"),
         prompt_tokens: int = typer.Option(128, help="Prompt length in characters"),
         new_tokens: int = typer.Option(64, help="Tokens to generate per run"),
         runs: int = typer.Option(10, help="Measured runs per backend (after one warm-up)")) -> None:
    """Print TTFT / inter-token latency / chunks per second per backend."""
    import torch

    from engines.llm import make_engine

    model = model or tiny_model()
    prompt = prompt_of(prompt_tokens)
    backends: list[tuple[str, Any]] = [("transformers cpu", make_engine("transformers", model_dir=model, device="cpu",
                                                                          threads=1))]
    if torch.cuda.is_available():
        backends.append(("transformers cuda", make_engine("transformers", model_dir=model, device="cuda")))
    base_url, server = serve_in_thread(model)
    backends.append(("openai (engines.llm.serve, SSE)", make_engine("openai", base_url=base_url, model=model.name)))
    try:
        import tensorrt_llm  # noqa: F401

        if torch.cuda.is_available():
            backends.append(("tensorrt_llm", make_engine("tensorrt_llm", model=str(model))))
    except ImportError:
        typer.echo("tensorrt_llm: not installed here (NVIDIA GPU nodes only); skipped")
    rows = []
    for label, engine in backends:
        with typer.progressbar(length=1, label=f"measure {label}") as bar:
            rows.append((label, asyncio.run(measure(engine, prompt, new_tokens, runs))))
            bar.update(1)
    server.should_exit = True
    reference = rows[0][1]
    typer.echo(f"\nmodel: {model} · prompt {prompt_tokens} chars · {new_tokens} new tokens · {runs} runs\n")
    typer.echo("| backend | TTFT p50 ms | TTFT max ms | inter-token p50 ms | chunks/s | TTFT vs transformers cpu |")
    typer.echo("|---|---|---|---|---|---|")
    for label, r in rows:
        typer.echo(f"| {label} | {r['ttft_p50']:.1f} | {r['ttft_p99']:.1f} | {r['itl_p50']:.2f} | "
                   f"{r['chunks_per_s']:.0f} | {r['ttft_p50'] / reference['ttft_p50']:.2f}x |")
    typer.echo(f"| grounded composer, no LLM (whole reply, flows without Neo4j round trips) | "
               f"{grounded_ms(runs * 10):.2f} | | | | |")
    if torch.cuda.is_available():
        for name, ms in PUBLISHED_TTFT_MS.items():
            typer.echo(f"| published reference, not comparable unless --model is a 7B model: {name} | {ms} | | | | |")


if __name__ == "__main__":
    cli()
