"""LLM engines: one streaming Protocol, several backends, chosen by settings and imported lazily.

    engine = make_engine("transformers", model_dir=Path(".run/models/tiny-llm"))
    await engine.warm_up()
    async for chunk in engine.generate("信用卡怎么提额？", GenerationParams(max_new_tokens=64),
                                       request_id="r-1", trace_headers={"traceparent": tp}):
        ...

Backends: ``transformers`` (local checkpoint, CPU or CUDA), ``openai`` (any OpenAI-compatible
server: vLLM, TensorRT-LLM's ``trtllm-serve``, ``engines.llm.serve``), ``tensorrt_llm`` (the
TensorRT-LLM LLM API in-process, NVIDIA GPUs only). ``FallbackEngine`` (``engines.llm.fallback``)
wraps any of them with deadlines and a grounded template answer.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from contracts.errors import PipelineError

ENGINE_KINDS = ("transformers", "tensorrt_llm", "openai")


class LLMError(PipelineError):
    """An engine cannot be loaded or reached, or a generation failed."""


@dataclass(frozen=True)
class GenerationParams:
    max_new_tokens: int = 256
    temperature: float = 0.0      # 0 means greedy decoding
    top_p: float = 1.0
    stop: tuple[str, ...] = ()    # the text ends before the first stop string; it is not included
    seed: int | None = None       # fixes sampling; ignored when greedy

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be at least 1, not {self.max_new_tokens}")
        if self.temperature < 0 or not 0 < self.top_p <= 1:
            raise ValueError(f"want temperature >= 0, 0 < top_p <= 1, got {self.temperature}/{self.top_p}")
        if isinstance(self.stop, str):  # a bare string would be read as a tuple of characters
            raise TypeError("stop must be a tuple of strings")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0


class LLMEngine(Protocol):
    name: str

    def generate(self, prompt: str, params: GenerationParams, *, request_id: str,
                 trace_headers: Mapping[str, str] | None = None) -> AsyncIterator[str]:
        """Text chunks as they are produced. ``request_id`` must be unique among running requests;
        ``trace_headers`` (W3C ``traceparent``/``tracestate``) go wherever the backend can carry them."""
        ...

    async def abort(self, request_id: str) -> bool:
        """Stop a running request; its stream ends early. False when no such request is running."""
        ...

    async def check_health(self) -> bool: ...

    async def warm_up(self) -> None:
        """Load weights, open connections and run one tiny generation, so the first customer does not wait."""
        ...


async def complete(engine: LLMEngine, prompt: str, params: GenerationParams, *, request_id: str,
                   trace_headers: Mapping[str, str] | None = None) -> str:
    """The whole text of one generation (the non-streaming call)."""
    return "".join([chunk async for chunk in engine.generate(prompt, params, request_id=request_id,
                                                             trace_headers=trace_headers)])


def make_engine(kind: str, **opts: Any) -> LLMEngine:
    """The engine for ``kind``; ``opts`` go to its constructor (see each backend's docstring)."""
    if kind == "transformers":
        from engines.llm.hf import TransformersEngine

        return TransformersEngine(**opts)
    if kind == "openai":
        from engines.llm.openai_compat import OpenAIEngine

        return OpenAIEngine(**opts)
    if kind == "tensorrt_llm":
        from engines.llm.trtllm import TensorRTLLMEngine

        return TensorRTLLMEngine(**opts)
    raise LLMError(f"unknown LLM engine {kind!r}; choose from {', '.join(ENGINE_KINDS)}")
