"""The DeadLetter record: what could not be processed, where it came from, and why."""
from __future__ import annotations

import time
from typing import Any


def dead_letter(source_topic: str, partition: int, offset: int, reason: str, detail: str, stage: str,
                key: bytes | None, payload: bytes | None) -> dict[str, Any]:
    return {"source_topic": source_topic, "partition": partition, "offset": offset, "reason": reason,
            "error": detail[:2000], "stage": stage, "key": key, "payload": payload or b"",
            "payload_size": len(payload or b""), "ts_ms": int(time.time() * 1000)}
