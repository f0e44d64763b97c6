"""Follow-ups that lean on the task in progress, and turns that only look like them."""
import pytest

from agents.state.logic import advance


def nlu(turn, text, intent, confidence=0.9, slots=None):
    return {"session_id": "s", "turn_id": turn, "customer_id": None, "channel": "app", "text": text,
            "intent": intent, "confidence": confidence, "slots": slots or {}, "emotion": "neutral",
            "needs_clarification": False, "engine": "test", "received_at_ms": 0}


def run(*turns):
    state = None
    for n, (text, intent, confidence, slots) in enumerate(turns, 1):
        state, _ = advance(state, nlu(n, text, intent, confidence, slots))
    return state


def test_a_modifier_fragment_completes_the_task_but_an_acknowledgement_does_not():
    assert run(("我想查下交易记录", "account_query", 0.95, {}), ("上个月的", "other", 0.83, {}))["intent"] == "account_query"
    assert run(("我想贷款", "loan_inquiry", 0.95, {}), ("好的", "other", 0.99, {}))["intent"] == "other"


def test_a_calculation_with_its_own_figures_is_not_pulled_back_by_its_opening_word():
    slots = {"deposit_amount": "200000", "deposit_kind": "整存整取", "deposit_months": "36", "deposit_rate": "2.35"}
    state = run(("你们现在三年定期利率多少", "wealth_inquiry", 0.85, {}),
                ("那我存二十万，三年，按2.35%算，到期利息多少", "wealth_calc", 0.6, slots))
    assert state["active_task"] == "wealth_calc"


def test_calls_made_are_no_money_gone():
    state = run(("ATM吞了我的卡", "card_security", 0.95, {}),
                ("打了三次电话都说等通知，一个礼拜了，太过分了，我要投诉！", "complaint", 0.9, {}))
    assert state["intent"] == "complaint"


def test_a_loan_figure_changed_with_all_three_held_is_the_repayment():
    state = run(("贷款30万", "loan_inquiry", 0.95, {"amount": "300000"}),
                ("5年，4.0%", "wealth_calc", 0.67, {"term_months": "60", "annual_rate": "4"}),
                ("不对，四十万才够，月供多少", "repayment_calc", 0.95, {"amount": "400000"}))
    assert state["intent"] == "repayment_calc" and state["slots"]["amount"] == "400000"


def test_a_complaint_in_progress_does_not_absorb_another_topic():
    state = run(("你们利率调得太勤了吧，有点不爽", "complaint", 0.9, {}),
                ("那现在三年定期利率是多少", "wealth_inquiry", 0.8, {}))
    assert state["intent"] == "wealth_inquiry"


def test_a_loan_reading_that_names_borrowing_leaves_the_card_talk():
    slots = {"amount": "100000", "term_months": "24", "annual_rate": "4.5"}
    state = run(("信用卡账单怎么分期", "credit_card", 0.99, {}),
                ("算了，问下贷款：借10万，2年，年化4.5，月供多少", "repayment_calc", 0.73, slots))
    assert state["active_task"] == "repayment_calc" and state["intent"] == "repayment_calc"
    # without a word of borrowing the same unsure reading stays with the card ("借记卡" is no borrowing)
    state = run(("信用卡账单怎么分期", "credit_card", 0.99, {}), ("借记卡 2年 4.5", "repayment_calc", 0.73, slots))
    assert state["active_task"] == "credit_card"


def test_the_purpose_a_loan_inquiry_lacks_answers_it_however_the_model_read_it():
    state = run(("我想借钱", "loan_inquiry", 0.98, {}),
                ("给孩子交学费 出国读书", "transfer", 0.93, {"loan_purpose": "教育"}))
    assert state["intent"] == state["active_task"] == "loan_inquiry"
    # a grievance that names a purpose is still a grievance
    state = run(("我房贷利率是多少", "loan_inquiry", 0.84, {"loan_purpose": "购房"}),
                ("我要投诉！！！房贷利率凭什么比别人高 今天不给我个解释我就去12378", "complaint", 0.82,
                 {"loan_purpose": "购房"}))
    assert state["intent"] == state["active_task"] == "complaint"


def test_a_correction_of_the_reading_stays_on_the_topic_unless_another_product_is_named():
    state = run(("我想查一下我的保单", "insurance", 0.82, {}), ("不对 我是想改一下受益人", "risk_assessment", 0.74, {}))
    assert state["intent"] == "insurance"
    state = run(("我想查一下我的保单", "insurance", 0.82, {}), ("不对 我是想问信用卡年费", "credit_card", 0.8, {}))
    assert state["intent"] == "credit_card"


def test_an_unsure_reading_the_task_or_its_named_product_agrees_with_asks_no_question():
    first, _ = advance(None, nlu(1, "手机银行转账", "transfer", 0.96))
    state, _ = advance(first, {**nlu(2, "每天限额是多少", "transfer", 0.59), "needs_clarification": True})
    assert state["needs_clarification"] is False
    unsure = nlu(1, "这个保险保本吗 能随时取吗", "insurance", 0.52)
    state, _ = advance(None, {**unsure, "needs_clarification": True})
    assert state["needs_clarification"] is False and state["intent"] == "insurance"
    state, _ = advance(None, {**nlu(1, "这个能行吗", "insurance", 0.52), "needs_clarification": True})
    assert state["needs_clarification"] is True  # nothing named: the question is still worth asking


