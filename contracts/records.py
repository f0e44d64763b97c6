"""Record fields every stage shares: a turn's identity carried forward, and audit evidence."""
from __future__ import annotations

import hashlib
import json
from typing import Any

TURN_FIELDS = ("session_id", "turn_id", "customer_id", "channel", "received_at_ms")


def carry(datum: dict[str, Any], *extra: str) -> dict[str, Any]:
    """The turn identity (and ``extra`` fields) copied from the upstream event."""
    return {k: datum[k] for k in (*TURN_FIELDS, *extra) if k in datum}


def audit_record(stage: str, session_id: str, turn_id: int, action: str, detail: dict[str, str],
                 now_ms: int) -> dict[str, Any]:
    """An AuditRecord whose ``record_id`` is the sha256 of its content (chaining: audit issue)."""
    record: dict[str, Any] = {"stage": stage, "session_id": session_id, "turn_id": turn_id, "action": action,
                              "detail": detail, "prev_hash": None, "ts_ms": now_ms}
    record["record_id"] = hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return record
