"""Service metrics from the topics themselves: takeover rate, blocks and rewrites by category,
review queue depth and wait, the agents' queue and the customers' wait for a human, escalations
by tier.

    python -m streams.metrics show [--since-minutes 60]     # one JSON snapshot
    python -m streams.metrics serve [--port 9108]           # Prometheus exporter at /metrics

Reads the reply, handoff, review, decision, desk-queue and audit topics from their start (or the
given window) with a consumer outside any group; nothing is committed.
"""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import typer

from contracts.topics import AUDIT, DESK_QUEUE, HANDOFF, REPLY_OUT, REVIEW, REVIEW_DECISIONS
from schemas.codec import DecodeError, EventCodec, schema_ids_for
from streams.settings import Settings, get_settings

TOPIC_SCHEMAS = {REPLY_OUT: "Reply", HANDOFF: "Handoff", REVIEW: "Handoff", REVIEW_DECISIONS: "ReviewDecision",
                 AUDIT: "AuditRecord", DESK_QUEUE: "DeskQueue"}
WAIT_TARGET_MS = 15_000  # the brief's target for a customer waiting for a human


def _quantile(values: list[int], q: float) -> int | None:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else None


@dataclass
class ServiceMetrics:
    replies: int = 0
    handoffs: int = 0
    statuses: Counter = field(default_factory=Counter)
    flagged_categories: Counter = field(default_factory=Counter)
    handoff_reasons: Counter = field(default_factory=Counter)
    complaint_tiers: Counter = field(default_factory=Counter)
    review_requests: dict[tuple[str, int], int] = field(default_factory=dict)
    review_waits_ms: list[int] = field(default_factory=list)
    early_decisions: dict[tuple[str, int], int] = field(default_factory=dict)  # read before their request
    desk_queued: dict[str, int] = field(default_factory=dict)
    llm_fallbacks: Counter = field(default_factory=Counter)  # reason (numbers = an invented figure caught)
    waits: dict[tuple[str, int], int] = field(default_factory=dict)  # (session, queued_at) -> wait

    @property
    def human_waits_ms(self) -> list[int]:
        return list(self.waits.values())

    @property
    def takeover_rate(self) -> float:
        return self.handoffs / self.replies if self.replies else 0.0

    @property
    def review_queue_depth(self) -> int:
        return len(self.review_requests)

    @property
    def human_wait_within_target(self) -> float | None:
        waits = self.human_waits_ms
        return sum(w <= WAIT_TARGET_MS for w in waits) / len(waits) if waits else None

    def as_dict(self) -> dict[str, Any]:
        within = self.human_wait_within_target
        return {
            "replies": self.replies, "handoffs": self.handoffs, "takeover_rate": round(self.takeover_rate, 4),
            "statuses": dict(self.statuses), "flagged_by_category": dict(self.flagged_categories),
            "handoffs_by_reason": dict(self.handoff_reasons), "complaints_by_tier": dict(self.complaint_tiers),
            "review_queue_depth": self.review_queue_depth,
            "review_wait_p50_ms": _quantile(self.review_waits_ms, 0.5),
            "desk_queue_depth": len(self.desk_queued),
            "human_wait_p50_ms": _quantile(self.human_waits_ms, 0.5),
            "human_wait_p95_ms": _quantile(self.human_waits_ms, 0.95),
            "human_wait_within_15s": None if within is None else round(within, 4),
            "llm_fallbacks_by_reason": dict(self.llm_fallbacks),
        }


def account(metrics: ServiceMetrics, topic: str, event: dict[str, Any]) -> None:
    """Fold one decoded event into the metrics (pure)."""
    if topic == REPLY_OUT:
        if event["status"].startswith(("review_", "human")) or event.get("proactive"):
            return  # a held turn's answer, the desk's words or the bank's own advice: not an answered turn
        metrics.replies += 1
        metrics.statuses[event["status"]] += 1
        for flag in event.get("compliance_flags", []):
            metrics.flagged_categories[flag.split(":", 1)[0]] += 1
    elif topic == HANDOFF:
        if event["reason"] == "customer_message":
            return  # a message for a session the desk already owns, not a new takeover
        metrics.handoffs += 1
        metrics.handoff_reasons[event["reason"]] += 1
        if event["reason"] == "complaint":
            metrics.complaint_tiers["L2"] += 1
    elif topic == REVIEW:
        key = (event["session_id"], event["turn_id"])
        if key in metrics.early_decisions:
            metrics.review_waits_ms.append(metrics.early_decisions.pop(key) - event["created_at_ms"])
        else:
            metrics.review_requests[key] = event["created_at_ms"]
    elif topic == REVIEW_DECISIONS:
        key = (event["session_id"], event["turn_id"])
        requested = metrics.review_requests.pop(key, None)
        if requested is not None:
            metrics.review_waits_ms.append(event["decided_at_ms"] - requested)
        else:  # topics are read side by side: the request may come later
            metrics.early_decisions[key] = event["decided_at_ms"]
    elif topic == AUDIT and event["action"] == "complaint.l1_offer":
        metrics.complaint_tiers["L1"] += 1
    elif topic == AUDIT and event["action"].startswith("generation.fallback."):
        metrics.llm_fallbacks[event["action"].rsplit(".", 1)[1]] += 1
    elif topic == DESK_QUEUE:
        if event["op"] == "enqueue":
            metrics.desk_queued.setdefault(event["session_id"], event["queued_at_ms"])
            return
        metrics.desk_queued.pop(event["session_id"], None)
        if event["reason"] == "taken_over":  # a compacted topic may keep only this; it holds the whole wait
            metrics.waits.setdefault((event["session_id"], event["queued_at_ms"]),
                                     event["at_ms"] - event["queued_at_ms"])


