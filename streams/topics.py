"""The topic catalog: every topic the system uses, created up front with explicit settings.

Broker auto-create is off, so a topic missing here does not exist. Session-keyed topics share
one partition count so Faust tables and their changelogs co-partition.
"""
from __future__ import annotations

from dataclasses import dataclass

from contracts.topics import (
    AGENT_MESSAGES,
    AUDIT,
    CONTEXT,
    DEADLETTER,
    DESK_QUEUE,
    DIALOGUE_STATE,
    HANDOFF,
    KNOWLEDGE_UPDATES,
    MARKET_EVENTS,
    MARKET_TICKS,
    NLU,
    REPLY_CHECKED,
    REPLY_CHUNKS,
    REPLY_CHUNKS_CHECKED,
    REPLY_CHUNKS_DRAFT,
    REPLY_DRAFT,
    REPLY_OUT,
    REVIEW,
    REVIEW_DECISIONS,
    STAGES,
    TABLES,
    UTTERANCE_IN,
    UTTERANCE_TEXT,
)
from streams.errors import ConfigError
from streams.settings import Settings

DAY_MS = 24 * 3600 * 1000



@dataclass(frozen=True)
class TopicSpec:
    name: str
    schema: str | None
    purpose: str
    retention_ms: int = 7 * DAY_MS
    compact: bool = False

    def config(self) -> dict[str, str]:
        if self.compact:
            return {"cleanup.policy": "compact"}
        return {"cleanup.policy": "delete", "retention.ms": str(self.retention_ms)}


PIPELINE: tuple[TopicSpec, ...] = (
    TopicSpec(UTTERANCE_IN, "UtteranceIn", "customer utterances from every channel"),
    TopicSpec(UTTERANCE_TEXT, "Transcript", "text of each turn after ASR"),
    TopicSpec(NLU, "Understanding", "intent, slots, emotion"),
    TopicSpec(DIALOGUE_STATE, "DialogueState", "session state after each turn"),
    TopicSpec(CONTEXT, "Context", "state plus retrieved knowledge"),
    TopicSpec(REPLY_DRAFT, "DraftReply", "replies before compliance"),
    TopicSpec(REPLY_CHECKED, "Reply", "replies cleared by compliance, before the session-owner check"),
    TopicSpec(REPLY_OUT, "Reply", "replies for the customer; the CRM and channels consume it"),
    TopicSpec(REPLY_CHUNKS_DRAFT, "ReplyChunk", "sentences of a reply while an LLM writes it, before compliance",
              retention_ms=DAY_MS),
    TopicSpec(REPLY_CHUNKS_CHECKED, "ReplyChunk", "streamed sentences the compliance gate released", retention_ms=DAY_MS),
    TopicSpec(REPLY_CHUNKS, "ReplyChunk", "streamed sentences for the customer's channel (bot-owned sessions only)",
              retention_ms=DAY_MS),
    TopicSpec(REVIEW, "Handoff", "high-risk operations awaiting human confirmation"),
    TopicSpec(REVIEW_DECISIONS, "ReviewDecision", "reviewers' approve/reject decisions on held operations"),
    TopicSpec(HANDOFF, "Handoff", "sessions handed to the agent desk, and customer messages while a human owns them"),
    TopicSpec(AGENT_MESSAGES, "AgentMessage", "the agent desk: take over, reply, hand back"),
    TopicSpec(DESK_QUEUE, "DeskQueue", "sessions joining and leaving the agents' queue (latest per session)", compact=True),
    TopicSpec(AUDIT, "AuditRecord", "decision evidence, kept 180 days", retention_ms=180 * DAY_MS),
    TopicSpec(DEADLETTER, "DeadLetter", "records no stage could process", retention_ms=30 * DAY_MS),
    TopicSpec(KNOWLEDGE_UPDATES, "KnowledgeUpdate", "product, rate and FAQ changes applied while running"),
    TopicSpec(MARKET_EVENTS, "MarketEvent", "market moves, fanned out by generation to every session partition",
              retention_ms=DAY_MS),
    TopicSpec(MARKET_TICKS, "MarketEvent", "one copy of each market move per session partition: its owner advises "
              "the wealth sessions of that partition", retention_ms=DAY_MS),
)

def app_id(settings: Settings, stage: str) -> str:
    """One Faust app (= consumer group) per stage, so each stage scales on its own."""
    return f"{settings.app_prefix}-{stage}"


def internal_topics(settings: Settings) -> tuple[TopicSpec, ...]:
    """Table changelogs (Faust's leader topic is disabled in the app factory)."""
    return tuple(
        TopicSpec(f"{app_id(settings, stage)}-{table}-changelog", None, f"changelog of {stage}.{table}", compact=True)
        for stage in STAGES for table in TABLES.get(stage, ())
    )


def catalog(settings: Settings) -> tuple[TopicSpec, ...]:
    return PIPELINE + internal_topics(settings)


def ensure_topics(settings: Settings, timeout: float = 30.0) -> list[str]:
    """Create missing topics; fail loudly when an existing one has the wrong partition count."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": settings.kafka.bootstrap})
    existing = admin.list_topics(timeout=timeout).topics
    wanted = catalog(settings)
    mismatched = []
    for spec in wanted:
        if spec.name in existing and len(existing[spec.name].partitions) != settings.kafka.partitions:
            mismatched.append(f"{spec.name} has {len(existing[spec.name].partitions)} partitions, want {settings.kafka.partitions}")
    if mismatched:
        raise ConfigError("topic partition counts differ from the catalog: " + "; ".join(mismatched))
    new = [
        NewTopic(spec.name, num_partitions=settings.kafka.partitions,
                 replication_factor=settings.kafka.replication, config=spec.config())
        for spec in wanted if spec.name not in existing
    ]
    if not new:
        return []
    for name, fut in admin.create_topics(new, operation_timeout=timeout).items():
        try:
            fut.result()
        except Exception as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise ConfigError(f"could not create {name}: {exc}") from exc
    return [t.topic for t in new]
