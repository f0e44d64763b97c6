"""LLM engines: one contract suite over every backend, the fallback chain, the tiny model, the local server.

The tiny model is built once per session from the project's own text (no download). The ``openai``
backend talks to ``engines.llm.serve`` started in a thread on a free 127.0.0.1 port; ``tensorrt_llm``
runs only where the package and a CUDA device are present.
"""
from __future__ import annotations

import asyncio
import importlib.util
import os
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import torch

from engines.llm import GenerationParams, LLMEngine, LLMError, complete, make_engine
from engines.llm.fallback import FallbackEngine, FallbackText
from engines.llm.hf import TransformersEngine
from engines.llm.openai_compat import OpenAIEngine
from engines.llm.serve import create_app
from engines.llm.stops import StopScanner
from engines.llm.tiny import build

REPO = Path(__file__).resolve().parents[4]
PROMPT = "理财产品风险等级"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
API_KEY = "test-key"
MODEL_NAME = "tiny"


# -- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    # The tiny model runs 10-30x faster on one thread than on two contended ones (shared CI cores).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("tiny-llm"), steps=150, progress=False)


@pytest.fixture(scope="module")
def hf(tiny_model) -> TransformersEngine:
    """A loaded engine whose model gives the plain ``model.generate`` reference texts."""
    engine = TransformersEngine(tiny_model, device="cpu")
    engine._load()
    return engine


def greedy_reference(hf: TransformersEngine, prompt: str, max_new_tokens: int) -> str:
    inputs = hf.tokenizer(prompt, return_tensors="pt")
    with torch.inference_mode():
        out = hf.model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False,
                                pad_token_id=hf.tokenizer.pad_token_id)
    return hf.tokenizer.decode(out[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)


@dataclass
class Served:
    url: str
    app: Any
    engine: TransformersEngine


@pytest.fixture(scope="module")
def server(tiny_model):
    import uvicorn

    engine = TransformersEngine(tiny_model, device="cpu")
    app = create_app(engine, MODEL_NAME, api_key=API_KEY, chat_prompt=engine.chat_prompt,
                     count_tokens=engine.count_tokens)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=srv.run, name="llm-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the local OpenAI-compatible server did not start")
        time.sleep(0.05)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield Served(f"http://127.0.0.1:{port}/v1", app, engine)
    srv.should_exit = True
    thread.join(timeout=15)
    assert not thread.is_alive(), "server thread survived shutdown"


@dataclass
class Backend:
    kind: str
    make: Callable[[], LLMEngine]                               # called inside the test's event loop
    reference: Callable[[LLMEngine, str, int], Awaitable[str]]   # the greedy text, not streamed
    work_cancelled: Callable[[LLMEngine], int] | None = None     # generations abort stopped where they ran

    def drive(self, body: Callable[[LLMEngine], Awaitable[Any]]) -> Any:
        async def main() -> Any:
            engine = self.make()
            try:
                return await body(engine)
            finally:
                if isinstance(engine, OpenAIEngine):  # its HTTP client belongs to this event loop
                    await engine.aclose()
        return asyncio.run(main())


@pytest.fixture(scope="module")
def trt_engine(tiny_model):
    """One TensorRT-LLM engine per module (loading one takes long); LLM_TEST_TRT_MODEL may name a real
    checkpoint directory in case its kernels refuse the tiny model."""
    if importlib.util.find_spec("tensorrt_llm") is None:
        pytest.skip("tensorrt_llm is not installed (NVIDIA wheels, CUDA Linux only)")
    if not torch.cuda.is_available():
        pytest.skip("tensorrt_llm needs a CUDA device")
    engine = make_engine("tensorrt_llm", model=os.environ.get("LLM_TEST_TRT_MODEL", str(tiny_model)))
    engine._load()
    yield engine
    asyncio.run(engine.aclose())


