"""W3C trace context carried in Kafka headers, so one trace spans every stage of a turn."""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

PROPAGATOR = TraceContextTextMapPropagator()
Headers = Sequence[tuple[str, bytes]]


class JsonLinesSpanExporter(SpanExporter):
    """Appends finished spans to a file, one JSON object a line (for tests and local runs)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        with self.path.open("a", encoding="utf-8") as out:
            for span in spans:
                ctx = span.get_span_context()
                parent = span.parent.span_id if span.parent else None
                out.write(json.dumps({
                    "name": span.name,
                    "trace_id": f"{ctx.trace_id:032x}",
                    "span_id": f"{ctx.span_id:016x}",
                    "parent_id": f"{parent:016x}" if parent else None,
                    "service": span.resource.attributes.get("service.name"),
                    "start_ns": span.start_time,
                    "end_ns": span.end_time,
                    "attributes": dict(span.attributes or {}),
                }) + "\n")
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


_installed: list[TracerProvider] = []


def init_tracing(service: str, span_log: Path | None) -> trace.Tracer:
    """Install this process's tracer provider once (later calls reuse it); spans go to ``span_log`` when set."""
    if not _installed:
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        if span_log:
            provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(span_log)))
        trace.set_tracer_provider(provider)
        _installed.append(provider)
    return trace.get_tracer(service)


def context_from_headers(headers: Iterable[tuple[str, bytes]] | dict | None) -> Context:
    carrier: dict[str, str] = {}
    items = headers.items() if isinstance(headers, dict) else (headers or ())
    for key, value in items:
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        carrier[key] = value
    return PROPAGATOR.extract(carrier)


def headers_from_context(context: Context | None = None) -> list[tuple[str, bytes]]:
    carrier: dict[str, str] = {}
    PROPAGATOR.inject(carrier, context=context)
    return [(k, v.encode("latin-1")) for k, v in carrier.items()]


def trace_id_of(headers: Iterable[tuple[str, bytes]] | None) -> str | None:
    """The 32-hex trace id from a ``traceparent`` header, or None."""
    for key, value in headers or ():
        if key == "traceparent":
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            parts = text.split("-")
            return parts[1] if len(parts) == 4 else None
    return None
