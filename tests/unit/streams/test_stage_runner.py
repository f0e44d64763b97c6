import asyncio

import pytest
from opentelemetry.sdk.trace import TracerProvider

from contracts.stage import Emit, StageRejection, StageResult
from contracts.topics import DEADLETTER
from schemas.codec import EventCodec, LockedSchemaIds
from streams.stage import Incoming, StageRunner
from streams.tracing import headers_from_context, trace_id_of
from tests.samples import SAMPLES

CODEC = EventCodec(LockedSchemaIds())
TRACER = TracerProvider().get_tracer("test")


class Sink:
    def __init__(self):
        self.sent = []
        self.acked = 0

    async def __call__(self, topic, key, value, headers, partition=None):
        self.sent.append((topic, key, value, headers))
        fut = asyncio.get_running_loop().create_future()
        fut.set_result(None)
        self.acked += 1
        return fut


def runner(sink, limit=1024):
    return StageRunner("asr", "UtteranceIn", CODEC, TRACER, sink, limit)


def message(value, headers=()):
    return Incoming("cs.utterance.in.v1", 2, 41, b"s-1", value, tuple(headers))


def echo(datum):
    return [Emit("out", "Transcript", {**SAMPLES["Transcript"], "session_id": datum["session_id"]})]


def run(coro):
    return asyncio.run(coro)


def test_good_record_is_processed_and_keeps_the_trace():
    sink = Sink()
    with TRACER.start_as_current_span("upstream"):
        headers = headers_from_context() + [("x-tenant", b"bank-a")]
    value = CODEC.encode("UtteranceIn", SAMPLES["UtteranceIn"], "cs.utterance.in.v1")
    assert run(runner(sink).handle(message(value, headers), echo)) == "ok"
    [(topic, key, out, out_headers)] = sink.sent
    assert topic == "out" and key == b"s-1"
    assert CODEC.decode(out, "Transcript")["text"] == SAMPLES["Transcript"]["text"]
    assert trace_id_of(out_headers) == trace_id_of(headers)
    assert dict(out_headers)["traceparent"] != dict(headers)["traceparent"]  # a new span, same trace
    assert ("x-tenant", b"bank-a") in out_headers


@pytest.mark.parametrize("value,reason", [
    (b"\xde\xad\xbe\xef" * 3, "undecodable"),
    (None, "undecodable"),
    (b"x" * 2000, "oversized"),
])
def test_bad_records_become_dead_letters(value, reason):
    sink = Sink()
    r = runner(sink)
    assert run(r.handle(message(value), echo)) == reason
    [(topic, key, out, _)] = sink.sent
    letter = CODEC.decode(out, "DeadLetter")
    assert topic == DEADLETTER and key == b"s-1"
    assert (letter["source_topic"], letter["partition"], letter["offset"]) == ("cs.utterance.in.v1", 2, 41)
    assert letter["reason"] == reason and letter["payload"] == (value or b"")
    assert r.stats.dead_lettered == 1 and r.stats.by_reason == {reason: 1}


def test_rejections_and_bugs_in_logic_are_dead_lettered_not_raised():
    value = CODEC.encode("UtteranceIn", SAMPLES["UtteranceIn"], "t")

    def reject(_):
        raise StageRejection("unsupported_input", "audio")

    def crash(_):
        raise ZeroDivisionError("boom")

    for logic, reason in ((reject, "unsupported_input"), (crash, "stage_error")):
        sink = Sink()
        assert run(runner(sink).handle(message(value), logic)) == reason
        letter = CODEC.decode(sink.sent[0][2], "DeadLetter")
        assert letter["reason"] == reason and letter["stage"] == "asr"


def test_on_delivered_runs_only_after_sends():
    sink = Sink()
    seen = []
    value = CODEC.encode("UtteranceIn", SAMPLES["UtteranceIn"], "t")
    result = StageResult(echo(SAMPLES["UtteranceIn"]), on_delivered=lambda: seen.append(sink.acked))
    run(runner(sink).handle(message(value), lambda _: result))
    assert seen == [1]


def test_nothing_is_sent_when_an_emit_fails_to_encode():
    sink = Sink()
    value = CODEC.encode("UtteranceIn", SAMPLES["UtteranceIn"], "t")
    bad = [Emit("out", "Transcript", SAMPLES["Transcript"]), Emit("out", "Transcript", {"session_id": "s"})]
    assert run(runner(sink).handle(message(value), lambda _: bad)) == "stage_error"
    assert [t for t, *_ in sink.sent] == [DEADLETTER]


def test_a_backend_outage_is_waited_out_not_dead_lettered():
    """Neo4j restarting must not turn a good turn into a dead letter (that turn would be lost)."""
    from streams.errors import TransientError

    sink, calls = Sink(), []
    value = CODEC.encode("UtteranceIn", SAMPLES["UtteranceIn"], "t")

    def flaky(datum):
        calls.append(1)
        if len(calls) < 3:
            raise TransientError("graph restarting")
        return echo(datum)

    r = runner(sink)
    r.max_retry_delay_s = 0.01
    assert run(r.handle(message(value), flaky)) == "ok"
    assert len(calls) == 3 and [t for t, *_ in sink.sent] == ["out"] and r.stats.retried == 2


def test_blocking_logic_runs_off_the_event_loop_with_the_span():
    import threading

    sink, seen = Sink(), {}
    value = CODEC.encode("UtteranceIn", SAMPLES["UtteranceIn"], "t")

    def blocking(datum):
        from opentelemetry import trace

        seen["thread"] = threading.current_thread().name
        seen["span"] = trace.get_current_span().get_span_context().is_valid
        return echo(datum)

    r = StageRunner("retrieval", "UtteranceIn", CODEC, TRACER, sink, 1024, blocking=True)
    assert run(r.handle(message(value), blocking)) == "ok"
    assert seen == {"thread": seen["thread"], "span": True} and seen["thread"].startswith("retrieval-logic")


def test_an_emit_may_name_its_key_and_partition():
    sink = Sink()
    value = CODEC.encode("UtteranceIn", SAMPLES["UtteranceIn"], "t")
    sent = []

    async def recording(topic, key, value, headers, partition=None):
        sent.append((topic, key, partition))
        return await sink(topic, key, value, headers, partition)

    tick = Emit("ticks", "MarketEvent", {**SAMPLES["MarketEvent"], "partition": 3}, key="e-1", partition=3)
    assert run(StageRunner("m", "UtteranceIn", CODEC, TRACER, recording, 1024).handle(message(value),
                                                                                     lambda _: [tick])) == "ok"
    assert sent == [("ticks", b"e-1", 3)]


@pytest.mark.parametrize("record_content", [False, True])
def test_customer_text_reaches_spans_only_when_switched_on(record_content):
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    value = CODEC.encode("UtteranceIn", SAMPLES["UtteranceIn"], "t")
    r = StageRunner("asr", "UtteranceIn", CODEC, provider.get_tracer("t"), Sink(), 1024,
                    record_content=record_content)
    run(r.handle(message(value), echo))
    [span] = exporter.get_finished_spans()
    assert ("cs.text" in span.attributes) is record_content
    if record_content:
        assert span.attributes["cs.text"] == SAMPLES["UtteranceIn"]["text"]