def test_a_pointer_that_names_its_own_product_is_not_pulled_back():
    state = run(("存款到期了 柜员推荐我买一个保险 说收益比定期高", "wealth_calc", 0.9, {}),
                ("这个保险保本吗 能随时取吗", "insurance", 0.52, {}))
    assert state["intent"] == "insurance"


def test_an_unsure_request_for_a_person_without_the_words_for_one_is_the_tasks():
    state = run(("有没有适合小孩的保险", "insurance", 0.95, {}), ("那给老人的呢", "human_agent", 0.7, {}))
    assert state["intent"] == "insurance"
    state = run(("有没有适合小孩的保险", "insurance", 0.95, {}), ("那给我转人工吧", "human_agent", 0.7, {}))
    assert state["intent"] == "human_agent"


def test_a_card_instalments_fee_asked_is_a_repayment_calculation_and_so_is_its_follow_up():
    card = {"bill_amount": "30000", "instalment_periods": "24", "fee_rate": "0.65"}
    state = run(("3万分24期，每期手续费率0.65%，总手续费多少", "credit_card", 0.9, card),
                ("那分12期呢", "credit_card", 0.98, {"term_months": "12"}))
    assert state["intent"] == "repayment_calc" and state["active_task"] == "credit_card"
    assert state["slots"]["instalment_periods"] == "12"
    state = run(("5w账单分18期", "credit_card", 0.98, {"bill_amount": "50000", "instalment_periods": "18"}))
    assert state["intent"] == "credit_card"  # splitting the bill, no fee asked yet


def test_a_card_follow_up_with_its_own_rate_maps_its_periods_too():
    state = run(("账单1万分6期，每期费率0.75%，手续费一共多少", "credit_card", 0.81,
                 {"bill_amount": "10000", "instalment_periods": "6", "fee_rate": "0.75"}),
                ("那分12期呢，每期费率0.6%", "credit_card", 0.73, {"term_months": "12", "fee_rate": "0.6"}))
    assert state["slots"]["instalment_periods"] == "12" and "term_months" not in state["slots"]


def test_a_purchase_sum_waits_for_its_fee_rate():
    state = run(("想买100万的理财", "wealth_inquiry", 0.96, {"subscribe_amount_hint": "1000000"}),
                ("认购费率0.5%，手续费是多少", "credit_card", 0.59, {"subscribe_fee_rate": "0.5"}))
    assert state["intent"] == state["active_task"] == "wealth_calc"
    assert state["slots"]["subscribe_amount"] == "1000000"


def test_a_changed_amount_with_no_calculation_asked_keeps_the_inquiry():
    state = run(("想贷款装修 20万", "loan_inquiry", 0.98, {"loan_purpose": "装修", "amount": "200000"}),
                ("算了 贷一半就行", "repayment_calc", 0.78, {"amount_change": "*0.5"}))
    assert state["intent"] == "loan_inquiry" and state["slots"]["amount"] == "100000"


def test_the_questionnaire_named_starts_it_however_unsure_and_a_question_about_it_does_not():
    state = run(("装修贷利率多少", "loan_inquiry", 0.97, {}), ("另外我想买理财，先做下风险问卷", "risk_assessment", 0.71, {}))
    assert state["flow"].get("name") == "risk_questionnaire"
    state = run(("测评结果过期了 要重新做吗", "risk_assessment", 0.95, {}))
    assert not state["flow"]


def test_a_question_about_consequences_mid_task_is_the_tasks():
    state = run(("信用卡还款日是几号", "credit_card", 0.99, {}), ("晚两天还会怎样", "other", 0.94, {}))
    assert state["intent"] == "credit_card"
    state = run(("我信用卡还款日是几号", "credit_card", 0.99, {}), ("能不能帮我推迟几天还", "other", 0.42, {}))
    assert state["intent"] == "credit_card"


def test_an_unsure_request_for_a_person_at_the_start_without_the_words_for_one_is_asked_about():
    state = run(("刚接到一个电话", "human_agent", 0.66, {}))
    assert state["intent"] == "other" and state["needs_clarification"] is True
    state = run(("转人工", "human_agent", 0.66, {}))
    assert state["intent"] == "human_agent"


@pytest.mark.parametrize("text", ["麻烦帮我接通人工坐席，谢谢", "不想跟机器人聊了，给我找个客服", "给我转rg", "zrg"])
def test_an_unsure_request_that_names_a_person_stands(text):
    assert run((text, "human_agent", 0.78, {}))["intent"] == "human_agent"


