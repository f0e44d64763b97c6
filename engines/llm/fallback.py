"""Fallback chain: a primary engine under deadlines, and a grounded template answer when it misses one.

The chain buffers nothing: primary chunks go to the caller as they arrive, so a healthy engine
streams at full speed. When the primary raises, sends no first chunk within ``first_chunk_s``, or
has not finished within ``total_s``, the primary request is aborted and the fallback text follows as
one ``FallbackText`` chunk. If primary chunks already went out, that chunk's ``replaces`` holds them:
a caller that shows text live must replace what it showed with the fallback; one that joins chunks
should keep only the text from the last ``FallbackText`` on. ``fallbacks`` counts every switch by
reason, for metrics.

    chain = FallbackEngine(make_engine("openai", ...), lambda prompt: faq_answer, first_chunk_s=1.5)
    async for chunk in chain.generate(prompt, params, request_id=rid):
        if isinstance(chunk, FallbackText):
            ...  # template answer: discard chunk.replaces from what the customer saw
"""
from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping

from engines.llm import GenerationParams, LLMEngine

log = logging.getLogger(__name__)
REASONS = ("error", "first_chunk_deadline", "total_deadline")


class FallbackText(str):
    """The fallback answer, as a chunk: ``reason`` it was used, and the primary text it ``replaces``."""

    reason: str
    replaces: str

    def __new__(cls, text: str, reason: str, replaces: str = "") -> FallbackText:
        chunk = super().__new__(cls, text)
        chunk.reason, chunk.replaces = reason, replaces
        return chunk


class FallbackEngine:
    """``primary`` within deadlines, else ``fallback(prompt)``: a fast, synchronous, grounded answer."""

    name = "fallback"

    def __init__(self, primary: LLMEngine, fallback: Callable[[str], str], *, first_chunk_s: float = 2.0,
                 total_s: float = 20.0) -> None:
        if not 0 < first_chunk_s <= total_s:
            raise ValueError(f"want 0 < first_chunk_s <= total_s, got {first_chunk_s}, {total_s}")
        self.primary = primary
        self.fallback = fallback
        self.first_chunk_s = first_chunk_s
        self.total_s = total_s
        self.fallbacks: Counter[str] = Counter()  # reason -> generations answered by the fallback

    async def generate(self, prompt: str, params: GenerationParams, *, request_id: str,
                       trace_headers: Mapping[str, str] | None = None) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        first_deadline = loop.time() + self.first_chunk_s
        total_deadline = loop.time() + self.total_s
        stream = self.primary.generate(prompt, params, request_id=request_id, trace_headers=trace_headers)
        sent: list[str] = []
        try:
            while True:
                try:
                    async with asyncio.timeout_at(total_deadline if sent else first_deadline):
                        chunk = await anext(stream)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    reason = "total_deadline" if sent else "first_chunk_deadline"
                    break
                except Exception as exc:
                    log.warning("LLM %s failed for %s: %s", self.primary.name, request_id, exc)
                    reason = "error"
                    break
                sent.append(chunk)
                yield chunk
        finally:
            if hasattr(stream, "aclose"):
                await stream.aclose()
        # The timeout already cancelled the primary's stream; abort too, for backends whose work outlives it.
        await self.primary.abort(request_id)
        self.fallbacks[reason] += 1
        log.warning("LLM %s: %s for %s, answering from the fallback", self.primary.name, reason, request_id)
        yield FallbackText(self.fallback(prompt), reason, "".join(sent))

    async def abort(self, request_id: str) -> bool:
        return await self.primary.abort(request_id)

    async def check_health(self) -> bool:
        """The primary's health: the chain always answers, but False means answers are templates now."""
        return await self.primary.check_health()

    async def warm_up(self) -> None:
        # A primary that cannot warm up must not stop the service: the fallback answers meanwhile.
        try:
            await self.primary.warm_up()
        except Exception:
            log.exception("LLM %s did not warm up; the fallback will answer", self.primary.name)
