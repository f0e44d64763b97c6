"""Transformers backend: any local causal-LM directory on torch, CPU or CUDA, streamed token by token.

``model.generate`` runs in a worker thread and hands text to the event loop through transformers'
``AsyncTextIteratorStreamer`` (the asyncio form of ``TextIteratorStreamer``). Abort sets a flag that a
``StoppingCriteria`` reads before every next token. One generation runs at a time per engine:
``generate`` does not batch across requests, and a sampling seed is process-wide torch state that must
not leak between requests. For concurrent serving on a GPU use TensorRT-LLM or an OpenAI-compatible
server (vLLM, ``trtllm-serve``) through the ``openai`` backend.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engines.llm import GenerationParams, LLMError
from engines.llm.stops import StopScanner

log = logging.getLogger(__name__)


def pick_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise LLMError(f"device {device!r} asked for, but torch sees no CUDA device")
    return device


@dataclass
class _Running:
    cancelled: threading.Event = field(default_factory=threading.Event)
    streamer: Any = None


class TransformersEngine:
    """``AutoModelForCausalLM`` + ``AutoTokenizer`` from ``model_dir``, loaded by ``warm_up`` or first use.

    Args:
        model_dir: a directory ``save_pretrained`` wrote (``engines.llm.tiny`` builds one offline).
        device: ``auto`` (CUDA when torch sees it), ``cpu``, ``cuda`` or ``cuda:N``.
        dtype: passed to ``from_pretrained``; ``auto`` keeps the checkpoint's.
        threads: torch intra-op threads, set process-wide on load; None keeps torch's default. A small
            model on a shared CPU runs many times faster on 1 than on all cores, which spin and contend.
    """

    name = "transformers"

    def __init__(self, model_dir: Path | str, *, device: str = "auto", dtype: str = "auto",
                 threads: int | None = None) -> None:
        # Import transformers here, on the constructing thread: its lazy module is not safe to import
        # from a worker thread (load) and the event loop (streamer) at once — that race raised
        # "cannot import name 'AsyncTextIteratorStreamer'" in a pipeline worker.
        import transformers  # noqa: F401
        from transformers import AsyncTextIteratorStreamer, AutoModelForCausalLM, AutoTokenizer  # noqa: F401

        self.model_dir = Path(model_dir)
        self.device = pick_device(device)
        self.dtype = dtype
        self.threads = threads
        self.model: Any = None
        self.tokenizer: Any = None
        self._pad_id: int | None = None
        self.cancelled = 0  # generations a flag stopped before max_new_tokens (a metric)
        self._running: dict[str, _Running] = {}  # by request id, while its consumer reads
        self._workers = 0                         # generate() calls still running in worker threads
        self._registry = threading.Lock()         # both are touched by the loop and by workers
        self._load_lock = threading.Lock()
        self._generate_lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------------
    def _load(self) -> None:
        with self._load_lock:
            if self.model is not None:
                return
            if not (self.model_dir / "config.json").exists():
                raise LLMError(f"{self.model_dir} is not a transformers checkpoint (no config.json)")
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            if self.threads:
                torch.set_num_threads(self.threads)
            try:
                tokenizer = AutoTokenizer.from_pretrained(self.model_dir)
                # "auto" is the default: passing nothing keeps older transformers (torch_dtype) working.
                options = {} if self.dtype == "auto" else {"dtype": self.dtype}
                model = AutoModelForCausalLM.from_pretrained(self.model_dir, **options)
            except (OSError, ValueError) as exc:
                raise LLMError(f"cannot load {self.model_dir}: {exc}") from exc
            self.tokenizer, self.model = tokenizer, model.to(self.device).eval()
            pad = tokenizer.pad_token_id
            self._pad_id = pad if pad is not None else tokenizer.eos_token_id

    async def warm_up(self) -> None:
        await asyncio.to_thread(self._load)
        async for _ in self.generate("您好", GenerationParams(max_new_tokens=1), request_id="warm-up"):
            pass

    async def check_health(self) -> bool:
        return self.model is not None

    @property
    def active_requests(self) -> int:
        """Generations whose worker is still running (an aborted one leaves within one token)."""
        with self._registry:
            return self._workers

    def count_tokens(self, text: str) -> int:
        self._load()
        return len(self.tokenizer(text, add_special_tokens=False).input_ids)

    def chat_prompt(self, messages: list[dict[str, str]]) -> str:
        """The prompt for chat ``messages``: the tokenizer's chat template, or the contents one per line."""
        self._load()
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return "\n".join(m["content"] for m in messages)

    # -- generation ----------------------------------------------------------------------------
    async def generate(self, prompt: str, params: GenerationParams, *, request_id: str,
                       trace_headers: Mapping[str, str] | None = None) -> AsyncIterator[str]:
        # trace_headers: nothing to carry them to in-process; the caller's span covers this call.
        from transformers import AsyncTextIteratorStreamer

        if self.model is None:
            await asyncio.to_thread(self._load)
        running = _Running(streamer=AsyncTextIteratorStreamer(self.tokenizer, skip_prompt=True,
                                                               skip_special_tokens=True))
        with self._registry:
            if request_id in self._running:
                raise LLMError(f"request {request_id!r} is already running")
            self._running[request_id] = running
            self._workers += 1
        failure: list[Exception] = []
        worker = threading.Thread(target=self._work, args=(request_id, prompt, params, running, failure),
                                  name=f"llm-{request_id}", daemon=True)
        worker.start()
        stops = StopScanner(params.stop)
        try:
            async for text in running.streamer:
                if running.cancelled.is_set():
                    return
                if out := stops.feed(text):
                    yield out
                if stops.stopped:
                    return
            if failure:
                raise LLMError(f"generation {request_id} failed: {failure[0]}") from failure[0]
            if not running.cancelled.is_set() and (tail := stops.flush()):
                yield tail
        finally:
            running.cancelled.set()  # a consumer that left early (stop string, abort, close) frees the worker
            with self._registry:
                self._running.pop(request_id, None)

    def _work(self, request_id: str, prompt: str, params: GenerationParams, running: _Running,
              failure: list[Exception]) -> None:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList

        class Cancelled(StoppingCriteria):
            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
                return torch.full((input_ids.shape[0],), running.cancelled.is_set(), dtype=torch.bool,
                                  device=input_ids.device)

        try:
            with self._generate_lock:
                if running.cancelled.is_set():  # aborted while queued behind another request
                    running.streamer.end()
                    return
                inputs = self.tokenizer(prompt, return_tensors="pt")
                if inputs["input_ids"].shape[1] == 0:  # an empty prompt starts from <s>, as OpenAI servers do
                    if self.tokenizer.bos_token_id is None:
                        raise LLMError("an empty prompt, and the tokenizer has no <s> to start from")
                    inputs = {"input_ids": torch.tensor([[self.tokenizer.bos_token_id]]),
                              "attention_mask": torch.ones(1, 1, dtype=torch.long)}
                inputs = {k: v.to(self.device) for k, v in inputs.items()}
                sampling: dict[str, Any] = {"do_sample": False}
                if not params.greedy:
                    sampling = {"do_sample": True, "temperature": params.temperature, "top_p": params.top_p}
                    if params.seed is not None:
                        torch.manual_seed(params.seed)
                with torch.inference_mode():
                    out = self.model.generate(**inputs, **sampling, max_new_tokens=params.max_new_tokens,
                                              streamer=running.streamer,
                                              stopping_criteria=StoppingCriteriaList([Cancelled()]),
                                              pad_token_id=self._pad_id)
                produced = out.shape[1] - inputs["input_ids"].shape[1]
                if running.cancelled.is_set() and produced < params.max_new_tokens:
                    self.cancelled += 1
        except Exception as exc:  # handed to the consumer, which raises it
            failure.append(exc)
            log.warning("generation %s failed: %s", request_id, exc)
            try:
                running.streamer.end()  # wake the consumer; its loop may already be gone
            except RuntimeError:
                pass
        finally:
            with self._registry:
                self._workers -= 1

    async def abort(self, request_id: str) -> bool:
        with self._registry:
            running = self._running.get(request_id)
        if running is None:
            return False
        running.cancelled.set()
        # Wake the consumer now, even if the worker is still queued behind another request.
        running.streamer.on_finalized_text("", stream_end=True)
        return True