def test_mid_an_emergency_the_cards_everyday_business_read_unsurely_is_the_emergencys():
    state = run(("手机刚被偷了", "card_security", 0.94, {}), ("上面有手机银行，还绑了工资卡", "account_query", 0.8, {}))
    assert state["intent"] == "card_security"
    state = run(("手机刚被偷了", "card_security", 0.94, {}), ("另外我信用卡年费多少", "credit_card", 0.97, {}))
    assert state["intent"] == "credit_card"


def test_an_unsure_complaint_reading_that_voices_no_grievance_is_the_tasks():
    state = run(("想给父母买医疗险", "insurance", 0.99, {}), ("有高血压能买吗", "complaint", 0.6, {}))
    assert state["intent"] == "insurance"
    state = run(("昨天转了2000给朋友", "transfer", 0.66, {}), ("他说还没收到，咋回事", "complaint", 0.61, {}))
    assert state["intent"] == "transfer"
    state = run(("昨天转了2000给朋友", "transfer", 0.66, {}), ("转个账这么慢，太不合理了", "complaint", 0.61, {}))
    assert state["intent"] == "complaint"


@pytest.mark.parametrize("first,intent,second", [
    ("我退休了还能贷款吗", "loan_inquiry", "65岁"),
    ("理财经理说这款产品年化5%是保证的", "wealth_inquiry", "真的吗"),
    ("保险缴费日期过了", "insurance", "会失效吗"),
    ("我的保单怎么查", "insurance", "去年在柜台买的"),
    ("一个贷款APP说我要先交保证金才能放款", "card_security", "交了3000"),
])
def test_a_few_words_of_what_the_customer_did_or_asks_go_on_with_the_task(first, intent, second):
    assert run((first, intent, 0.95, {}), (second, "other", 0.92, {}))["intent"] == intent


@pytest.mark.parametrize("second", ["明天会下雨吗", "我知道了", "我不想办了", "好的"])
def test_small_talk_acknowledgements_and_drop_outs_are_not_pulled_into_the_task(second):
    assert run(("我想贷款", "loan_inquiry", 0.98, {}), (second, "other", 0.99, {}))["intent"] == "other"


def test_a_question_put_to_the_bot_itself_or_an_unsure_long_turn_is_not_pulled_in():
    assert run(("我想贷款", "loan_inquiry", 0.98, {}), ("你会唱歌吗", "other", 0.99, {}))["intent"] == "other"
    assert run(("我想贷款", "loan_inquiry", 0.98, {}), ("讲个笑话", "other", 0.99, {}))["intent"] == "other"


def test_a_short_turn_the_model_cannot_place_goes_on_with_the_task():
    unsure = {**nlu(2, "就是缺钱", "wealth_inquiry", 0.36), "needs_clarification": True}
    first, _ = advance(None, nlu(1, "我想贷款", "loan_inquiry", 0.98))
    state, _ = advance(first, unsure)
    assert state["intent"] == "loan_inquiry" and not state["needs_clarification"]


def test_a_scam_instruction_reported_mid_fraud_starts_no_transfer_and_details_keep_a_request_awaiting_its_yes():
    state = run(("我妈接了个电话", "card_security", 0.9, {}), ("让转5万", "transfer", 0.98, {"amount": "50000"}))
    assert state["intent"] == "card_security" and not state["flow"]
    # the customer's own transfer request right after telling a fraud is not put up for confirmation either
    state = run(("有人冒充公安说我涉嫌洗钱", "card_security", 0.95, {}),
                ("我要转10万给他", "transfer", 0.97, {"amount": "100000"}))
    assert not state["flow"]
    state = run(("帮我转账", "transfer", 0.94, {}), ("5万", "loan_inquiry", 0.5, {"amount": "50000"}),
                ("转给我儿子", "transfer", 0.81, {}))
    assert state["flow"]["stage"] == "asked" and state["flow"]["op"] == "large_transfer"


def test_a_stated_level_is_no_request_for_the_questionnaire():
    assert not run(("我是C3", "risk_assessment", 0.97, {"customer_risk": "C3"}))["flow"]


def test_bare_figures_after_deposit_talk_are_the_deposits():
    state = run(("定期存款利息", "wealth_inquiry", 0.9, {}), ("本金15万", "loan_inquiry", 0.6, {"amount": "150000"}),
                ("半年", "other", 0.6, {"term_months": "6"}), ("年利率1.55%", "wealth_calc", 0.57, {"annual_rate": "1.55"}))
    assert {k: state["slots"][k] for k in ("deposit_amount", "deposit_months", "deposit_rate")} == {
        "deposit_amount": "150000", "deposit_months": "6", "deposit_rate": "1.55"}


def test_saying_the_bot_does_not_understand_brings_a_person():
    assert run(("我问的是信用卡账单", "credit_card", 0.9, {}), ("你到底能不能听懂？", "other", 0.7, {}))["intent"] == "human_agent"


def test_a_rate_asked_then_another_term_is_still_the_inquiry_not_a_deposit_calculation():
    state = run(("三年定期利率多少", "wealth_inquiry", 0.84, {}), ("那五年的呢", "wealth_calc", 0.75, {"term_months": "60"}))
    assert state["intent"] == "wealth_inquiry" and "deposit_months" not in state["slots"]
