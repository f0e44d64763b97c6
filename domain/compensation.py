"""Complaint handling policy (投诉分级): who gets an automatic goodwill offer (L1) and who an expert
seat (L2), and what the bot may offer on its own."""
from __future__ import annotations

from typing import Any

NEGATIVE = ("negative", "angry")
# L1 compensation the bot may offer on its own; anything larger is a human's decision.
L1_OFFER = "为表歉意，我们可为您减免一次相关手续费（最高200元）或赠送2,000积分，回复“接受”即可为您办理。"


def complaint_tier(reply: dict[str, Any]) -> str | None:
    """L2 (expert seat) for anger or a repeated complaint, L1 (automatic offer) for a displeased one."""
    if reply["intent"] != "complaint":
        return None
    emotion = reply.get("emotion", "neutral")
    repeated = sum(e in NEGATIVE for e in reply.get("emotion_trajectory", [])) >= 2
    if emotion == "angry" or (emotion == "negative" and repeated):
        return "L2"
    if emotion == "negative":
        return "L1"
    return None
