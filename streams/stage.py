"""What every stage does around its pure logic: size check, decode, span, encode, send, DLQ.

The Faust agent hands each Kafka message to ``StageRunner.handle`` with the stage's logic; the
logic sees a decoded datum and returns what to emit. Nothing here knows a stage's business.
"""
from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import trace

from contracts.stage import Datum, Emit, StageRejection, StageResult
from contracts.topics import DEADLETTER
from schemas.codec import DecodeError, EventCodec
from streams.deadletter import dead_letter
from streams.errors import TransientError
from streams.tracing import context_from_headers, headers_from_context

log = logging.getLogger(__name__)

Send = Callable[[str, bytes | None, bytes, list[tuple[str, bytes]], int | None], Awaitable[Any]]


@dataclass(frozen=True)
class Incoming:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]] = ()


@dataclass
class StageStats:
    processed: int = 0
    emitted: int = 0
    dead_lettered: int = 0
    retried: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)


# Pure logic returns its emits; a stage that streams (generation with an LLM) may be async and
# publish intermediate events itself through ``StageRunner.publish`` while it works.
Logic = Callable[[Datum], Iterable[Emit] | StageResult | Awaitable[Iterable[Emit] | StageResult]]


class StageRunner:
    """Runs one stage's logic on raw Kafka messages, routing failures to ``cs.deadletter.v1``."""

    max_retry_delay_s = 5.0

    def __init__(self, stage: str, input_schema: str, codec: EventCodec, tracer: trace.Tracer,
                 send: Send, max_payload_bytes: int, blocking: bool = False, record_content: bool = False) -> None:
        """``blocking``: the logic waits on I/O (Neo4j), so it runs on one thread of its own and the
        event loop keeps heartbeats, fetches and sends going meanwhile."""
        self.blocking = blocking
        self.record_content = record_content  # customer text on spans: off unless a bank switches it on
        self._thread: ThreadPoolExecutor | None = None
        self.stage = stage
        self.input_schema = input_schema
        self.codec = codec
        self.tracer = tracer
        self.send = send
        self.max_payload_bytes = max_payload_bytes
        self.stats = StageStats()

    async def handle(self, msg: Incoming, logic: Logic) -> str:
        """Process one message; returns ``"ok"`` or the dead-letter reason."""
        parent = context_from_headers(msg.headers)
        with self.tracer.start_as_current_span(self.stage, context=parent,
                                               kind=trace.SpanKind.CONSUMER) as span:
            span.set_attribute("messaging.source", msg.topic)
            span.set_attribute("messaging.kafka.partition", msg.partition)
            span.set_attribute("messaging.kafka.offset", msg.offset)
            self.stats.processed += 1
            size = len(msg.value or b"")
            if size > self.max_payload_bytes:
                return await self.dead_letter(msg, "oversized", f"{size} bytes > limit {self.max_payload_bytes}")
            try:
                datum = self.codec.decode(msg.value, self.input_schema)
            except DecodeError as exc:
                return await self.dead_letter(msg, exc.reason, exc.detail)
            span.set_attribute("cs.session_id", str(datum.get("session_id", "")))
            span.set_attribute("cs.turn_id", int(datum.get("turn_id", -1)))
            if self.record_content and isinstance(datum.get("text"), str):
                span.set_attribute("cs.text", datum["text"][:1000])
            try:
                result = await self._run_until_reachable(logic, datum, msg)
                payloads = [(e, self.codec.encode(e.schema, e.datum, e.topic)) for e in result.emits]
            except StageRejection as exc:
                return await self.dead_letter(msg, exc.reason, exc.detail)
            except Exception as exc:  # a bug in one turn must not stop the worker
                log.exception("%s failed on %s[%d]@%d", self.stage, msg.topic, msg.partition, msg.offset)
                return await self.dead_letter(msg, "stage_error", f"{type(exc).__name__}: {exc}")
            headers = _passthrough(msg.headers) + headers_from_context()
            pending = []
            for emit, value in payloads:
                pending.append(await self.send(emit.topic, emit.key_bytes(), value, headers, emit.partition))
            if result.on_delivered is not None:
                for fut in pending:
                    if isinstance(fut, Awaitable):
                        await fut
                result.on_delivered()
            self.stats.emitted += len(payloads)
            return "ok"

    async def _run_until_reachable(self, logic: Logic, datum: Datum, msg: Incoming) -> StageResult:
        """The logic's result; while a backend it needs is down, the record waits and is tried again
        (a dead letter here would lose a good turn to a restart)."""
        attempt = 0
        while True:
            try:
                result = await self.in_thread(logic, datum) if self.blocking else logic(datum)
                if inspect.isawaitable(result):
                    result = await result
                return result if isinstance(result, StageResult) else StageResult(list(result))
            except TransientError as exc:
                attempt += 1
                self.stats.retried += 1
                delay = min(self.max_retry_delay_s, 0.1 * 2 ** min(attempt, 10))
                log.warning("%s: %s at %s[%d]@%d; retry %d in %.1fs", self.stage, exc, msg.topic, msg.partition,
                            msg.offset, attempt, delay)
                await asyncio.sleep(delay)

    async def in_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` on the stage's one logic thread, so blocking work never runs beside the logic."""
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix=f"{self.stage}-logic")
        ctx = contextvars.copy_context()  # the span and Faust's current event travel with the call
        return await asyncio.get_running_loop().run_in_executor(self._thread, ctx.run, fn, *args)

    async def publish(self, emit: Emit) -> None:
        """Send one event now, inside the current span (for logic that streams while it works)."""
        value = self.codec.encode(emit.schema, emit.datum, emit.topic)
        await self.send(emit.topic, emit.key_bytes(), value, headers_from_context(), emit.partition)
        self.stats.emitted += 1

    async def dead_letter(self, msg: Incoming, reason: str, detail: str) -> str:
        self.stats.dead_lettered += 1
        self.stats.by_reason[reason] = self.stats.by_reason.get(reason, 0) + 1
        trace.get_current_span().set_attribute("cs.dead_letter", reason)
        letter = dead_letter(msg.topic, msg.partition, msg.offset, reason, detail, self.stage, msg.key, msg.value)
        value = self.codec.encode("DeadLetter", letter, DEADLETTER)
        await self.send(DEADLETTER, msg.key, value, _passthrough(msg.headers) + headers_from_context(), None)
        return reason


def _passthrough(headers: Sequence[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Incoming headers minus trace context, which each hop writes afresh."""
    return [(k, v) for k, v in headers or () if k not in ("traceparent", "tracestate")]