@pytest.fixture(params=["transformers", "openai-completions", "openai-chat", "tensorrt_llm"])
def backend(request, tiny_model, hf) -> Backend:
    async def hf_reference(engine: LLMEngine, prompt: str, n: int) -> str:
        return greedy_reference(hf, prompt, n)

    if request.param == "transformers":
        return Backend("transformers", lambda: TransformersEngine(tiny_model, device="cpu"), hf_reference,
                       lambda engine: engine.cancelled)
    if request.param.startswith("openai"):
        served = request.getfixturevalue("server")
        api = request.param.split("-")[1]
        return Backend(request.param, lambda: OpenAIEngine(served.url, MODEL_NAME, api=api, api_key=API_KEY),
                       hf_reference, lambda engine: served.engine.cancelled)
    trt = request.getfixturevalue("trt_engine")

    async def trt_reference(engine: LLMEngine, prompt: str, n: int) -> str:
        sampling = engine.sampling_params(GenerationParams(max_new_tokens=n))
        result = await engine.llm.generate_async(prompt, sampling_params=sampling, streaming=False)
        return result.outputs[0].text

    return Backend("tensorrt_llm", lambda: trt, trt_reference)


async def collect(engine: LLMEngine, prompt: str, params: GenerationParams, request_id: str = "r-1",
                  trace: dict[str, str] | None = None) -> list[str]:
    return [c async for c in engine.generate(prompt, params, request_id=request_id, trace_headers=trace)]


# -- the contract, on every backend ---------------------------------------------------------------
def test_warm_up_then_healthy(backend):
    async def body(engine):
        await engine.warm_up()
        return await engine.check_health()

    assert backend.drive(body) is True


def test_streams_chunks_that_join_to_the_greedy_text(backend):
    async def body(engine):
        chunks = await collect(engine, PROMPT, GenerationParams(max_new_tokens=24))
        return chunks, await backend.reference(engine, PROMPT, 24)

    chunks, reference = backend.drive(body)
    assert len(chunks) >= 2 and all(isinstance(c, str) and c for c in chunks)
    assert "".join(chunks) == reference
    assert len(reference) >= 12  # the tiny model writes on; a near-empty text would prove nothing


def test_abort_stops_a_long_generation_early(backend):
    n = 400

    async def body(engine):
        before = backend.work_cancelled(engine) if backend.work_cancelled else 0
        chunks, aborted = [], None
        async for chunk in engine.generate(PROMPT, GenerationParams(max_new_tokens=n), request_id="long"):
            chunks.append(chunk)
            if len(chunks) == 3:
                aborted = await engine.abort("long")
        again = await engine.abort("long")
        stopped = False
        for _ in range(250):  # the work itself stops too, not just the stream
            if backend.work_cancelled is None or backend.work_cancelled(engine) > before:
                stopped = True
                break
            await asyncio.sleep(0.02)
        return chunks, aborted, again, stopped, await backend.reference(engine, PROMPT, n)

    chunks, aborted, again, stopped, full = backend.drive(body)
    assert aborted is True and again is False
    assert 3 <= len(chunks) < n // 4
    text = "".join(chunks)
    assert len(text) < len(full) // 4 and full.startswith(text)
    assert stopped, "the generation kept running after abort"


def test_stop_string_ends_the_text_before_it(backend):
    async def body(engine):
        full = await backend.reference(engine, PROMPT, 40)
        stop = full[10:12]
        params = GenerationParams(max_new_tokens=40, stop=(stop,))
        text = await complete(engine, PROMPT, params, request_id="s")
        return full, stop, text

    full, stop, text = backend.drive(body)
    assert text == full[:full.index(stop)]


def test_a_seed_fixes_sampling(backend):
    def params(seed):
        return GenerationParams(max_new_tokens=32, temperature=1.0, seed=seed)

    async def body(engine):
        return [await complete(engine, PROMPT, params(seed), request_id=f"seed-{i}")
                for i, seed in enumerate((11, 11, 12))]

    first, again, other = backend.drive(body)
    assert first == again
    assert first != other


# -- the OpenAI-compatible path -------------------------------------------------------------------
@pytest.mark.parametrize("api", ["completions", "chat"])
def test_trace_headers_reach_the_server(server, api):
    server.app.state.last_traceparent = None

    async def body():
        engine = OpenAIEngine(server.url, MODEL_NAME, api=api, api_key=API_KEY)
        try:
            return await collect(engine, PROMPT, GenerationParams(max_new_tokens=4),
                                 trace={"traceparent": TRACEPARENT})
        finally:
            await engine.aclose()

    assert asyncio.run(body())
    assert server.app.state.last_traceparent == TRACEPARENT


