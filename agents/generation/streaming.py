"""The generation stage with an LLM: the grounded draft first, then the engine phrases it,
streaming checked sentences to ``cs.reply.chunks.draft.v1`` as they are written.

Some turns are never phrased by a model: held high-risk operations, card emergencies and
transfers to a human have fixed, reviewed wording.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from agents.generation.llm_reply import build_prompt, sources_of, unnamed_products, write_reply
from contracts.records import audit_record
from contracts.stage import Emit
from contracts.topics import AUDIT, REPLY_CHUNKS_DRAFT, REPLY_DRAFT
from domain.disclosures import RISK_DISCLOSURE, has_risk_disclosure
from engines.llm import GenerationParams, LLMEngine

FIXED_WORDING = frozenset({"human_agent", "card_security", "risk_assessment"})


@dataclass(frozen=True)
class DraftOptions:
    """How the engine phrases a draft (from the LLM settings, which the agent reads)."""

    max_new_tokens: int = 160
    temperature: float = 0.0
    prompt_style: str = "instruct"
    first_chunk_s: float = 2.0
    total_s: float = 20.0


class LlmDrafter:
    """Turns a grounded DraftReply into an LLM-phrased one, publishing sentences while it streams."""

    def __init__(self, engine: LLMEngine, settings: DraftOptions, publish: Callable[[Emit], Awaitable[None]],
                 product_names: list[str] = (), trace_headers: Callable[[], dict[str, str]] = dict) -> None:
        self.engine, self.settings, self.publish, self.trace_headers = engine, settings, publish, trace_headers
        self.product_names = list(product_names)  # the catalogue's, so the model cannot name others
        self.params = GenerationParams(max_new_tokens=settings.max_new_tokens, temperature=settings.temperature,
                                       stop=("\n客户：", "\n\n") if settings.prompt_style == "instruct" else ("\n",))

    @staticmethod
    def eligible(context: dict[str, Any], draft: dict[str, Any]) -> bool:
        """Fixed, reviewed wording stays as it is: held operations, emergencies, transfers to a human,
        and the risk questionnaire, whose questions and options are regulated and scored as written."""
        questionnaire = context.get("flow") or "questionnaire" in " ".join(draft.get("tool_results", {}))
        return (not draft.get("review_op") and draft["intent"] not in FIXED_WORDING and not questionnaire
                and context.get("active_task") != "risk_assessment")

    async def __call__(self, context: dict[str, Any], emits: list[Emit]) -> list[Emit]:
        at = next((i for i, e in enumerate(emits) if e.topic == REPLY_DRAFT), None)
        if at is None or not self.eligible(context, emits[at].datum):
            return emits
        draft = emits[at].datum
        # The model sees only the products the grounded answer rests on (those passed suitability)
        # and the FAQ passages; other product facts of the Context are not its material.
        cited = set(draft.get("source_ids", []))
        context = {**context, "facts": [f for f in context.get("facts", [])
                                        if f.get("kind") != "product" or f["source_id"] in cited]}
        grounded, tools = draft["text"], draft.get("tool_results", {})
        seq = 0

        async def release(sentence: str, final: bool = False) -> None:
            nonlocal seq
            await self.publish(Emit(REPLY_CHUNKS_DRAFT, "ReplyChunk", {
                "session_id": draft["session_id"], "turn_id": draft["turn_id"], "seq": seq, "text": sentence,
                "composer": self.engine.name, "final": final, "created_at_ms": int(time.time() * 1000)}))
            seq += 1

        trace_headers = self.trace_headers()
        outcome = await write_reply(
            self.engine, build_prompt(context, grounded, tools, self.settings.prompt_style), grounded,
            sources_of(context, grounded, tools), self.params, request_id=f"{draft['session_id']}/{draft['turn_id']}/"
            f"{uuid.uuid4().hex[:8]}", trace_headers=trace_headers, first_chunk_s=self.settings.first_chunk_s,
            total_s=self.settings.total_s, release=release,
            forbidden=unnamed_products(self.product_names, grounded))
        text = outcome.text
        if has_risk_disclosure(grounded) and not has_risk_disclosure(text):
            text += RISK_DISCLOSURE
            if outcome.fallback is None:
                await release(RISK_DISCLOSURE)
        await release("", final=True)
        out = [Emit(REPLY_DRAFT, "DraftReply", {**draft, "text": text, "composer": outcome.composer})]
        if outcome.fallback:
            # Every fallback is evidence: a number the model invented is counted (metrics read it).
            out.append(Emit(AUDIT, "AuditRecord", audit_record(
                "generation", draft["session_id"], draft["turn_id"], f"generation.fallback.{outcome.fallback}",
                {"engine": self.engine.name, "unverified": ",".join(outcome.unverified),
                 "sentences_streamed": str(outcome.sentences)}, int(time.time() * 1000))))
        return [*emits[:at], *out, *emits[at + 1:]]
