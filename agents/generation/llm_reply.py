"""An LLM phrases the reply; the grounded composer's answer is its material and its fallback.

The engine streams; text leaves in whole sentences, each checked first: every figure in it must
come from the tool results, the Context facts, the grounded answer or the customer's words
(``numbers.unverified``), and it may name no product the grounded answer does not name — the
grounded answer names only products suitable for the customer, so no backend can offer an R3
product to a C2 customer. A sentence that fails stops the engine and the grounded answer is used
instead (reason ``numbers`` or ``products``); so do an engine error, a missed first-chunk or total deadline
(``FallbackEngine``) and an empty answer. Sentences already released stay correct — they were
checked — and the turn's final reply, which the edges show in place of the streamed preview, is
the grounded text.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agents.generation.flows import short_name
from agents.generation.numbers import grounded_values, unverified_against
from domain.text import complete_sentences
from engines.llm import GenerationParams, LLMEngine
from engines.llm.fallback import FallbackEngine, FallbackText


@dataclass
class LlmOutcome:
    text: str
    composer: str                  # the engine's name, or "grounded" after a fallback
    fallback: str | None = None    # error | first_chunk_deadline | total_deadline | numbers | products | empty
    unverified: list[str] = field(default_factory=list)  # the figures (or product names) that failed
    sentences: int = 0             # released while streaming


def build_prompt(context: dict[str, Any], grounded: str, tools: Mapping[str, str], style: str = "instruct") -> str:
    """``plain``: the customer's words and a newline (small completion models trained on Q/A lines);
    ``instruct``: rules, facts, exact tool results and the reference answer to rephrase."""
    if style == "plain":
        return f"{context['text']}\n"
    facts = "\n".join(f"- [{f['source_id']}] {f['content']}" for f in context.get("facts", [])[:4]) or "- （无）"
    results = "\n".join(f"- {k}: {v}" for k, v in sorted(tools.items())) or "- （无）"
    return (
        "你是银行的智能客服。请用简洁、礼貌的中文回答客户。只能使用下面给出的事实和计算结果中的数字，"
        "不得编造产品、利率、费用或金额；不得承诺保本、收益或审批结果。\n"
        f"事实：\n{facts}\n计算结果：\n{results}\n参考答复：{grounded}\n客户：{context['text']}\n客服："
    )


def sources_of(context: dict[str, Any], grounded: str, tools: Mapping[str, str]) -> list[str]:
    """Everything a figure in the reply may come from: never the customer's own words (the grounded
    answer restates the customer's figures where a calculation uses them)."""
    return [grounded, *tools.values(), *(f["content"] for f in context.get("facts", []))]


def unnamed_products(names: list[str], grounded: str) -> list[str]:
    """Product names (full and without the brand prefix) that the grounded answer does not mention."""
    short = [(name, short_name({"name": name})) for name in names]
    return sorted({n for name, bare in short if name not in grounded and bare not in grounded for n in (name, bare)
                   if len(n) >= 3}, key=len, reverse=True)


async def write_reply(engine: LLMEngine, prompt: str, grounded: str, sources: list[str], params: GenerationParams, *,
                      request_id: str, trace_headers: Mapping[str, str] | None, first_chunk_s: float, total_s: float,
                      release: Callable[[str], Awaitable[None]], forbidden: list[str] = ()) -> LlmOutcome:
    """Stream ``engine`` under deadlines, releasing checked sentences; the outcome says what to send."""
    chain = FallbackEngine(engine, lambda _prompt: grounded, first_chunk_s=first_chunk_s, total_s=total_s)
    stream = chain.generate(prompt, params, request_id=request_id, trace_headers=trace_headers)
    kept: list[str] = []
    buffer = ""
    known = grounded_values(sources)

    async def settle(sentence: str) -> LlmOutcome | None:
        named = [name for name in forbidden if name in sentence]
        if named:  # checked first: a product name's own figures ("180天") are not the problem
            return LlmOutcome(grounded, "grounded", "products", named[:3], len(kept))
        bad = unverified_against(sentence, known)
        if bad:
            return LlmOutcome(grounded, "grounded", "numbers", bad, len(kept))
        if sentence.strip():
            kept.append(sentence)
            await release(sentence)
        return None

    try:
        async for chunk in stream:
            if isinstance(chunk, FallbackText):
                return LlmOutcome(grounded, "grounded", chunk.reason, sentences=len(kept))
            sentences, buffer = complete_sentences(buffer + chunk)
            for sentence in sentences:
                failed = await settle(sentence)
                if failed:
                    await engine.abort(request_id)
                    return failed
        failed = await settle(buffer)
        if failed:
            return failed
    finally:
        await stream.aclose()
    text = "".join(kept).strip()
    if not text:
        return LlmOutcome(grounded, "grounded", "empty")
    return LlmOutcome(text, engine.name, sentences=len(kept))
