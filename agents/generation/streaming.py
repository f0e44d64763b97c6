"""The generation stage with an LLM: the grounded draft first, then the engine phrases it,
streaming checked sentences to ``cs.reply.chunks.draft.v1`` as they are written.

Some turns are never phrased by a model: held high-risk operations, card emergencies and
transfers to a human have fixed, reviewed wording.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from agents.audit import audit_record
from agents.compliance.logic import RISK_DISCLOSURE
from agents.generation.llm_reply import build_prompt, sources_of, unnamed_products, write_reply
from engines.llm import GenerationParams, LLMEngine, make_engine
from streams.settings import LlmSettings
from streams.stage import Emit
from streams.topics import AUDIT, REPLY_CHUNKS_DRAFT, REPLY_DRAFT
from streams.tracing import headers_from_context

FIXED_WORDING = frozenset({"human_agent", "card_security", "risk_assessment"})


def engine_from(settings: LlmSettings) -> LLMEngine | None:
    if settings.backend == "none":
        return None
    if settings.backend == "openai":
        if not settings.base_url:
            raise ValueError("CS_LLM__BASE_URL is required for the openai backend")
        return make_engine("openai", base_url=settings.base_url, model=settings.model or "default", api=settings.api,
                           api_key=settings.api_key.get_secret_value() or None)
    if not settings.model:
        raise ValueError(f"CS_LLM__MODEL (a local model directory) is required for the {settings.backend} backend")
    if settings.backend == "transformers":
        return make_engine("transformers", model_dir=settings.model, device=settings.device, threads=1)
    return make_engine("tensorrt_llm", model=settings.model)


class LlmDrafter:
    """Turns a grounded DraftReply into an LLM-phrased one, publishing sentences while it streams."""

    def __init__(self, engine: LLMEngine, settings: LlmSettings, publish: Callable[[Emit], Awaitable[None]],
                 product_names: list[str] = ()) -> None:
        self.engine, self.settings, self.publish = engine, settings, publish
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

        trace_headers = {k: v.decode() for k, v in headers_from_context()}
        outcome = await write_reply(
            self.engine, build_prompt(context, grounded, tools, self.settings.prompt_style), grounded,
            sources_of(context, grounded, tools), self.params, request_id=f"{draft['session_id']}/{draft['turn_id']}/"
            f"{uuid.uuid4().hex[:8]}", trace_headers=trace_headers, first_chunk_s=self.settings.first_chunk_s,
            total_s=self.settings.total_s, release=release,
            forbidden=unnamed_products(self.product_names, grounded))
        text = outcome.text
        if RISK_DISCLOSURE in grounded and RISK_DISCLOSURE not in text:
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
