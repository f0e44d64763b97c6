"""Fields every turn-scoped event carries forward unchanged."""
from __future__ import annotations

from typing import Any

TURN_FIELDS = ("session_id", "turn_id", "customer_id", "channel", "received_at_ms")


def carry(datum: dict[str, Any], *extra: str) -> dict[str, Any]:
    """The turn identity (and ``extra`` fields) copied from the upstream event."""
    return {k: datum[k] for k in (*TURN_FIELDS, *extra) if k in datum}