def test_openai_abort_before_the_first_chunk_ends_the_stream(server):
    async def body():
        engine = OpenAIEngine(server.url, MODEL_NAME, api_key=API_KEY)
        stream = engine.generate(PROMPT, GenerationParams(max_new_tokens=300), request_id="early")
        try:
            first = asyncio.ensure_future(anext(stream, None))
            await asyncio.sleep(0)  # the request is registered, its reader not yet run
            assert await engine.abort("early")
            return await asyncio.wait_for(first, timeout=5)
        finally:
            await stream.aclose()
            await engine.aclose()

    assert asyncio.run(body()) is None


def test_server_needs_the_api_key(server):
    async def body():
        engine = OpenAIEngine(server.url, MODEL_NAME)
        try:
            healthy = await engine.check_health()
            with pytest.raises(LLMError, match="401"):
                await collect(engine, PROMPT, GenerationParams(max_new_tokens=4))
            return healthy
        finally:
            await engine.aclose()

    assert asyncio.run(body()) is False


def test_server_non_streaming_answers_match_the_stream(server, hf):
    headers = {"Authorization": f"Bearer {API_KEY}"}
    body = {"model": MODEL_NAME, "prompt": PROMPT, "max_tokens": 20, "temperature": 0}
    done = httpx.post(f"{server.url}/completions", json=body, headers=headers, timeout=30).json()
    assert done["choices"][0]["text"] == greedy_reference(hf, PROMPT, 20)
    assert done["choices"][0]["finish_reason"] == "length" and done["usage"]["completion_tokens"] == 20
    messages = [{"role": "user", "content": PROMPT}]
    chat = httpx.post(f"{server.url}/chat/completions", headers=headers, timeout=30, json={
        "model": MODEL_NAME, "messages": messages, "max_tokens": 20, "temperature": 0}).json()
    assert chat["choices"][0]["message"] == {"role": "assistant", "content": done["choices"][0]["text"]}
    wrong = httpx.post(f"{server.url}/completions", json={**body, "model": "gpt-4"}, headers=headers,
                       timeout=30)
    assert wrong.status_code == 404 and "not served" in wrong.json()["error"]["message"]


def test_server_streams_openai_events(server):
    lines = []
    body = {"messages": [{"role": "user", "content": PROMPT}], "max_tokens": 8, "stream": True,
            "temperature": 0}
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with httpx.stream("POST", f"{server.url}/chat/completions", headers=headers, json=body,
                      timeout=30) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert all(line.startswith("data: ") for line in lines) and lines[-1] == "data: [DONE]"
    assert '"role": "assistant"' in lines[0] and '"finish_reason": "length"' in lines[-2]


# -- the fallback chain ---------------------------------------------------------------------------
class ScriptedEngine:
    """A primary that waits, streams what it is given, then fails if told to; records aborts."""

    name = "scripted"

    def __init__(self, wait_s: float = 0.0, chunks: tuple[str, ...] = (), then_wait_s: float = 0.0,
                 error: Exception | None = None) -> None:
        self.wait_s, self.chunks, self.then_wait_s, self.error = wait_s, chunks, then_wait_s, error
        self.aborted: list[str] = []

    async def generate(self, prompt, params, *, request_id, trace_headers=None):
        await asyncio.sleep(self.wait_s)
        for chunk in self.chunks:
            yield chunk
        await asyncio.sleep(self.then_wait_s)
        if self.error:
            raise self.error

    async def abort(self, request_id):
        self.aborted.append(request_id)
        return True

    async def check_health(self):
        return False

    async def warm_up(self):
        raise LLMError("no GPU today")


TEMPLATE = "您好，贷款申请一般需提供本人有效身份证件和收入证明，具体以产品页面为准。"


def run_chain(chain: FallbackEngine, request_id: str = "f-1") -> tuple[list[str], float]:
    async def body():
        started = time.monotonic()
        chunks = await collect(chain, "贷款要什么材料", GenerationParams(max_new_tokens=16), request_id)
        return chunks, time.monotonic() - started

    return asyncio.run(body())