def _consumer(settings: Settings, since_minutes: float | None) -> Any:
    """A consumer outside any group, assigned every partition of the metric topics."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": settings.kafka.bootstrap, "group.id": f"metrics-{time.time_ns()}",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    since_ms = int((time.time() - since_minutes * 60) * 1000) if since_minutes else None
    assignment = [TopicPartition(topic, p, OFFSET_BEGINNING if since_ms is None else since_ms)
                  for topic in TOPIC_SCHEMAS
                  for p in consumer.list_topics(topic, timeout=10).topics[topic].partitions]
    if since_ms is not None:
        assignment = consumer.offsets_for_times(assignment, timeout=10)
    consumer.assign(assignment)
    return consumer


def _fold(metrics: ServiceMetrics, codec: EventCodec, msg: Any) -> None:
    try:
        event = codec.decode(msg.value(), TOPIC_SCHEMAS[msg.topic()])
    except DecodeError:
        return
    account(metrics, msg.topic(), event)


def collect(settings: Settings, since_minutes: float | None = None, idle_s: float = 2.0) -> ServiceMetrics:
    """One snapshot: read until the topics have been quiet for ``idle_s``."""
    codec = EventCodec(schema_ids_for(settings.schema_registry_url))
    consumer = _consumer(settings, since_minutes)
    metrics = ServiceMetrics()
    last = time.monotonic()
    try:
        while time.monotonic() - last < idle_s:
            msg = consumer.poll(0.2)
            if msg is None or msg.error():
                continue
            last = time.monotonic()
            _fold(metrics, codec, msg)
    finally:
        consumer.close()
    return metrics


class MetricsCollector:
    """Prometheus collector over a live ``ServiceMetrics`` that a tail thread keeps folding."""

    def __init__(self, metrics: ServiceMetrics, lock: threading.Lock) -> None:
        self.metrics, self.lock = metrics, lock

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        with self.lock:
            m = self.metrics
            families: list[Any] = []
            for name, doc, label, counts in (
                ("cs_replies", "Customer turns answered, by compliance status", "status", m.statuses),
                ("cs_compliance_flags", "Blocks and rewrites by category", "category", m.flagged_categories),
                ("cs_handoffs", "Sessions handed to a human, by reason", "reason", m.handoff_reasons),
                ("cs_complaint_escalations", "Complaints by tier", "tier", m.complaint_tiers),
                ("cs_llm_fallbacks", "LLM replies replaced by the grounded composer, by reason", "reason",
                 m.llm_fallbacks),
            ):
                family = CounterMetricFamily(name, doc, labels=[label])
                for value, n in counts.items():
                    family.add_metric([value], n)
                families.append(family)
            for name, doc, value in (
                ("cs_takeover_ratio", "Handoffs per answered turn (target <= 0.05)", m.takeover_rate),
                ("cs_review_queue_depth", "High-risk operations awaiting a reviewer", m.review_queue_depth),
                ("cs_desk_queue_depth", "Sessions waiting for a human agent", len(m.desk_queued)),
                ("cs_human_wait_within_target_ratio", "Share of customers who waited <= 15 s for a human",
                 m.human_wait_within_target),
            ):
                if value is not None:  # no waits yet is no data, not 0%
                    families.append(GaugeMetricFamily(name, doc, value=value))
            wait = GaugeMetricFamily("cs_wait_seconds", "Waits by queue and quantile", labels=["queue", "quantile"])
            for queue, values in (("review", m.review_waits_ms), ("human", m.human_waits_ms)):
                for q in (0.5, 0.95):
                    value = _quantile(values, q)
                    if value is not None:
                        wait.add_metric([queue, str(q)], value / 1000)
            families.append(wait)
        yield from families


def tail_forever(settings: Settings, metrics: ServiceMetrics, lock: threading.Lock, stop: threading.Event,
                 since_minutes: float | None = None) -> None:
    codec = EventCodec(schema_ids_for(settings.schema_registry_url))
    consumer = _consumer(settings, since_minutes)
    try:
        while not stop.is_set():
            msg = consumer.poll(0.2)
            if msg is not None and not msg.error():
                with lock:
                    _fold(metrics, codec, msg)
    finally:
        consumer.close()


cli = typer.Typer(add_completion=False, help=__doc__)


@cli.command()
def show(since_minutes: float | None = typer.Option(None, help="Only events of the last N minutes")) -> None:
    """Print the service metrics as JSON."""
    typer.echo(json.dumps(collect(get_settings(), since_minutes).as_dict(), ensure_ascii=False, indent=1))


@cli.command()
def serve(port: int = typer.Option(9108, help="HTTP port of /metrics"),
          host: str = typer.Option("127.0.0.1", help="Address to listen on"),
          since_minutes: float | None = typer.Option(None, help="Only events of the last N minutes")) -> None:
    """Export the metrics to Prometheus at http://HOST:PORT/metrics, kept current from the topics."""
    from prometheus_client import start_http_server
    from prometheus_client.core import REGISTRY

    metrics, lock, stop = ServiceMetrics(), threading.Lock(), threading.Event()
    REGISTRY.register(MetricsCollector(metrics, lock))
    start_http_server(port, addr=host)
    typer.echo(f"metrics: http://{host}:{port}/metrics (Ctrl-C stops)")
    try:
        tail_forever(get_settings(), metrics, lock, stop, since_minutes)
    except KeyboardInterrupt:
        stop.set()


if __name__ == "__main__":
    cli()
