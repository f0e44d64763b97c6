"""OpenAI-compatible backend: any server speaking ``/v1/completions`` or ``/v1/chat/completions`` with SSE.

vLLM, TensorRT-LLM's ``trtllm-serve``, SGLang and ``engines.llm.serve`` all qualify. Trace headers
travel as HTTP headers, so the server's spans join the caller's trace. A reader task owns the HTTP
stream; abort cancels it, which closes the connection, and the server sees the disconnect.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx

from engines.llm import GenerationParams, LLMError

log = logging.getLogger(__name__)
_END = object()


class OpenAIEngine:
    """Streams from ``{base_url}/completions`` (``api="completions"``) or ``{base_url}/chat/completions``.

    Args:
        base_url: the server's API root, with its ``/v1``: ``http://127.0.0.1:8000/v1``.
        model: the model name the server lists under ``/v1/models``.
        api: ``completions`` sends ``prompt``; ``chat`` sends it as one user message.
        api_key: sent as ``Authorization: Bearer``; None sends no header.
        timeout_s: the longest wait for the next bytes of a response.
    """

    name = "openai"

    def __init__(self, base_url: str, model: str, *, api: str = "completions", api_key: str | None = None,
                 timeout_s: float = 30.0, connect_timeout_s: float = 5.0) -> None:
        if api not in ("completions", "chat"):
            raise LLMError(f"api must be 'completions' or 'chat', not {api!r}")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api = api
        self._api_key = api_key
        self._timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s)
        self._client: httpx.AsyncClient | None = None
        self._readers: dict[str, asyncio.Task[None]] = {}
        self._aborted: set[str] = set()

    @property
    def client(self) -> httpx.AsyncClient:
        # Made on first use, inside the event loop that will drive it.
        if self._client is None:
            headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
            self._client = httpx.AsyncClient(timeout=self._timeout, headers=headers)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- lifecycle -----------------------------------------------------------------------------
    async def check_health(self) -> bool:
        try:
            response = await self.client.get(f"{self.base_url}/models")
            listed = response.json().get("data", []) if response.status_code == 200 else []
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("LLM server %s unreachable or not OpenAI-compatible: %s", self.base_url, exc)
            return False
        return any(m.get("id") == self.model for m in listed)

    async def warm_up(self) -> None:
        if not await self.check_health():
            raise LLMError(f"{self.base_url} is not serving model {self.model!r}")
        async for _ in self.generate("您好", GenerationParams(max_new_tokens=1), request_id="warm-up"):
            pass

    # -- generation ----------------------------------------------------------------------------
    def _request(self, prompt: str, params: GenerationParams) -> tuple[str, dict[str, Any]]:
        body: dict[str, Any] = {"model": self.model, "stream": True, "max_tokens": params.max_new_tokens,
                                "temperature": params.temperature, "top_p": params.top_p}
        if params.stop:
            body["stop"] = list(params.stop)
        if params.seed is not None:
            body["seed"] = params.seed
        if self.api == "chat":
            messages = [{"role": "user", "content": prompt}]
            return f"{self.base_url}/chat/completions", {**body, "messages": messages}
        return f"{self.base_url}/completions", {**body, "prompt": prompt}

    async def generate(self, prompt: str, params: GenerationParams, *, request_id: str,
                       trace_headers: Mapping[str, str] | None = None) -> AsyncIterator[str]:
        if request_id in self._readers:
            raise LLMError(f"request {request_id!r} is already running")
        url, body = self._request(prompt, params)
        headers = {**(trace_headers or {}), "X-Request-ID": request_id}
        chunks: asyncio.Queue[Any] = asyncio.Queue()
        reader = asyncio.create_task(self._read(url, body, headers, chunks), name=f"llm-{request_id}")
        # A callback, not a finally: a task cancelled before its first step never runs its body.
        reader.add_done_callback(lambda _: chunks.put_nowait(_END))
        self._readers[request_id] = reader
        try:
            while (item := await chunks.get()) is not _END and request_id not in self._aborted:
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            self._readers.pop(request_id, None)
            self._aborted.discard(request_id)
            reader.cancel()  # no-op when it finished; otherwise closes the connection

    async def _read(self, url: str, body: dict[str, Any], headers: dict[str, str],
                    chunks: asyncio.Queue[Any]) -> None:
        try:
            async with self.client.stream("POST", url, json=body, headers=headers) as response:
                if response.status_code != 200:
                    detail = (await response.aread()).decode(errors="replace")[:300]
                    raise LLMError(f"{url} answered {response.status_code}: {detail}")
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue  # blank separators, comments, event names
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    if text := self._text(json.loads(data)):
                        chunks.put_nowait(text)
        except httpx.HTTPError as exc:
            chunks.put_nowait(LLMError(f"{url}: {exc!r}"))
        except LLMError as exc:
            chunks.put_nowait(exc)
        except ValueError as exc:
            chunks.put_nowait(LLMError(f"{url}: bad event: {exc}"))

    def _text(self, event: dict[str, Any]) -> str:
        if "error" in event:  # vLLM and others report a failure mid-stream this way
            raise LLMError(f"server error: {event['error']}")
        choices = event.get("choices") or [{}]
        if self.api == "chat":
            return choices[0].get("delta", {}).get("content") or ""
        return choices[0].get("text") or ""

    async def abort(self, request_id: str) -> bool:
        reader = self._readers.get(request_id)
        if reader is None or reader.done():
            return False
        self._aborted.add(request_id)
        reader.cancel()
        return True
