"""The grounded composer's business flows over the real catalogue (in memory) and the simulated bureau."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from agents.compliance.dynamic import CREDIT_CLAIM, dynamic_findings
from agents.compliance.lexicon import default_lexicon
from agents.compliance.logic import review
from agents.generation.flows import Grounding, short_name
from agents.generation.flows.card import period_rates
from agents.generation.logic import compose
from agents.intent.slots import extract_slots
from agents.retrieval.logic import product_fact
from agents.state.logic import advance
from domain import questionnaire
from domain.repayment import equal_instalment, repayment_schedule
from domain.risk import level_rank
from domain.savings import WEALTH_DISCLAIMER
from engines.bureau import CreditReport, SimulatedBureau
from tests.fakes import CATALOGUE_ROWS, InMemoryCatalogue, node
from tests.samples import SAMPLES

ROWS = {row["id"]: row for row in CATALOGUE_ROWS}
WEALTH = [row for row in ROWS.values() if row["type"] == "wealth"]
APPROVED, DECLINED = "C-0001", "C-0008"  # the simulated bureau's verdicts for these ids under the rules


CATALOGUE = InMemoryCatalogue()
BUREAU = SimulatedBureau()
GROUNDING = Grounding(CATALOGUE, BUREAU)


def facts(*ids):
    return [product_fact(node(ROWS[pid]), 1.0) for pid in ids]


def context(text, intent, slots=None, *, fact_ids=(), **over):
    """A Context as retrieval sends it; slots default to what the intent stage reads from ``text``."""
    return {**SAMPLES["Context"], "text": text, "intent": intent, "confidence": 0.95, "active_task": intent,
            "slots": extract_slots(text) if slots is None else slots, "facts": facts(*fact_ids), **over}


def draft(ctx, grounding=GROUNDING):
    [emit] = compose(ctx, grounding)
    return emit.datum


def figures(text):
    return {Decimal(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


def assert_backed(reply):
    """Every figure the text states, outside product names, is one of its tool results."""
    text = reply["text"]
    for pid in reply["source_ids"]:
        text = text.replace(ROWS[pid]["name"], "")
    values = set()
    for value in reply["tool_results"].values():
        try:
            values.add(Decimal(value))
        except ArithmeticError:
            continue
    assert figures(text) <= values, (figures(text) - values, reply["text"])
    if reply["tool_results"].get("pre_approval") != "approved":
        assert not CREDIT_CLAIM.search(reply["text"])  # only a bureau-backed pre-approval speaks of approval


# -- 1. repayment ---------------------------------------------------------------------------------

def test_equal_principal_when_the_customer_says_so():
    reply = draft(context("贷30万，年化4.8%，分3年，等额本金每月还多少", "repayment_calc"))
    assert reply["text"] == ("按等额本金计算：贷款300,000.00元，年化利率4.8%，分36期，首月还款9,533.33元，"
                             "之后每月约递减33.33元，末期还款8,366.78元，总利息22,200.00元。实际以合同约定为准。")
    # Independently: interest falls linearly, total = P·r·(n+1)/2 = 22,200 exactly here.
    assert reply["tool_results"]["total_interest"] == "22200.00" == f"{300000 * Decimal('0.004') * 37 / 2:.2f}"
    assert_backed(reply)


def test_the_method_named_in_this_turn_wins_over_the_one_held():
    slots = {"amount": "300000", "annual_rate": "4.8", "term_months": "36", "repay_method": "等额本金"}
    reply = draft(context("那等额本息呢", "repayment_calc", slots))
    assert "每月还款8,964.36元" in reply["text"] and "总利息22,716.79元" in reply["text"]
    assert_backed(reply)


def test_prepayment_with_a_chosen_mode_is_exact():
    text = "房贷100万，利率4.2，30年，还了一年，提前还20万，缩短期限"
    reply = draft(context(text, "repayment_calc"))
    assert reply["text"] == (
        "贷款1,000,000.00元、年化利率4.2%、分360期（等额本息），已还12期后提前还款200,000.00元，"
        "提前还款前剩余本金982,993.05元，按缩短还款期限、月供基本不变的方式：月供由4,890.17元变为4,880.01元，"
        "剩余期限由348期缩短为236期，可少付利息350,096.46元。以上未计提前还款违约金（如有），实际以贷款合同和银行系统计算为准。")
    # The balance after 12 payments, from the closed form with float arithmetic.
    r, m = 0.042 / 12, 4890.17
    assert abs(1_000_000 * (1 + r) ** 12 - m * ((1 + r) ** 12 - 1) / r - 982993.05) < 0.05
    assert_backed(reply)


def test_prepayment_without_a_mode_shows_both_ways():
    slots = {"amount": "1000000", "annual_rate": "4.2", "term_months": "360", "paid_months": "12", "prepayment": "100000"}
    reply = draft(context("能省多少利息", "repayment_calc", slots))
    assert "① 按缩短还款期限、月供基本不变的方式：月供由4,890.17元变为4,881.27元，剩余期限由348期缩短为287期，可少付利息200,855.92元" in reply["text"]
    assert "② 按还款期限不变、减少月供的方式：月供由4,890.17元变为4,392.69元，剩余期限仍为348期，可少付利息73,121.75元" in reply["text"]
    assert_backed(reply)


def test_prepayment_asks_for_exactly_what_is_missing():
    reply = draft(context("我想提前还款10万，能省多少利息", "repayment_calc"))
    assert reply["text"] == "为了测算提前还款能节省多少利息，请告诉我贷款金额（原始本金）、贷款期限、年化利率、已还期数。"
    assert reply["tool_results"] == {}


def test_max_principal_for_a_monthly_budget():
    reply = draft(context("每月能还5000，年化4.2%，贷30年能贷多少", "repayment_calc"))
    assert reply["text"] == ("按等额本息、年化利率4.2%、分360期测算，每月还款不超过5,000.00元时，贷款本金最高约1,022,000.00元"
                             "（按100元取整），每月还款4,997.76元（末期4,994.31元），总利息777,191.99元。"
                             "这只是还款能力测算，实际额度以银行审批为准。")
    # Every instalment fits; one more step would not (its last instalment absorbs the rounding residue).
    assert max(row.payment for row in repayment_schedule(Decimal(1022000), Decimal("4.2"), 360)) <= 5000
    assert max(row.payment for row in repayment_schedule(Decimal(1022100), Decimal("4.2"), 360)) > 5000
    assert_backed(reply)


def test_max_principal_asks_for_the_rate():
    reply = draft(context("每月能还5000，贷30年能贷多少", "repayment_calc"))
    assert reply["text"] == "为了测算您每月的还款额对应的贷款金额，请告诉我年化利率。"


# -- 2. credit-card instalments -------------------------------------------------------------------

def test_card_instalment_uses_the_cited_cards_fee_and_discloses_the_annual_rate():
    assert period_rates(CATALOGUE.product("P-CARD-001")) == {12: Decimal("0.60")}
    reply = draft(context("账单1.2万分12期手续费多少", "credit_card", fact_ids=("P-CARD-001",)))
    assert reply["text"] == (
        "按示例银行 标准普卡账单分期12期每期0.6%起的费率测算：信用卡分期12,000.00元，分12期，每期手续费率0.6%（分期收取）："
        "每期本金1,000.00元，每期手续费72.00元，手续费合计864.00元，折合年化利率约13.03%"
        "（按内部收益率法计算，手续费按分期本金总额计收）。实际以账单和分期页面为准。")
    assert reply["source_ids"] == ["P-CARD-001"]
    assert_backed(reply)


def test_a_period_count_the_card_does_not_list_is_explained_not_invented():
    reply = draft(context("账单1.2万分6期手续费多少", "credit_card", fact_ids=("P-CARD-003",)))
    assert "12期每期0.60%起，折合年化利率约13.03%起" in reply["text"] and "6期的费率没有在产品资料中列明" in reply["text"]
    assert "手续费合计" not in reply["text"]
    assert_backed(reply)


def test_a_named_card_is_used_and_without_one_the_customer_is_asked():
    named = draft(context("我的钻石卡账单12000分12期，手续费多少", "credit_card"))
    assert named["source_ids"] == ["P-CARD-005"] and "每期手续费72.00元" in named["text"]
    unknown = draft(context("账单1.2万分12期手续费多少", "credit_card"))
    assert "哪一张信用卡" in unknown["text"] and unknown["tool_results"] == {}


# -- 3. deposits and reference returns ------------------------------------------------------------

def test_time_deposit_interest_at_the_listed_rate():
    reply = draft(context("10万存定期3年利息多少", "wealth_calc"))
    assert reply["text"].startswith(
        "按示例银行 整存整取定期存款（3年）的挂牌年利率测算：整存整取100,000.00元，存期36个月，年利率1.5%，"
        "到期利息4,500.00元，本息合计104,500.00元。")
    assert reply["source_ids"] == ["P-DEP-006"]
    assert_backed(reply)


def test_recurring_deposit_interest():
    reply = draft(context("零存整取每月存1000，存3年利息多少", "wealth_calc"))
    # 1000 × 36·37/2 month-balances × 0.95% / 12 = 527.25
    assert "零存整取累计存入36,000.00元，存期36个月，年利率0.95%，到期利息527.25元，本息合计36,527.25元" in reply["text"]
    assert_backed(reply)


def test_a_term_without_a_product_lists_the_terms_on_sale():
    reply = draft(context("10万存定期4年利息多少", "wealth_calc"))
    assert "3个月、6个月、12个月、24个月、36个月、60个月，暂无48个月的存期" in reply["text"]
    assert_backed(reply)


def test_reference_return_is_an_illustration_with_the_disclaimer():
    reply = draft(context("5万买稳利90天持有期理财，90天能赚多少", "wealth_calc",
                          {**extract_slots("5万买稳利90天持有期理财，90天能赚多少"), "customer_risk": "C2"}))
    # 50,000 × 2.0% × 90/365 = 246.58; × 2.7% = 332.88
    assert "50,000.00元按业绩比较基准2%–2.7%、持有90天测算，参考金额约为246.58元至332.88元（按365天计）" in reply["text"]
    assert reply["text"].startswith("示例理财 稳利90天持有期理财（风险等级R2）仅作示意：")
    assert WEALTH_DISCLAIMER in reply["text"] and "保证" not in reply["text"]
    assert_backed(reply)


def test_an_unsuitable_product_is_refused_without_naming_it():
    reply = draft(context("5万买稳利90天持有期理财，90天能赚多少", "wealth_calc"))  # level unknown: C1
    assert "稳利" not in reply["text"] and "风险等级高于您的风险承受能力等级（C1）" in reply["text"]


# -- 4. pre-approval ------------------------------------------------------------------------------

def loan_context(customer_id, text="我想贷款装修，帮我预审一下能贷多少"):
    slots = extract_slots(text)
    ids = [row["product"]["id"] for row in CATALOGUE.loan_products(slots.get("loan_purpose"), None)]
    return context(text, "loan_inquiry", slots, fact_ids=ids, customer_id=customer_id)


def test_an_approved_pre_approval_has_exact_plans_and_passes_the_bureau_check():
    reply = draft(loan_context(APPROVED))
    text = reply["text"]
    plans = re.findall(r"方案.：([^，]+)，年化利率([\d.]+)%，(\d+)期，额度([\d,.]+)元，每月还款([\d,.]+)元，总利息([\d,.]+)元", text)
    assert len(plans) == 3
    for _name, rate, periods, amount, monthly, interest in plans:  # every figure recomputed independently
        plan = equal_instalment(Decimal(amount.replace(",", "")), Decimal(rate), int(periods))
        assert (f"{plan.monthly_payment:,.2f}", f"{plan.total_interest:,.2f}") == (monthly, interest)
    best = max(Decimal(p[3].replace(",", "")) for p in plans)
    assert text.startswith(f"您预审通过，根据征信和收入情况，您最高可贷{best:,.2f}元")
    # A product whose terms exclude renovation ("用于装修、购车以外") is never a renovation plan.
    assert all("安居抵押消费贷" not in p[0] for p in plans)
    cited = {pid: CATALOGUE.product(pid) for pid in reply["source_ids"]}
    assert dynamic_findings(text, reply["source_ids"], cited, None, customer_id=APPROVED, bureau=BUREAU) == []
    checked, _ = review(reply, default_lexicon(), 0, None, 0.5, cited, BUREAU)
    assert checked.datum["status"] == "approved"
    assert_backed(reply)


def test_the_bureau_check_would_catch_the_same_reply_for_a_weaker_customer():
    reply = draft(loan_context(APPROVED))
    cited = {pid: CATALOGUE.product(pid) for pid in reply["source_ids"]}

    class Weaker:
        def report(self, customer_id):
            return CreditReport(customer_id, 700, 0, 0, 0, 6000)

    assert dynamic_findings(reply["text"], reply["source_ids"], cited, None, customer_id=APPROVED, bureau=Weaker())


def test_a_declined_pre_approval_says_why_politely():
    reply = draft(loan_context(DECLINED))
    assert reply["text"].startswith("很抱歉，根据征信等信息的初步评估，本次贷款预审暂未通过，主要原因：综合信用评分未达到准入要求。")
    assert dynamic_findings(reply["text"], reply["source_ids"], {}, None, customer_id=DECLINED, bureau=BUREAU) == []
    assert_backed(reply)


def test_pre_approval_needs_an_identity_and_a_purpose():
    assert "请登录手机银行" in draft(loan_context(None))["text"]
    reply = draft(context("帮我预审一下，我能贷多少", "loan_inquiry", customer_id=APPROVED))
    assert "请告诉我贷款用途" in reply["text"] and reply["tool_results"] == {}


# -- 5. the risk questionnaire across turns -------------------------------------------------------

def nlu(turn, text, intent="other", confidence=0.95, slots=None):
    return {**SAMPLES["Understanding"], "turn_id": turn, "text": text, "intent": intent, "confidence": confidence,
            "slots": extract_slots(text) if slots is None else slots, "needs_clarification": False}


def run_state(turns):
    state, states = None, []
    for n, (text, intent) in enumerate(turns, 1):
        state, _ = advance(state, nlu(n, text, intent))
        states.append(state)
    return states


def as_context(state, fact_ids=()):
    return {**SAMPLES["Context"], **{k: state[k] for k in ("text", "intent", "confidence", "slots", "active_task",
                                                           "needs_clarification", "flow")}, "facts": facts(*fact_ids)}


def test_all_a_answers_end_at_c1_with_suitable_products_only():
    states = run_state([("我想做个风险测评", "risk_assessment")] + [("A", "other")] * 10)
    first = draft(as_context(states[0]))
    assert first["text"].startswith("好的，下面进行风险承受能力评估，共10题") and "第1/10题" in first["text"]
    assert draft(as_context(states[5]))["text"].startswith("第6/10题")
    final = states[-1]
    assert final["slots"]["customer_risk"] == "C1" and questionnaire.QState.from_dict(
        {k: v for k, v in final["flow"].items() if k != "name"}).done
    ids = [row["product"]["id"] for row in CATALOGUE.suitable_wealth("C1")]
    reply = draft(as_context(final, ids + ["P-WEALTH-036"]))  # an R4 fund slipped into the Context
    assert reply["text"].startswith("风险承受能力评估已完成：您的得分为12分，风险承受能力等级为C1（保守型）")
    assert reply["source_ids"] and all(ROWS[pid]["risk_level"] == "R1" for pid in reply["source_ids"])
    assert "恒远优选成长" not in reply["text"] and reply["tool_results"]["customer_risk"] == "C1"
    # The next turn clears the finished flow.
    after, _ = advance(final, nlu(12, "谢谢", "other"))
    assert after["flow"] == {} and after["slots"]["customer_risk"] == "C1"


def test_answers_are_parsed_re_asked_and_never_become_loan_slots():
    states = run_state([("风险测评", "risk_assessment"), ("我选第二个", "other"), ("10万–30万元", "loan_inquiry"),
                        ("嗯", "other")])
    assert states[2]["flow"]["answers"] == "BB" and "amount" not in states[2]["slots"]
    assert states[3]["flow"]["retries"] == "1"
    assert draft(as_context(states[3]))["text"].startswith(questionnaire.INVALID_HINT + "\n第3/10题")


def test_a_clear_other_task_abandons_the_questionnaire():
    states = run_state([("风险测评", "risk_assessment"), ("A", "other"), ("贷30万分3年年化4.8每月还多少", "repayment_calc")])
    assert states[-1]["flow"] == {} and states[-1]["slots"]["amount"] == "300000"
    assert "8,964.36" in draft(as_context(states[-1]))["text"]


# -- the state keeps each calculation's inputs apart ----------------------------------------------

def test_a_new_calculation_replaces_the_inputs_of_the_last():
    states = run_state([("每月能还5000，年化4.2%，贷30年能贷多少", "repayment_calc"), ("那贷100万每月还多少", "repayment_calc"),
                        ("账单1.2万分12期手续费多少", "wealth_calc"), ("分6期呢", "credit_card")])
    assert "monthly_budget" in states[0]["slots"] and "monthly_budget" not in states[1]["slots"]
    assert states[2]["active_task"] == "credit_card"  # the calculation's cue sets the task the model missed
    assert states[3]["slots"]["instalment_periods"] == "6" and states[3]["slots"]["term_months"] == "360"


@pytest.mark.parametrize("text,slots", [
    ("贷30万，年化4.8%，分3年，等额本金每月还多少", {"repay_method": "等额本金"}),
    ("房贷100万，利率4.2，30年，还了一年，提前还20万，缩短期限",
     {"amount": "1000000", "prepayment": "200000", "paid_months": "12", "prepay_mode": "shorten_term"}),
    ("提前还款5万，减少月供", {"prepayment": "50000", "prepay_mode": "reduce_payment"}),
    ("月供控制在五千以内，三十年，利率三点五", {"monthly_budget": "5000", "term_months": "360", "annual_rate": "3.5"}),
    ("一万二的账单分六期", {"bill_amount": "12000", "instalment_periods": "6"}),
    ("整存整取10万两年利息多少", {"deposit_amount": "100000", "deposit_months": "24", "deposit_kind": "整存整取"}),
    ("上个月存了个三年定期利率2.6，现在又想借3万消费", {"amount": "30000"}),
    ("买10万理财，持有90天，收益大概多少", {"invest_amount": "100000", "hold_days": "90"}),
    ("我能批多少额度", {"pre_approval": "requested"}),
])
def test_business_tool_slots(text, slots):
    got = extract_slots(text)
    assert {k: got.get(k) for k in slots} == slots


# -- 6. suitability over the whole catalogue ------------------------------------------------------

LEVEL_ANSWERS = {"C1": "A" * 10, "C2": "B" * 10, "C3": "C" * 10, "C4": "D" * 10, "C5": "EEEEDDDDDD"}


@pytest.mark.parametrize("level", ["C1", "C2", "C3", "C4", "C5"])
def test_compose_never_names_an_unsuitable_wealth_product(level):
    unsuitable = [row for row in WEALTH if not (row["on_sale"] and level_rank(row["risk_level"], "R") <= level_rank(level, "C"))]
    all_ids = [row["id"] for row in WEALTH]
    replies = []
    for row in WEALTH:
        asked = f"10万买{short_name(row)}，持有90天收益多少"
        slots = {**extract_slots(asked), "customer_risk": level}
        replies.append(draft(context(asked, "wealth_calc", slots, fact_ids=[row["id"], *all_ids])))
        replies.append(draft(context(f"{short_name(row)}怎么样", "wealth_inquiry", {"customer_risk": level},
                                     fact_ids=[row["id"], *all_ids])))
    replies.append(draft(context("买10万理财持有90天收益多少", "wealth_calc",
                                 {"invest_amount": "100000", "hold_days": "90", "customer_risk": level}, fact_ids=all_ids)))
    finished = questionnaire.QState(tuple(LEVEL_ANSWERS[level]))
    assert questionnaire.result(finished) == level
    done = {"name": "risk_questionnaire", **finished.to_dict()}
    replies.append(draft(context("A", "other", {"customer_risk": level}, fact_ids=all_ids, flow=done)))
    replies.append(draft(context("A", "other", {"customer_risk": level}, flow=done)))  # from the graph
    for reply in replies:
        for row in unsuitable:
            assert row["name"] not in reply["text"] and short_name(row) not in reply["text"], (row["id"], reply["text"])
    named = {row["id"] for row in WEALTH for reply in replies if row["name"] in reply["text"]}
    assert named and all(level_rank(ROWS[pid]["risk_level"], "R") <= level_rank(level, "C") for pid in named)  # not vacuous


def test_a_loan_inquiry_asks_purpose_amount_and_term_never_the_customers_rate():
    reply = draft(context("我想贷款", "loan_inquiry", {}, turn_task="loan_inquiry"))
    assert "贷款用途" in reply["text"] and "期限" in reply["text"] and "利率" not in reply["text"]


def test_a_listing_of_one_kind_names_the_kind():
    ids = [pid for pid, row in ROWS.items() if row["type"] == "loan"][:2]
    reply = draft(context("你们有哪些贷款产品", "loan_inquiry", {}, fact_ids=ids, turn_task="loan_inquiry"))
    assert reply["text"].startswith("为您找到以下在售贷款产品")


def test_someone_elses_words_reported_get_the_anti_fraud_advice_and_gibberish_is_asked_to_be_rephrased():
    near = {"source_id": "FAQ-T", "kind": "faq", "title": "提额来电", "content": "本行信用卡提额只能通过本行App申请。",
            "score": 1.3}
    reported = {**context("自称你们银行的，说我信用卡要升级，要我提供卡号和验证码", "card_security", {},
                          turn_task="card_security"), "facts": [near]}
    reply = draft(reported)
    assert "96110" in reply["text"] and "不要转账" in reply["text"] and "FAQ-T" not in reply["source_ids"]
    own = {**context("信用卡提额怎么申请", "card_security", {}, turn_task="card_security"), "facts": [near]}
    assert draft(own)["source_ids"] == ["FAQ-T"]  # without someone else's words the sure FAQ answers
    reply = draft(context("asdfghjkl", "other", {}, turn_task=None))
    assert "没有完全理解" in reply["text"] and reply["needs_clarification"] is True


def test_a_loan_offer_says_back_the_customers_own_purpose_and_amount():
    loan = next(pid for pid, row in ROWS.items() if row["type"] == "loan")
    reply = draft(context("不对，六十万就够了", "loan_inquiry", {"loan_purpose": "购房", "amount": "600000"},
                          fact_ids=[loan], turn_task="loan_inquiry"))
    assert "600,000.00" in reply["text"] and "购房" in reply["text"]


def test_a_question_about_an_offered_product_beyond_its_facts_gets_the_answer_too():
    loans = [pid for pid, row in ROWS.items() if row["type"] == "loan"][:2]
    faq = {"source_id": "FAQ-T", "kind": "faq", "title": "贷款申请条件", "content": "申请需年满18周岁并提供身份证件。",
           "score": 1.2}
    ctx = {**context("第二个需要什么条件", "loan_inquiry", {}, turn_task="loan_inquiry"), "facts": [faq]}
    [emit] = compose(ctx, GROUNDING, loans)
    assert ROWS[loans[1]]["name"] in emit.datum["text"] and "年满18周岁" in emit.datum["text"]
    ctx = {**context("第二个保本吗", "loan_inquiry", {}, turn_task="loan_inquiry"), "facts": [faq]}
    [emit] = compose(ctx, GROUNDING, loans)
    assert "年满18周岁" not in emit.datum["text"]  # what the facts answer needs nothing more
