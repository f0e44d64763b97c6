from decimal import Decimal

import pytest

from agents.asr.logic import transcribe
from agents.compliance.lexicon import Lexicon
from agents.compliance.logic import BLOCKED_REPLY, review
from agents.escalation.logic import finalise
from agents.generation.logic import compose
from agents.intent.logic import understand
from agents.intent.slots import extract_slots
from agents.state.logic import MEMORY_TURNS, advance
from contracts.stage import StageRejection
from contracts.topics import AUDIT, DIALOGUE_STATE, HANDOFF, REPLY_CHECKED, REPLY_OUT
from domain.disclosures import RISK_DISCLOSURE
from domain.repayment import equal_instalment
from engines.classifiers.keyword import KeywordIntentClassifier
from streams.settings import REPO_DIR
from tests.samples import SAMPLES, TURN, utterance

LEXICON = Lexicon.from_tsv(REPO_DIR / "data" / "compliance" / "lexicon.tsv")


def test_asr_passes_text_and_normalises_whitespace():
    [emit] = transcribe(utterance("  我想\n 贷款 "))
    assert emit.datum["text"] == "我想 贷款"
    assert emit.datum["source"] == "text" and emit.datum["turn_id"] == TURN["turn_id"]


@pytest.mark.parametrize("over,detail", [
    ({"text": None, "audio_ref": "s3://a.wav"}, "ASR engine"),
    ({"text": "   "}, "neither text nor audio"),
    ({"text": "贷" * 2001}, "exceeds"),
])
def test_asr_refuses_what_it_cannot_transcribe(over, detail):
    with pytest.raises(StageRejection) as err:
        transcribe(utterance(**over))
    assert err.value.reason == "unsupported_input" and detail in err.value.detail


@pytest.mark.parametrize("text,slots", [
    ("贷30万，年化4.8%，分3年", {"amount": "300000", "annual_rate": "4.8", "term_months": "36"}),
    ("50w 36期 装修用", {"amount": "500000", "term_months": "36", "loan_purpose": "装修"}),
    ("借5千块分六个月", {"amount": "5000", "term_months": "6"}),
    ("利率3.65，一年半", {"annual_rate": "3.65", "term_months": "18"}),
    ("做生意周转，卡尾号6789", {"loan_purpose": "经营", "card_last4": "6789"}),
    ("你好", {}),
])
def test_slots(text, slots):
    assert extract_slots(text) == slots


@pytest.mark.parametrize("text,intent", [
    ("我想申请装修贷款", "loan_inquiry"), ("等额本息每月还多少", "repayment_calc"),
    ("我的卡丢了快帮我挂失", "card_security"), ("给我转人工", "human_agent"),
    ("我要投诉你们", "complaint"), ("退保能退多少钱", "insurance"),
])
def test_keyword_intents(text, intent):
    [emit] = understand({**SAMPLES["Transcript"], "text": text}, KeywordIntentClassifier())
    assert emit.datum["intent"] == intent
    assert 0 < emit.datum["confidence"] <= 1


def test_unmatched_text_needs_clarification_but_a_bare_slot_does_not():
    clf = KeywordIntentClassifier()
    [vague] = understand({**SAMPLES["Transcript"], "text": "嗯那个东西"}, clf)
    [slot] = understand({**SAMPLES["Transcript"], "text": "30万吧"}, clf)
    assert vague.datum["needs_clarification"] and vague.datum["confidence"] == 0
    assert not slot.datum["needs_clarification"] and slot.datum["slots"] == {"amount": "300000"}


def nlu(turn, text, intent="other", slots=None, emotion="neutral"):
    return {**SAMPLES["Understanding"], "turn_id": turn, "text": text, "intent": intent,
            "slots": slots or {}, "emotion": emotion}


def test_state_accumulates_overrides_and_keeps_the_task():
    state, _ = advance(None, nlu(1, "我想贷款", "loan_inquiry"))
    state, _ = advance(state, nlu(2, "30万", slots={"amount": "300000"}))
    state, [emit] = advance(state, nlu(3, "不对，40万", slots={"amount": "400000", "term_months": "36"}))
    assert emit.topic == DIALOGUE_STATE
    assert state["slots"] == {"amount": "400000", "term_months": "36"}
    assert state["active_task"] == "loan_inquiry" and state["turn_count"] == 3


def test_state_is_idempotent_per_turn():
    first, [one] = advance(None, nlu(1, "我想贷款", "loan_inquiry"))
    state, [two] = advance(first, nlu(2, "30万", slots={"amount": "300000"}))
    again, [emit] = advance(state, nlu(2, "30万", slots={"amount": "300000"}))
    assert again is state and emit.datum == two.datum and state["turn_count"] == 2
    assert "_recent" not in emit.datum  # the replay memory never leaves the table
    # An older turn replayed (its output lost in a crash, the table already past it) re-emits its own
    # output unchanged and applies nothing.
    stale, [old] = advance(state, nlu(1, "我想贷款", "loan_inquiry"))
    assert stale is state and old.datum == one.datum


def test_replay_memory_is_bounded():
    state = None
    for turn in range(1, 12):
        state, _ = advance(state, nlu(turn, f"第{turn}句"))
    assert sorted(map(int, state["_recent"])) == [7, 8, 9, 10]
    assert advance(state, nlu(2, "第2句"))[1] == []  # too old to matter: escalation replied long ago


