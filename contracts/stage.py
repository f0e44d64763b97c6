"""What a stage's logic returns: events to emit, an action once they are delivered, or a rejection.
No Faust, no Kafka: ``streams.stage.StageRunner`` does the I/O around it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from contracts.errors import PipelineError

Datum = dict[str, Any]


class StageRejection(PipelineError):
    """The stage cannot handle this input by design; it goes to the dead-letter topic."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Emit:
    """One output event: topic, schema name, datum; keyed by the datum's session_id unless ``key``
    is given, and partitioned by the key unless ``partition`` is."""

    topic: str
    schema: str
    datum: Datum
    key: str | None = None
    partition: int | None = None

    def key_bytes(self) -> bytes:
        return (self.key if self.key is not None else str(self.datum["session_id"])).encode()


@dataclass
class StageResult:
    """Emits plus an action to run only after every emit is acknowledged by the broker."""

    emits: list[Emit]
    on_delivered: Callable[[], None] | None = None
