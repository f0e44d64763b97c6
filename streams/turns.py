"""Publish a customer turn and await its approved reply: shared by the gateway and the chat."""
from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from opentelemetry import trace

from contracts.topics import REPLY_CHUNKS, REPLY_OUT, UTTERANCE_IN
from domain.text import complete_sentences
from schemas.codec import DecodeError, EventCodec, schema_ids_for
from streams.errors import PipelineError
from streams.settings import Settings
from streams.tracing import headers_from_context

CHANNELS = ("web", "app", "phone")
RECENT_REPLIES = 4096


class ReplyTimeout(PipelineError):
    """No approved reply arrived within the configured time."""


def split_chunks(text: str) -> list[str]:
    """Sentence-sized chunks, each ending at Chinese or Latin sentence punctuation."""
    sentences, rest = complete_sentences(text)
    return [*sentences, rest] if rest else sentences


class TurnClient:
    """Kafka-facing half of every channel adapter."""

    def __init__(self, settings: Settings, codec: EventCodec | None = None) -> None:
        self.settings = settings
        self.codec = codec or EventCodec(schema_ids_for(settings.schema_registry_url))
        self.tracer = trace.get_tracer("cs-gateway")
        self._producer: AIOKafkaProducer | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._waiters: dict[tuple[str, int], list[asyncio.Future[dict[str, Any]]]] = {}
        self._recent: OrderedDict[tuple[str, int], dict[str, Any]] = OrderedDict()
        self._last_turn: dict[str, int] = {}
        self._streams: dict[tuple[str, int], asyncio.Queue[dict[str, Any]]] = {}  # turns a caller streams

    async def start(self) -> None:
        bootstrap = self.settings.kafka.bootstrap
        # aiokafka's default partitioner is Java-compatible murmur2, as Faust tables expect.
        self._producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
        self._consumer = AIOKafkaConsumer(REPLY_OUT, REPLY_CHUNKS, bootstrap_servers=bootstrap, group_id=None,
                                          auto_offset_reset="latest", enable_auto_commit=False)
        await self._producer.start()
        await self._consumer.start()
        # Pin positions now, so a reply produced right after we publish is not skipped.
        while not self._consumer.assignment():
            await asyncio.sleep(0.05)
        for tp in self._consumer.assignment():
            await self._consumer.position(tp)
        self._task = asyncio.create_task(self._collect())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
        if self._consumer:
            await self._consumer.stop()
        if self._producer:
            await self._producer.stop()

    def next_turn_id(self, session_id: str) -> int:
        """Millisecond clock, kept strictly increasing per session within this process."""
        turn = max(int(time.time() * 1000), self._last_turn.get(session_id, 0) + 1)
        self._last_turn[session_id] = turn
        return turn

    async def publish(self, session_id: str, text: str, *, customer_id: str | None = None,
                      channel: str = "web", turn_id: int | None = None) -> int:
        if channel not in CHANNELS:
            raise ValueError(f"channel must be one of {CHANNELS}")
        assert self._producer is not None, "start() first"
        turn = turn_id if turn_id is not None else self.next_turn_id(session_id)
        datum = {"session_id": session_id, "turn_id": turn, "customer_id": customer_id, "channel": channel,
                 "text": text, "audio_ref": None, "audio_format": None, "locale": "zh-CN",
                 "received_at_ms": int(time.time() * 1000)}
        value = self.codec.encode("UtteranceIn", datum, UTTERANCE_IN)
        with self.tracer.start_as_current_span("gateway.turn", kind=trace.SpanKind.PRODUCER):
            await self._producer.send_and_wait(UTTERANCE_IN, value=value, key=session_id.encode(),
                                               headers=headers_from_context())
        return turn

    async def wait_reply(self, session_id: str, turn_id: int, timeout: float) -> dict[str, Any]:
        key = (session_id, turn_id)
        if key in self._recent:
            return self._recent[key]
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(key, []).append(fut)
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            raise ReplyTimeout(f"no reply for {session_id}/{turn_id} within {timeout}s") from None
        finally:
            waiters = self._waiters.get(key, [])
            if fut in waiters:
                waiters.remove(fut)
            if not waiters:
                self._waiters.pop(key, None)

    async def ask(self, session_id: str, text: str, *, customer_id: str | None = None, channel: str = "web",
                  turn_id: int | None = None, timeout: float | None = None) -> dict[str, Any]:
        timeout = timeout if timeout is not None else self.settings.gateway.reply_timeout_s
        if turn_id is not None and (session_id, turn_id) in self._recent:
            return self._recent[(session_id, turn_id)]
        turn = await self.publish(session_id, text, customer_id=customer_id, channel=channel, turn_id=turn_id)
        return await self.wait_reply(session_id, turn, timeout)

    async def stream(self, session_id: str, text: str, *, customer_id: str | None = None, channel: str = "web",
                     turn_id: int | None = None, timeout: float | None = None) -> AsyncIterator[dict[str, Any]]:
        """Chunks as the pipeline releases them, then the reply itself (``type`` = chunk | reply).

        An LLM-written turn streams compliance-checked sentences from ``cs.reply.chunks.v1`` while it
        is written; a turn without streamed chunks is split into sentences. The reply is the
        authoritative text: after a fallback it differs from the chunks, and clients show it in
        their place.
        """
        timeout = timeout if timeout is not None else self.settings.gateway.reply_timeout_s
        if turn_id is not None and (session_id, turn_id) in self._recent:
            reply = self._recent[(session_id, turn_id)]
            for chunk in split_chunks(reply["text"]):
                yield {"type": "chunk", "text": chunk}
            yield {"type": "reply", **reply}
            return
        turn = turn_id if turn_id is not None else self.next_turn_id(session_id)
        key = (session_id, turn)
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._streams[key] = queue
        waiting: asyncio.Future[dict[str, Any]] | None = None
        getting: asyncio.Future[dict[str, Any]] | None = None
        try:
            await self.publish(session_id, text, customer_id=customer_id, channel=channel, turn_id=turn)
            waiting = asyncio.ensure_future(self.wait_reply(session_id, turn, timeout))
            shown = ""
            while True:
                getting = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait({waiting, getting}, return_when=asyncio.FIRST_COMPLETED)
                if getting in done:
                    chunk = getting.result()
                    if chunk["text"]:
                        shown += chunk["text"]
                        yield {"type": "chunk", "text": chunk["text"], "seq": chunk["seq"], "streamed": True}
                    continue
                getting.cancel()
                reply = waiting.result()  # raises ReplyTimeout
                # Chunks travel their own topics and may trail the reply: what the customer has not
                # seen yet follows as chunks, so the chunks add up to the reply whenever they were its start.
                if reply["text"].startswith(shown):
                    for piece in split_chunks(reply["text"][len(shown):]):
                        yield {"type": "chunk", "text": piece}
                yield {"type": "reply", **reply}
                return
        finally:
            self._streams.pop(key, None)
            for pending in (waiting, getting):  # the client may leave mid-stream
                if pending is not None and not pending.done():
                    pending.cancel()

    async def _collect(self) -> None:
        assert self._consumer is not None
        async for msg in self._consumer:
            if msg.topic == REPLY_CHUNKS:
                self._chunk(msg.value)
                continue
            try:
                reply = self.codec.decode(msg.value, "Reply")
            except DecodeError:
                continue  # not ours to judge: the reply topic's own consumers dead-letter it
            key = (reply["session_id"], reply["turn_id"])
            self._recent[key] = reply
            if len(self._recent) > RECENT_REPLIES:
                self._recent.popitem(last=False)
            for fut in self._waiters.get(key, []):
                if not fut.done():
                    fut.set_result(reply)

    def _chunk(self, value: bytes) -> None:
        try:
            chunk = self.codec.decode(value, "ReplyChunk")
        except DecodeError:
            return
        queue = self._streams.get((chunk["session_id"], chunk["turn_id"]))
        if queue is not None:
            queue.put_nowait(chunk)
