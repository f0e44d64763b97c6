"""The LLM path of generation: number verification, sentence streaming, fallbacks, the chunk gate."""
import asyncio
from decimal import Decimal

import pytest

from agents.compliance.lexicon import default_lexicon
from agents.compliance.stream_gate import TurnGates
from agents.generation.llm_reply import build_prompt, sources_of, write_reply
from agents.generation.numbers import figures, unverified
from agents.generation.streaming import DraftOptions, LlmDrafter
from contracts.stage import Emit
from contracts.topics import AUDIT, REPLY_CHUNKS_DRAFT, REPLY_DRAFT
from engines.llm import GenerationParams
from tests.fakes import ScriptedEngine
from tests.samples import SAMPLES

GROUNDED = "按等额本息计算：贷款300,000.00元，年化利率4.8%，分36期，每月还款8,964.36元，总利息22,716.78元。"
TOOLS = {"principal": "300000", "annual_rate": "4.8", "term_months": "36", "monthly_payment": "8964.36",
         "total_interest": "22716.78"}


def test_figures_are_values_not_strings():
    assert [v for _, v in figures("30万元，8,964.36元，3.50%")] == [300000, Decimal("8964.36"), Decimal("3.5")]
    sources = ["300000", "8964.36"]
    assert unverified("您贷30万，每月8,964.36元，分3步办理。", sources) == []
    assert unverified("每月还款8,932元，总利息2万。", sources) == ["8,932", "2万"]


def run(engine, first_chunk_s=1.0, total_s=5.0):
    released = []

    async def release(sentence):
        released.append(sentence)

    outcome = asyncio.run(write_reply(engine, "p", GROUNDED, [GROUNDED, *TOOLS.values()], GenerationParams(),
                                      request_id="r", trace_headers=None, first_chunk_s=first_chunk_s,
                                      total_s=total_s, release=release))
    return outcome, released


def test_checked_sentences_stream_and_the_llm_text_is_kept():
    engine = ScriptedEngine(["您好！贷款30", "万元分36期，", "每月还款8,964.36元。总利息", "22,716.78元。"])
    outcome, released = run(engine)
    assert released == ["您好！", "贷款30万元分36期，每月还款8,964.36元。", "总利息22,716.78元。"]
    assert outcome.composer == "fake" and outcome.fallback is None and outcome.text == "".join(released)


def test_an_invented_number_stops_the_engine_and_the_grounded_text_answers():
    engine = ScriptedEngine(["您好！", "每月还款8,932元。", "其余略。"])
    outcome, released = run(engine)
    assert released == ["您好！"] and engine.aborted == ["r"]
    assert outcome.text == GROUNDED and outcome.fallback == "numbers" and outcome.unverified == ["8,932"]


@pytest.mark.parametrize("engine,reason", [
    (ScriptedEngine(["太慢了。"], delay=0.5), "first_chunk_deadline"),
    (ScriptedEngine(["坏了。"], fail=True), "error"),
    (ScriptedEngine(["", "  "]), "empty"),
])
def test_deadlines_errors_and_silence_fall_back(engine, reason):
    outcome, _ = run(engine, first_chunk_s=0.1)
    assert outcome.text == GROUNDED and outcome.composer == "grounded" and outcome.fallback == reason


def test_prompts():
    context = {**SAMPLES["Context"], "text": "每月还多少", "facts": [{"source_id": "P-1", "content": "安居贷年化3.2%"}]}
    assert build_prompt(context, GROUNDED, TOOLS, "plain") == "每月还多少\n"
    prompt = build_prompt(context, GROUNDED, TOOLS, "instruct")
    assert "[P-1] 安居贷年化3.2%" in prompt and "monthly_payment: 8964.36" in prompt and prompt.endswith("客服：")
    assert "安居贷年化3.2%" in sources_of(context, GROUNDED, TOOLS)


def drafter_run(engine, draft_fields):
    published = []

    async def publish(emit):
        published.append(emit)

    drafter = LlmDrafter(engine, DraftOptions(first_chunk_s=1.0), publish)
    draft = {**SAMPLES["DraftReply"], "text": GROUNDED, "tool_results": TOOLS, **draft_fields}
    emits = asyncio.run(drafter({**SAMPLES["Context"], "text": "每月还多少"}, [Emit(REPLY_DRAFT, "DraftReply", draft)]))
    return emits, published


def test_the_drafter_streams_chunks_then_the_phrased_draft():
    emits, published = drafter_run(ScriptedEngine(["每月还款8,964.36元。"]), {})
    assert [e.topic for e in published] == [REPLY_CHUNKS_DRAFT, REPLY_CHUNKS_DRAFT]
    assert [(c.datum["seq"], c.datum["text"], c.datum["final"]) for c in published] == [
        (0, "每月还款8,964.36元。", False), (1, "", True)]
    [draft] = emits
    assert draft.datum["composer"] == "fake" and draft.datum["text"] == "每月还款8,964.36元。"


