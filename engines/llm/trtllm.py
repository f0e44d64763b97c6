"""TensorRT-LLM backend: the LLM API in-process (``tensorrt_llm.LLM``), NVIDIA GPUs only.

``tensorrt_llm`` is imported inside the class, so importing ``engines.llm`` never needs it; it is
not a project dependency (it installs only on CUDA Linux hosts with NVIDIA's wheels). The LLM API
batches concurrent requests in flight by itself. To run it as a separate service instead, start
``trtllm-serve MODEL`` and use the ``openai`` backend.
"""
from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Mapping
from typing import Any

from engines.llm import GenerationParams, LLMError


class TensorRTLLMEngine:
    """``LLM(model=model, **llm_options)``: a Hugging Face checkpoint directory or a built engine.

    Args:
        model: what ``tensorrt_llm.LLM`` accepts as ``model``.
        llm_options: passed on to ``LLM`` (``tensor_parallel_size``, ``kv_cache_config``, ...).
    """

    name = "tensorrt_llm"

    def __init__(self, model: str, **llm_options: Any) -> None:
        self.model = str(model)
        self.llm_options = llm_options
        self.llm: Any = None
        self._running: dict[str, Any] = {}
        self._aborted: set[str] = set()

    def _load(self) -> None:
        if self.llm is not None:
            return
        try:
            from tensorrt_llm import LLM
        except ImportError as exc:
            raise LLMError("the tensorrt_llm backend needs NVIDIA's tensorrt-llm package and a CUDA GPU") \
                from exc
        self.llm = LLM(model=self.model, **self.llm_options)

    async def warm_up(self) -> None:
        await asyncio.to_thread(self._load)
        async for _ in self.generate("您好", GenerationParams(max_new_tokens=1), request_id="warm-up"):
            pass

    async def check_health(self) -> bool:
        return self.llm is not None

    async def aclose(self) -> None:
        """Stop the LLM's executor and free the GPU."""
        if self.llm is not None:
            llm, self.llm = self.llm, None
            await asyncio.to_thread(llm.shutdown)

    @staticmethod
    def sampling_params(params: GenerationParams) -> Any:
        from tensorrt_llm import SamplingParams

        options: dict[str, Any] = {"max_tokens": params.max_new_tokens, "stop": list(params.stop) or None}
        if params.greedy:
            options["top_k"] = 1  # greedy in every TensorRT-LLM version, unlike temperature=0
        else:
            options.update(temperature=params.temperature, top_p=params.top_p, seed=params.seed)
        return SamplingParams(**options)

    async def generate(self, prompt: str, params: GenerationParams, *, request_id: str,
                       trace_headers: Mapping[str, str] | None = None) -> AsyncIterator[str]:
        if self.llm is None:
            await asyncio.to_thread(self._load)
        if request_id in self._running:
            raise LLMError(f"request {request_id!r} is already running")
        extra: dict[str, Any] = {}
        # Newer releases carry trace headers into their own OpenTelemetry spans.
        if trace_headers and "trace_headers" in inspect.signature(self.llm.generate_async).parameters:
            extra["trace_headers"] = dict(trace_headers)
        result = self.llm.generate_async(prompt, sampling_params=self.sampling_params(params), streaming=True,
                                         **extra)
        self._running[request_id] = result
        try:
            async for output in result:
                if request_id in self._aborted:
                    return
                if diff := output.outputs[0].text_diff:
                    yield diff
        except Exception as exc:
            raise LLMError(f"generation {request_id} failed: {exc}") from exc
        finally:
            self._running.pop(request_id, None)
            self._aborted.discard(request_id)
            if not result.finished:
                result.abort()  # the consumer left early: free the slot in the in-flight batch

    async def abort(self, request_id: str) -> bool:
        result = self._running.get(request_id)
        if result is None or result.finished:
            return False
        self._aborted.add(request_id)
        result.abort()
        return True
