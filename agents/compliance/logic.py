"""Compliance stage: banned phrases and claims (static layer) and PII; pass, rewrite or block.

Every decision leaves an AuditRecord with rule, span and severity. The dynamic layer
(``dynamic.py``) checks products, rates, fees and credit claims against the graph and the bureau.
"""
from __future__ import annotations

import json
from typing import Any, Protocol

from agents.compliance.dynamic import dynamic_findings
from agents.compliance.lexicon import Hit, Lexicon, LexiconEntry
from agents.compliance.pii import mask_pii
from agents.compliance.rate_claims import rate_claims
from contracts.records import audit_record, carry
from contracts.stage import Emit
from contracts.topics import AUDIT, REPLY_CHECKED
from domain.disclosures import with_risk_disclosure
from domain.text import sentence_spans
from engines.bureau import CreditBureau

BLOCKED_REPLY = "抱歉，这个问题需要由人工客服为您处理，正在为您转接。"
MODEL_RULE = "合规模型：疑似违规营销或违规操作表述（已移除，留待人工复核）"


def text_draft(text: str, *, session_id: str, turn_id: int, composer: str, received_at_ms: int = 0,
               intent: str = "other") -> dict[str, Any]:
    """A DraftReply around text that did not come from generation (an agent's reply, an evaluation line)."""
    return {"session_id": session_id, "turn_id": turn_id, "customer_id": None, "channel": "web",
            "received_at_ms": received_at_ms, "intent": intent, "confidence": 1.0, "text": text,
            "composer": composer, "source_ids": [], "tool_results": {}, "slots": {}, "emotion": "neutral",
            "emotion_trajectory": [], "needs_clarification": False, "review_op": None, "proactive": False}


class ViolationModel(Protocol):
    """Probability that each sentence, read alone, breaks the rules."""

    def violation_probabilities(self, sentences: list[str]) -> list[float]: ...


def assess(text: str, lexicon: Lexicon, model: ViolationModel | None = None, threshold: float = 0.5) -> list[Hit]:
    """Lexicon hits, loan-cost claims read from figures, and, when a model is given, the sentences
    it holds responsible.

    The model judges what remains after lexicon hits are removed, as a whole (the form it was
    trained on); while that still reads as a violation, the sentence it scores highest goes.
    Short factual sentences are thus never judged alone, out of their context.
    """
    hits = lexicon.scan(text) + rate_claims(text)
    if model is None:
        return hits
    spans = [sp for sp in sentence_spans(text) if not any(h.start < sp[1] and h.end > sp[0] for h in hits)]
    while spans:
        remaining = "".join(text[a:b] for a, b in spans)
        if model.violation_probabilities([remaining])[0] < threshold:
            break
        probs = model.violation_probabilities([text[a:b] for a, b in spans])
        worst = max(range(len(spans)), key=lambda i: probs[i])
        a, b = spans.pop(worst)
        hits.append(Hit(LexiconEntry(text[a:b].strip()[:24], "model_violation", "rewrite", MODEL_RULE), a, b))
    return hits


def rewrite(text: str, hits: list[Hit]) -> str:
    """Drop every sentence that holds a hit, then add the standard disclosure."""
    kept = [text[a:b] for a, b in sentence_spans(text) if not any(h.start < b and h.end > a for h in hits)]
    body = "".join(kept).strip()
    return with_risk_disclosure(body + ("" if body.endswith(("。", "！", "？")) or not body else "。"))


def review(draft: dict[str, Any], lexicon: Lexicon, now_ms: int, model: ViolationModel | None = None,
           threshold: float = 0.5, products: dict[str, dict[str, Any] | None] | None = None,
           bureau: CreditBureau | None = None) -> list[Emit]:
    """Decide on one draft. ``products`` maps the product ids the draft cites to their graph nodes
    (None when unknown); given, the dynamic layer checks existence, sale status, rates, fees and
    suitability, and with a ``bureau`` any approval or amount the draft promises the customer."""
    hits = assess(draft["text"], lexicon, model, threshold)
    if products is not None:
        hits += dynamic_findings(draft["text"], draft.get("source_ids", []), products,
                                 draft.get("slots", {}).get("customer_risk"),
                                 customer_id=draft.get("customer_id"), bureau=bureau)
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
                "source_ids", "review_op", "proactive", "effect_id"),
        "text": text, "status": status, "handoff": False, "compliance_flags": flags, "replied_at_ms": now_ms,
    }
    detail = {
        "status": status, "composer": draft["composer"], "pii_masked": ",".join(f.kind for f in pii),
        "hits": json.dumps([{"phrase": h.entry.phrase, "category": h.entry.category, "severity": h.entry.severity,
                             "rule": h.entry.rule, "span": [h.start, h.end]} for h in hits], ensure_ascii=False),
    }
    audit = audit_record("compliance", draft["session_id"], draft["turn_id"], f"compliance.{status}", detail, now_ms)
    return [Emit(REPLY_CHECKED, "Reply", reply), Emit(AUDIT, "AuditRecord", audit)]
