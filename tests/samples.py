"""Valid example datums for every event schema, shared by unit and integration tests."""
from __future__ import annotations

from typing import Any

TURN = {"session_id": "s-1", "turn_id": 3, "customer_id": "c-9", "channel": "web", "received_at_ms": 1_700_000_000_000}


def utterance(text: str | None = "我想贷款", **over: Any) -> dict[str, Any]:
    return {**TURN, "text": text, "audio_ref": None, "audio_format": None, "locale": "zh-CN", **over}


SAMPLES: dict[str, dict[str, Any]] = {
    "UtteranceIn": utterance(),
    "Transcript": {**TURN, "text": "我想贷款", "asr_confidence": 1.0, "source": "text", "is_final": True},
    "Understanding": {**TURN, "text": "贷30万", "intent": "loan_inquiry", "confidence": 0.7,
                      "slots": {"amount": "300000"}, "emotion": "neutral", "needs_clarification": False,
                      "engine": "keyword", "embedding": b"\x00\x00\x80\x3f" * 4},
    "DialogueState": {**TURN, "text": "贷30万", "intent": "loan_inquiry", "confidence": 0.7,
                      "slots": {"amount": "300000"}, "turn_slots": {"amount": "300000"},
                      "active_task": "loan_inquiry", "turn_task": "loan_inquiry", "turn_count": 1,
                      "history": [{"turn_id": 3, "text": "贷30万", "intent": "loan_inquiry"}],
                      "emotion": "neutral", "emotion_trajectory": ["neutral"], "needs_clarification": False,
                      "flow": {"name": "risk_questionnaire", "version": "rq-v1", "answers": "AB", "retries": "0"},
                      "embedding": None},
    "Context": {**TURN, "text": "贷30万", "intent": "loan_inquiry", "confidence": 0.7, "slots": {},
                "active_task": None, "turn_task": None, "emotion": "neutral", "emotion_trajectory": [],
                "needs_clarification": False,
                "flow": {}, "facts": [{"source_id": "faq-1", "kind": "faq", "title": "t", "content": "c", "score": 1.0}]},
    "DraftReply": {**TURN, "intent": "loan_inquiry", "confidence": 0.7, "text": "您好", "composer": "grounded", "effect_id": None,
                   "source_ids": ["faq-1"], "tool_results": {}, "slots": {}, "emotion": "neutral",
                   "emotion_trajectory": [], "needs_clarification": False, "review_op": None,
                   "proactive": False},
    "Reply": {**TURN, "intent": "loan_inquiry", "text": "您好", "status": "approved", "handoff": False,
              "compliance_flags": [], "source_ids": [], "slots": {}, "confidence": 0.7, "emotion": "neutral",
              "emotion_trajectory": [], "needs_clarification": False, "review_op": None,
              "replied_at_ms": 1_700_000_000_500, "proactive": False, "effect_id": None},
    "Handoff": {**TURN, "reason": "explicit_request", "summary": "s", "intent": "human_agent", "slots": {},
                "emotion_trajectory": ["negative"], "compliance_flags": [], "created_at_ms": 1, "queue_position": None},
    "AuditRecord": {"record_id": "ab", "stage": "compliance", "session_id": "s-1", "turn_id": 3,
                    "action": "compliance.approved", "detail": {"status": "approved"}, "prev_hash": None,
                    "ts_ms": 1},
    "ReviewDecision": {"session_id": "s-1", "turn_id": 3, "decision": "approve", "reviewer_id": "r-7", "note": None,
                       "decided_at_ms": 1},
    "KnowledgeUpdate": {"update_id": "u-1", "kind": "rate_change", "product_id": "P-LOAN-001", "faq_id": None,
                        "payload": "{\"rate_min\": 3.1, \"rate_max\": 5.2}", "issued_at_ms": 1},
    "MarketEvent": {"event_id": "e-1", "index": "沪深300", "change_pct": -3.5, "at_ms": 1, "partition": None},
    "ReplyChunk": {"session_id": "s-1", "turn_id": 3, "seq": 0, "text": "您好，", "composer": "transformers",
                   "final": False, "created_at_ms": 1},
    "DeskQueue": {"session_id": "s-1", "turn_id": 3, "op": "enqueue", "reason": "complaint", "queued_at_ms": 1,
                  "agent_id": None, "at_ms": 1},
    "AgentMessage": {"message_id": "m-1", "session_id": "s-1", "agent_id": "a-9", "action": "reply", "text": "您好",
                     "sent_at_ms": 1},
    "DeadLetter": {"source_topic": "cs.utterance.in.v1", "partition": 0, "offset": 7, "reason": "undecodable",
                   "error": "x", "stage": "asr", "key": b"s-1", "payload": b"\x01\x02", "payload_size": 2,
                   "ts_ms": 1},
}