def test_a_primary_past_the_first_chunk_deadline_gets_the_fallback_and_an_abort():
    primary = ScriptedEngine(wait_s=30, chunks=("太慢了",))
    chain = FallbackEngine(primary, lambda prompt: TEMPLATE, first_chunk_s=0.2, total_s=5)
    chunks, took = run_chain(chain)
    assert chunks == [TEMPLATE] and isinstance(chunks[0], FallbackText)
    assert chunks[0].reason == "first_chunk_deadline" and chunks[0].replaces == ""
    assert chain.fallbacks == {"first_chunk_deadline": 1}
    assert primary.aborted == ["f-1"] and took < 5


def test_a_failing_primary_gets_the_fallback():
    primary = ScriptedEngine(error=LLMError("CUDA out of memory"))
    chain = FallbackEngine(primary, lambda prompt: f"模板:{prompt}")
    chunks, _ = run_chain(chain)
    assert chunks == ["模板:贷款要什么材料"] and chunks[0].reason == "error"
    assert chain.fallbacks["error"] == 1 and primary.aborted == ["f-1"]


def test_a_primary_past_the_total_deadline_is_replaced_mid_stream():
    primary = ScriptedEngine(chunks=("您好，", "贷款"), then_wait_s=30)
    chain = FallbackEngine(primary, lambda prompt: TEMPLATE, first_chunk_s=0.2, total_s=0.4)
    chunks, took = run_chain(chain)
    assert chunks[:2] == ["您好，", "贷款"] and chunks[2] == TEMPLATE
    assert chunks[2].reason == "total_deadline" and chunks[2].replaces == "您好，贷款"
    assert chain.fallbacks == {"total_deadline": 1} and primary.aborted == ["f-1"] and took < 5


def test_a_healthy_primary_passes_through_untouched(tiny_model, hf):
    chain = FallbackEngine(TransformersEngine(tiny_model, device="cpu"), lambda prompt: TEMPLATE,
                           first_chunk_s=30, total_s=60)
    chunks = asyncio.run(collect(chain, PROMPT, GenerationParams(max_new_tokens=16)))
    assert "".join(chunks) == greedy_reference(hf, PROMPT, 16)
    assert not any(isinstance(c, FallbackText) for c in chunks) and not chain.fallbacks


def test_a_deadline_stops_the_real_engine_too(tiny_model):
    engine = TransformersEngine(tiny_model, device="cpu")
    chain = FallbackEngine(engine, lambda prompt: TEMPLATE, first_chunk_s=0.05, total_s=0.05)

    async def body():
        await engine.warm_up()
        chunks = await collect(chain, PROMPT, GenerationParams(max_new_tokens=450))
        for _ in range(250):
            if engine.active_requests == 0:
                break
            await asyncio.sleep(0.02)
        return chunks

    chunks = asyncio.run(body())
    assert chunks[-1] == TEMPLATE and isinstance(chunks[-1], FallbackText)
    assert sum(chain.fallbacks.values()) == 1
    assert engine.active_requests == 0 and engine.cancelled == 1


def test_the_chain_warms_up_and_reports_health_despite_its_primary():
    chain = FallbackEngine(ScriptedEngine(), lambda prompt: TEMPLATE)
    asyncio.run(chain.warm_up())  # the primary raises; the chain must keep serving
    assert asyncio.run(chain.check_health()) is False


# -- parts ----------------------------------------------------------------------------------------
def test_tiny_model_learns_and_builds_reproducibly(tiny_model, tmp_path, hf):
    import json

    meta = json.loads((tiny_model / "tiny.json").read_text())
    assert meta["final_loss"] < meta["first_loss"] - 2
    ids = hf.tokenizer("申请贷款，需要3个材料").input_ids
    # One token per character, none unknown.
    assert len(ids) == len("申请贷款，需要3个材料") and hf.tokenizer.unk_token_id not in ids
    assert hf.tokenizer.decode(ids) == "申请贷款，需要3个材料"
    text = greedy_reference(hf, PROMPT, 32)
    assert len(text) == 32 and sum("\u4e00" <= ch <= "\u9fff" for ch in text) >= 16  # it writes Chinese
    a, b = build(tmp_path / "a", steps=3, progress=False), build(tmp_path / "b", steps=3, progress=False)
    assert (a / "model.safetensors").read_bytes() == (b / "model.safetensors").read_bytes()


