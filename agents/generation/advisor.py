"""Proactive wealth advice: asset diagnosis on request, and rebalancing advice when the market moves.

The generation stage remembers which sessions talked about wealth with a known customer id
(``watch_entry``, kept in its ``wealth_watch`` table). A market event large enough to matter
(``portfolio.rebalance``'s threshold) becomes one advice draft per watched session whose
holdings deviate from the target allocation of the customer's level; it goes through compliance
and escalation like any reply, marked ``proactive``: escalation sends it at most once per
(session, turn id), never into a session a human owns, and without moving the session's
replied-turn watermark (a customer turn in flight is still answered). Its turn id is the event
time (or just after the session's last turn), so every worker computes the same one.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from contracts.stage import Emit
from contracts.topics import REPLY_DRAFT
from domain.portfolio import diagnose, rebalance, render_diagnosis, render_rebalance
from domain.risk import DEFAULT_LEVEL
from engines.holdings import HoldingsSource

WEALTH_TOPICS = frozenset({"wealth_inquiry", "wealth_calc", "risk_assessment"})
DIAGNOSIS_CUE = re.compile(r"持仓|资产诊断|诊断一下|我的资产|资产配置|配置得?怎么样|仓位")


def watch_entry(context: dict[str, Any]) -> dict[str, Any] | None:
    """What to remember about a session for market advice, or None when it is not a wealth conversation."""
    if not context.get("customer_id"):
        return None
    if context["intent"] not in WEALTH_TOPICS and context.get("active_task") not in WEALTH_TOPICS:
        return None
    return {"customer_id": context["customer_id"], "channel": context.get("channel", "web"),
            "customer_risk": context.get("slots", {}).get("customer_risk", DEFAULT_LEVEL),
            "turn_id": context["turn_id"]}


def wants_diagnosis(context: dict[str, Any]) -> bool:
    return bool(context.get("customer_id")) and context["intent"] in WEALTH_TOPICS and bool(
        DIAGNOSIS_CUE.search(context["text"]))


def diagnosis_text(customer_id: str, level: str, holdings: HoldingsSource,
                   catalogue: list[dict[str, Any]]) -> tuple[str, dict[str, str]]:
    """The customer's asset diagnosis and the figures it states."""
    diagnosis = diagnose(holdings.holdings(customer_id), level, catalogue)
    tools = {"total": str(diagnosis.total),
             **{f"share_{a.key}": str(a.share_pct) for a in diagnosis.by_risk},
             **{f"amount_{a.key}": str(a.amount) for a in diagnosis.by_risk}}
    return render_diagnosis(diagnosis), tools


def advice_drafts(event: dict[str, Any], watched: Iterable[tuple[str, dict[str, Any]]], holdings: HoldingsSource,
                  catalogue: list[dict[str, Any]]) -> list[Emit]:
    """One rebalancing DraftReply per watched session that needs one."""
    move = {"index": event["index"], "change_pct": Decimal(str(event["change_pct"]))}
    drafts = []
    for session, entry in watched:
        level = entry["customer_risk"]
        advice = rebalance(holdings.holdings(entry["customer_id"]), level, move, catalogue)
        if not advice.triggered or not advice.moves:
            continue
        tools = {"change_pct": str(move["change_pct"]), "base": str(advice.base),
                 **{f"{m.risk_level}_{k}": str(getattr(m, k)) for m in advice.moves
                    for k in ("current", "target", "change")}}
        drafts.append(Emit(REPLY_DRAFT, "DraftReply", {
            "session_id": session, "turn_id": max(int(event["at_ms"]), int(entry["turn_id"]) + 1),
            "customer_id": entry["customer_id"], "channel": entry["channel"], "received_at_ms": int(event["at_ms"]),
            "intent": "wealth_inquiry", "confidence": 1.0, "text": render_rebalance(advice), "composer": "advisor",
            "source_ids": sorted({c.product_id for m in advice.moves for c in m.candidates}), "tool_results": tools,
            "slots": {"customer_risk": level}, "emotion": "neutral", "emotion_trajectory": [],
            "needs_clarification": False, "review_op": None, "proactive": True,
        }))
    return drafts
