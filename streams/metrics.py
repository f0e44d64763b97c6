"""Service metrics from the topics themselves: takeover rate, blocks and rewrites by category,
review queue depth and wait, escalations by tier.

    python -m streams.metrics [--since-minutes 60]

Reads cs.reply.out.v1, cs.handoff.v1, cs.review.v1, cs.review.decisions.v1 and cs.audit.v1 from
their start (or the given window) with a throwaway consumer; nothing is committed.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import typer

from schemas.codec import DecodeError, EventCodec, schema_ids_for
from streams.settings import Settings, get_settings
from streams.topics import AUDIT, HANDOFF, REPLY_OUT, REVIEW, REVIEW_DECISIONS

TOPIC_SCHEMAS = {REPLY_OUT: "Reply", HANDOFF: "Handoff", REVIEW: "Handoff", REVIEW_DECISIONS: "ReviewDecision",
                 AUDIT: "AuditRecord"}


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

    @property
    def takeover_rate(self) -> float:
        return self.handoffs / self.replies if self.replies else 0.0

    @property
    def review_queue_depth(self) -> int:
        return len(self.review_requests)

    def as_dict(self) -> dict[str, Any]:
        waits = sorted(self.review_waits_ms)
        return {
            "replies": self.replies, "takeover_rate": round(self.takeover_rate, 4),
            "statuses": dict(self.statuses), "flagged_by_category": dict(self.flagged_categories),
            "handoffs_by_reason": dict(self.handoff_reasons), "complaints_by_tier": dict(self.complaint_tiers),
            "review_queue_depth": self.review_queue_depth,
            "review_wait_p50_ms": waits[len(waits) // 2] if waits else None,
        }


def account(metrics: ServiceMetrics, topic: str, event: dict[str, Any]) -> None:
    """Fold one decoded event into the metrics (pure)."""
    if topic == REPLY_OUT:
        if event["status"].startswith("review_"):
            return  # the answer to a held turn, not a new turn
        metrics.replies += 1
        metrics.statuses[event["status"]] += 1
        for flag in event.get("compliance_flags", []):
            metrics.flagged_categories[flag.split(":", 1)[0]] += 1
    elif topic == HANDOFF:
        metrics.handoffs += 1
        metrics.handoff_reasons[event["reason"]] += 1
        if event["reason"] == "complaint":
            metrics.complaint_tiers["L2"] += 1
    elif topic == REVIEW:
        metrics.review_requests[(event["session_id"], event["turn_id"])] = event["created_at_ms"]
    elif topic == REVIEW_DECISIONS:
        requested = metrics.review_requests.pop((event["session_id"], event["turn_id"]), None)
        if requested is not None:
            metrics.review_waits_ms.append(event["decided_at_ms"] - requested)
    elif topic == AUDIT and event["action"] == "complaint.l1_offer":
        metrics.complaint_tiers["L1"] += 1


def collect(settings: Settings, since_minutes: float | None = None, idle_s: float = 2.0) -> ServiceMetrics:
    from confluent_kafka import Consumer, TopicPartition

    codec = EventCodec(schema_ids_for(settings.schema_registry_url))
    consumer = Consumer({"bootstrap.servers": settings.kafka.bootstrap, "group.id": f"metrics-{time.time_ns()}",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    assignment = []
    for topic in TOPIC_SCHEMAS:
        parts = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        for p in parts:
            tp = TopicPartition(topic, p, 0)
            if since_minutes:
                tp = TopicPartition(topic, p, int((time.time() - since_minutes * 60) * 1000))
            assignment.append(tp)
    if since_minutes:
        assignment = consumer.offsets_for_times(assignment, timeout=10)
    consumer.assign(assignment)
    metrics = ServiceMetrics()
    last = time.monotonic()
    # Decisions may be read before their requests; fold them in topic order per pass.
    events: list[tuple[str, dict[str, Any]]] = []
    while time.monotonic() - last < idle_s:
        msg = consumer.poll(0.2)
        if msg is None or msg.error():
            continue
        last = time.monotonic()
        try:
            events.append((msg.topic(), codec.decode(msg.value(), TOPIC_SCHEMAS[msg.topic()])))
        except DecodeError:
            continue
    consumer.close()
    order = {REVIEW: 0}
    for topic, event in sorted(events, key=lambda te: order.get(te[0], 1)):
        account(metrics, topic, event)
    return metrics


cli = typer.Typer(add_completion=False, help=__doc__)


@cli.command()
def main(since_minutes: float | None = typer.Option(None, help="Only events of the last N minutes")) -> None:
    """Print the service metrics as JSON."""
    typer.echo(json.dumps(collect(get_settings(), since_minutes).as_dict(), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    cli()