def test_state_remembers_twenty_turns():
    state = None
    for turn in range(1, 26):
        state, _ = advance(state, nlu(turn, f"第{turn}句"))
    assert len(state["history"]) == MEMORY_TURNS == 20
    assert state["history"][0]["turn_id"] == 6 and state["turn_count"] == 25


def test_repayment_matches_an_independent_schedule():
    plan = equal_instalment(Decimal(300000), Decimal("4.8"), 36)
    assert plan.monthly_payment == Decimal("8964.36")
    # Independent float computation of the annuity, to the fen.
    r = 0.048 / 12
    assert abs(float(plan.monthly_payment) - 300000 * r * (1 + r) ** 36 / ((1 + r) ** 36 - 1)) < 0.005
    # total interest by M·n − P with M unrounded; the schedule's own sum may differ by a fen or two
    assert abs(plan.total_payment - (plan.monthly_payment * 35 + plan.last_payment)) <= Decimal("0.05")
    assert plan.total_interest == Decimal("22716.79")
    assert equal_instalment(Decimal(1200), Decimal(0), 12).monthly_payment == Decimal("100.00")


def context(intent, slots, **over):
    return {**SAMPLES["Context"], "intent": intent, "slots": slots, "facts": [], **over}


def test_generation_computes_exact_repayment_from_slots():
    [emit] = compose(context("repayment_calc", {"amount": "300000", "annual_rate": "4.8", "term_months": "36"}))
    assert "8,964.36" in emit.datum["text"] and "22,716.79" in emit.datum["text"]
    assert emit.datum["tool_results"]["monthly_payment"] == "8964.36"


def test_generation_asks_for_missing_slots_and_never_invents_numbers():
    [emit] = compose(context("repayment_calc", {"amount": "300000"}))
    assert "期限" in emit.datum["text"] and "年化利率" in emit.datum["text"]
    assert emit.datum["tool_results"] == {}


def test_generation_adds_risk_disclosure_to_wealth_replies():
    [emit] = compose(context("wealth_inquiry", {}))
    assert emit.datum["text"].endswith("理财非存款，产品有风险，投资须谨慎。")


def draft(text):
    return {**SAMPLES["DraftReply"], "text": text}


def test_compliance_approves_clean_text_and_audits_it():
    reply, audit = review(draft("您好，请问有什么可以帮您？"), LEXICON, now_ms=5)
    assert reply.topic == REPLY_CHECKED and reply.datum["status"] == "approved"
    assert audit.topic == AUDIT and audit.datum["action"] == "compliance.approved"
    assert len(audit.datum["record_id"]) == 64


def test_compliance_rewrites_obfuscated_promises():
    reply, audit = review(draft("这款产品收益稳定。保 . 本保息，放心买！欢迎咨询。"), LEXICON, now_ms=5)
    assert reply.datum["status"] == "rewritten"
    assert "保" not in reply.datum["text"].replace("保护", "")
    assert reply.datum["text"].endswith(RISK_DISCLOSURE)
    assert "promised_returns:保本保息" in reply.datum["compliance_flags"]
    assert "资管新规" in audit.datum["detail"]["hits"]


def test_compliance_blocks_credential_requests():
    reply, _ = review(draft("请提供验证码以便核实。"), LEXICON, now_ms=5)
    assert reply.datum["status"] == "blocked" and reply.datum["text"] == BLOCKED_REPLY


def checked(turn, **over):
    return {**SAMPLES["Reply"], "turn_id": turn, **over}


def test_escalation_replies_once_per_turn():
    [reply] = finalise(checked(4), last_replied_turn=3, now_ms=9)
    assert reply.topic == REPLY_OUT and reply.datum["replied_at_ms"] == 9
    assert finalise(checked(4), last_replied_turn=4, now_ms=9) == []
    assert finalise(checked(2), last_replied_turn=4, now_ms=9) == []


@pytest.mark.parametrize("over,reason", [
    ({"intent": "human_agent"}, "explicit_request"),
    ({"intent": "complaint", "emotion": "angry"}, "complaint"),
    ({"intent": "complaint", "emotion": "negative", "emotion_trajectory": ["negative", "negative"]}, "complaint"),
    ({"status": "blocked"}, "compliance_block"),
])
def test_escalation_hands_off(over, reason):
    reply, handoff = finalise(checked(1, **over), None, now_ms=9)
    assert reply.datum["handoff"] is True and "转接人工" in reply.datum["text"]
    assert handoff.topic == HANDOFF and handoff.datum["reason"] == reason


def test_calm_complaint_stays_with_the_bot():
    [reply] = finalise(checked(1, intent="complaint", emotion="neutral"), None, now_ms=9)
    assert reply.datum["handoff"] is False


def test_displeased_complaint_gets_an_l1_offer_within_policy_and_an_audit():
    reply, audit = finalise(checked(1, intent="complaint", emotion="negative", emotion_trajectory=["negative"]),
                            None, now_ms=9)
    assert reply.datum["handoff"] is False and "最高200元" in reply.datum["text"]
    assert audit.datum["action"] == "complaint.l1_offer"