def test_transformers_engine_loads_lazily_and_refuses_a_non_checkpoint(tiny_model, tmp_path):
    engine = TransformersEngine(tiny_model, device="cpu")
    assert asyncio.run(engine.check_health()) is False
    assert len(asyncio.run(complete(engine, "", GenerationParams(max_new_tokens=5), request_id="empty"))) == 5
    with pytest.raises(LLMError, match="config.json"):
        asyncio.run(complete(TransformersEngine(tmp_path, device="cpu"), PROMPT, GenerationParams(),
                             request_id="x"))


def test_transformers_engine_queues_requests_and_aborts_a_queued_one(tiny_model, hf):
    engine = TransformersEngine(tiny_model, device="cpu")

    async def body():
        await engine.warm_up()
        long = GenerationParams(max_new_tokens=300)
        first = asyncio.create_task(complete(engine, PROMPT, long, request_id="a"))
        queued = asyncio.create_task(complete(engine, PROMPT, long, request_id="b"))
        while engine.active_requests < 2:
            await asyncio.sleep(0.001)
        assert await engine.abort("b")
        # The queued request ends at once, without waiting for the running one.
        b = await asyncio.wait_for(queued, timeout=5)
        first_still_running = not first.done()
        return await first, b, first_still_running

    a, b, first_still_running = asyncio.run(body())
    assert b == "" and first_still_running
    assert a == greedy_reference(hf, PROMPT, 300)  # the running request was not disturbed


def test_stop_scanner_holds_back_only_a_possible_stop():
    scan = StopScanner(("额度", "。"))
    assert scan.feed("信用卡提") == "信用卡提"
    assert scan.feed("高额") == "高"  # "额" may begin "额度"
    assert scan.feed("外") == "额外"
    assert scan.feed("费用。其余") == "费用" and scan.stopped and scan.feed("更多") == ""
    tail = StopScanner(("额度",))
    assert tail.feed("提额") == "提" and tail.flush() == "额"


def test_generation_params_refuse_nonsense():
    with pytest.raises(ValueError):
        GenerationParams(max_new_tokens=0)
    with pytest.raises(ValueError):
        GenerationParams(top_p=0)
    with pytest.raises(TypeError):
        GenerationParams(stop="。")  # type: ignore[arg-type]
    assert GenerationParams().greedy and not GenerationParams(temperature=0.7).greedy


def test_make_engine_knows_its_kinds():
    assert isinstance(make_engine("openai", base_url="http://127.0.0.1:9/v1", model="m"), OpenAIEngine)
    with pytest.raises(LLMError, match="choose from"):
        make_engine("llama.cpp")


@pytest.mark.skipif(importlib.util.find_spec("tensorrt_llm") is not None, reason="tensorrt_llm is installed")
def test_tensorrt_llm_backend_imports_lazily_and_explains_itself():
    engine = make_engine("tensorrt_llm", model="/nonexistent")  # constructing needs no tensorrt_llm
    with pytest.raises(LLMError, match="tensorrt-llm"):
        asyncio.run(engine.warm_up())


@pytest.mark.parametrize("module,words", [("engines.llm.tiny", ["build"]),
                                          ("engines.llm.serve", ["--port", "--model"])])
def test_commands_have_help(module, words):
    done = subprocess.run([sys.executable, "-m", module, "--help"], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert all(word in done.stdout for word in words)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_transformers_engine_on_cuda(tiny_model, hf):
    engine = TransformersEngine(tiny_model)  # device="auto" must pick the GPU
    chunks = asyncio.run(collect(engine, PROMPT, GenerationParams(max_new_tokens=24)))
    assert engine.device == "cuda" and next(engine.model.parameters()).is_cuda
    assert len(chunks) >= 2
    # fp32 both sides: a tiny model's greedy path should not differ between CPU and GPU kernels.
    assert "".join(chunks) == greedy_reference(hf, PROMPT, 24)


def test_the_transformers_engine_keeps_the_llm_engine_contract(hf):
    from tests import contracts

    contracts.check_llm_engine(hf, GenerationParams(max_new_tokens=6))
