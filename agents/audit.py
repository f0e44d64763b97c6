"""Audit evidence records, shared by every stage that takes a decision."""
from __future__ import annotations

import hashlib
import json
from typing import Any


def audit_record(stage: str, session_id: str, turn_id: int, action: str, detail: dict[str, str],
                 now_ms: int) -> dict[str, Any]:
    """An AuditRecord whose ``record_id`` is the sha256 of its content (chaining: audit issue)."""
    record: dict[str, Any] = {"stage": stage, "session_id": session_id, "turn_id": turn_id, "action": action,
                              "detail": detail, "prev_hash": None, "ts_ms": now_ms}
    record["record_id"] = hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return record