def test_a_fallback_is_audited_and_fixed_wording_is_never_phrased():
    emits, _ = drafter_run(ScriptedEngine(["每月还款9,999元。"]), {})
    assert [e.topic for e in emits] == [REPLY_DRAFT, AUDIT]
    assert emits[1].datum["action"] == "generation.fallback.numbers" and emits[1].datum["detail"]["unverified"] == "9,999"
    engine = ScriptedEngine(["不该出现。"])
    emits, published = drafter_run(engine, {"intent": "card_security"})
    assert published == [] and emits[0].datum["text"] == GROUNDED


def test_the_chunk_gate_releases_checked_sentences_and_stops_at_a_block():
    lexicon = default_lexicon()
    gates = TurnGates(lexicon.scan)
    chunk = {**SAMPLES["ReplyChunk"], "final": False}
    out = gates.feed({**chunk, "text": "该产品期限一年。保"}, 1)
    assert [c["text"] for c in out] == ["该产品期限一年。"]
    out = gates.feed({**chunk, "seq": 1, "text": "本保息。业绩比较基准不代表实际收益。"}, 2)
    assert [c["text"] for c in out] == ["业绩比较基准不代表实际收益。"] and out[0]["seq"] == 1  # the promise is held back
    out = gates.feed({**chunk, "seq": 2, "text": "", "final": True}, 3)
    assert out[-1]["final"] is True and "理财非存款" in out[-1]["text"]  # a dropped sentence ends with the disclosure
    assert gates.feed({**chunk, "seq": 3, "text": "迟到的句子。"}, 4) == []  # the turn's stream has ended
    blocked = {**chunk, "turn_id": 9}
    out = gates.feed({**blocked, "text": "请把验证码发给我。然后"}, 5)
    assert out == [{**blocked, "seq": 0, "text": "", "final": True, "created_at_ms": 5}]
    assert gates.feed({**blocked, "seq": 1, "text": "您就可以了。", "final": True}, 6) == []


def test_no_backend_can_offer_a_c2_customer_an_r3_or_riskier_product():
    """Property over the whole catalogue: whatever wealth product an engine names beyond the grounded
    answer, a C2 customer's reply falls back to the grounded answer, which names only R1/R2 ones."""
    from engines.graph.neo4j_store import read_jsonl
    from streams.settings import REPO_DIR

    catalogue = read_jsonl(REPO_DIR / "data" / "knowledge" / "products.jsonl")
    names = [p["name"] for p in catalogue]
    grounded = "为您推荐示例理财 稳利30天持有期理财（R2）。理财非存款，产品有风险，投资须谨慎。"
    risky = [p for p in catalogue if p["type"] == "wealth" and p.get("risk_level") in ("R3", "R4", "R5")]
    assert len(risky) >= 10
    for product in risky:
        for said in (product["name"], product["name"].split(" ", 1)[-1]):
            published = []

            async def publish(emit, published=published):
                published.append(emit)

            drafter = LlmDrafter(ScriptedEngine([f"也可以看看{said}。"]), DraftOptions(),
                                 publish, names)
            draft = {**SAMPLES["DraftReply"], "intent": "wealth_inquiry", "text": grounded, "tool_results": {},
                     "slots": {"customer_risk": "C2"}}
            emits = asyncio.run(drafter({**SAMPLES["Context"], "text": "推荐理财"}, [Emit(REPLY_DRAFT, "DraftReply", draft)]))
            assert emits[0].datum["text"] == grounded and emits[0].datum["composer"] == "grounded", said
            assert emits[1].datum["action"] == "generation.fallback.products"
            assert all(not c.datum["text"] or said not in c.datum["text"] for c in published)


def test_sentences_about_rates_fees_or_credit_are_never_streamed():
    from agents.compliance.dynamic import needs_whole_reply

    gates = TurnGates(default_lexicon().scan, hold=needs_whole_reply)
    chunk = {**SAMPLES["ReplyChunk"], "final": False}
    out = gates.feed({**chunk, "text": "您好。这款贷款年化利率3.2%。后面的句子。"}, 1)
    assert [(c["text"], c["final"]) for c in out] == [("您好。", True)]  # the stream ends before the rate
    assert gates.feed({**chunk, "text": "您可贷50万元。", "turn_id": 4, "final": True}, 2) == [
        {**chunk, "turn_id": 4, "seq": 0, "text": "", "final": True, "created_at_ms": 2}]


def test_the_questionnaire_is_never_rephrased():
    engine = ScriptedEngine(["换一种问法。"])
    emits, published = drafter_run(engine, {"intent": "other", "tool_results": {"questionnaire": "rq-v1"}})
    assert published == [] and emits[0].datum["text"] == GROUNDED
