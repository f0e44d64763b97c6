"""Compliance stage: banned phrases and claims (static layer) and PII; pass, rewrite or block.

Every decision leaves an AuditRecord with rule, span and severity. Dynamic checks against the
knowledge graph arrive with the knowledge issue.
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from agents.compliance.lexicon import Hit, Lexicon
from agents.compliance.pii import mask_pii
from agents.turn import carry
from streams.stage import Emit
from streams.topics import AUDIT, REPLY_CHECKED

RISK_DISCLOSURE = "理财非存款，产品有风险，投资须谨慎。"
BLOCKED_REPLY = "抱歉，这个问题需要由人工客服为您处理，正在为您转接。"
SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]?")
def rewrite(text: str, hits: list[Hit]) -> str:
    """Drop every sentence that holds a hit, then add the standard disclosure."""
    kept = [s.group(0) for s in SENTENCE.finditer(text)
            if not any(h.start < s.end() and h.end > s.start() for h in hits)]
    body = "".join(kept).strip()
    return (body + ("" if body.endswith(("。", "！", "？")) or not body else "。") + RISK_DISCLOSURE)


def review(draft: dict[str, Any], lexicon: Lexicon, now_ms: int) -> list[Emit]:
    hits = lexicon.scan(draft["text"])
    if any(h.entry.severity == "block" for h in hits):
        status, text = "blocked", BLOCKED_REPLY
    elif hits:
        status, text = "rewritten", rewrite(draft["text"], hits)
    else:
        status, text = "approved", draft["text"]
    text, pii = mask_pii(text)
    if pii and status == "approved":
        status = "rewritten"
    flags = sorted({f"{h.entry.category}:{h.entry.phrase}" for h in hits} | {f"pii_masked:{f.kind}" for f in pii})
    reply = {
        **carry(draft, "intent", "confidence", "slots", "emotion", "emotion_trajectory", "needs_clarification",
                "source_ids"),
        "text": text, "status": status, "handoff": False, "compliance_flags": flags, "replied_at_ms": now_ms,
    }
    detail = {
        "status": status, "composer": draft["composer"], "pii_masked": ",".join(f.kind for f in pii),
        "hits": json.dumps([{"phrase": h.entry.phrase, "category": h.entry.category, "severity": h.entry.severity,
                             "rule": h.entry.rule, "span": [h.start, h.end]} for h in hits], ensure_ascii=False),
    }
    audit = {"stage": "compliance", "session_id": draft["session_id"], "turn_id": draft["turn_id"],
             "action": f"compliance.{status}", "detail": detail, "prev_hash": None, "ts_ms": now_ms}
    audit["record_id"] = hashlib.sha256(json.dumps(audit, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return [Emit(REPLY_CHECKED, "Reply", reply), Emit(AUDIT, "AuditRecord", audit)]
