import pytest

from agents.intent.slots import extract_slots
from domain.numerals import numeric_form as prepare
from domain.tasks import apply_change


@pytest.mark.parametrize("text,slots", [
    # QUALITY.md examples
    ("装修用", {"loan_purpose": "装修"}),
    ("做生意周转", {"loan_purpose": "经营"}),
    ("30万", {"amount": "300000"}),
    ("两万五", {"amount": "25000"}),
    ("50w", {"amount": "500000"}),
    ("分三年", {"term_months": "36"}),
    ("一年半", {"term_months": "18"}),
    ("36期", {"term_months": "36"}),
    ("半年", {"term_months": "6"}),
    ("年化4.8", {"annual_rate": "4.8"}),
    ("三点五", {"annual_rate": "3.5"}),
    ("4.35%", {"annual_rate": "4.35"}),
    ("不对，四十万就够了", {"amount": "400000"}),
    # the case jionlp misreads
    ("三十五万元，分36期", {"amount": "350000", "term_months": "36"}),
    ("贷30万，年化4.8%，分3年", {"amount": "300000", "annual_rate": "4.8", "term_months": "36"}),
    ("年化4.8%，分3年，等额本息每月还多少", {"annual_rate": "4.8", "term_months": "36"}),
    ("车贷36期，每期还两千八", {"loan_purpose": "购车", "term_months": "36"}),
    ("一百二十万分十年", {"amount": "1200000", "term_months": "120"}),
    ("我要借3万5", {"amount": "35000"}),
    ("一万二，十八个月", {"amount": "12000", "term_months": "18"}),
    ("做生意要贷1百万", {"loan_purpose": "经营", "amount": "1000000"}),
    ("貸款三十萬買車", {"amount": "300000", "loan_purpose": "购车"}),
    ("代款八千块", {"amount": "8000"}),
    ("百分之四点五", {"annual_rate": "4.5"}),
    ("年化5个点", {"annual_rate": "5"}),
    ("利率三点八五，两年半", {"annual_rate": "3.85", "term_months": "30"}),
    ("不是三年，是五年", {"term_months": "60"}),
    ("借50000", {"amount": "50000"}),
    # relative statements are left for the state stage
    ("贷一半吧", {"amount_change": "*0.5"}),
    ("再多贷五万", {"amount_change": "+50000"}),
    ("少借两万", {"amount_change": "-20000"}),
    ("金额翻一倍", {"amount_change": "*2"}),
    ("再延长一年", {"term_change": "+12"}),
    ("多分半年", {"term_change": "+6"}),
    ("贷一半，也就是十万", {"amount": "100000"}),
    # numbers that are not loan slots
    ("我月收入一万", {}),
    ("尾号1234的卡", {"card_last4": "1234"}),
    ("3天能放款吗", {}),
    ("我今年28岁，工作三年了", {}),
    ("上次在别的银行贷的年化5.2", {}),
    ("三年定期2.6%是吧", {}),
    ("信用卡额度5万能不能提到10万", {}),
    ("2026年能批吗", {}),
    ("便宜一点", {}),
    ("帮我算一下", {}),
    # a car's 首付: buying a car, not a home; the rest of the price is the loan
    ("车价三十万，首付十万，剩下的贷款", {"loan_purpose": "购车", "item_price": "300000", "down_payment": "100000",
                                "amount": "200000"}),
    ("车价30万，想贷一半", {"loan_purpose": "购车", "item_price": "300000", "amount": "150000"}),
    ("房价200万 首付三成", {"item_price": "2000000", "amount": "1400000", "loan_purpose_hint": "购房"}),
    ("想贷30万补首付 10年", {"amount": "300000", "term_months": "120", "loan_purpose_hint": "购房"}),
    # what the money is for fills only empty slots; a rejected value is dropped
    ("学费要六万能分两年还吗", {"loan_purpose": "教育", "amount_hint": "60000", "term_months": "24"}),
    ("对的是四点八不是四点五", {"annual_rate": "4.8"}),
    ("不是一万二，是两万一", {"amount": "21000"}),
    # separators, loose round figures, a sum running into a count, English
    ("请问贷款300,000元分五年期", {"amount": "300000", "term_months": "60"}),
    ("房子翻新预算二十来万", {"loan_purpose": "装修", "amount_hint": "200000"}),
    ("买房贷款一百五十万三十年", {"loan_purpose": "购房", "amount": "1500000", "term_months": "360"}),
    ("loan amount 300,000, term five years", {"amount": "300000", "term_months": "60"}),
    ("business loan 1 million", {"loan_purpose": "经营", "amount": "1000000"}),
    # rate moves said in points, with or without a rate word
    ("按上浮0.2个百分点算", {"rate_change": "+0.2"}),
    ("在这个利率基础上减20个基点", {"rate_change": "-0.2"}),
    ("利率能低一个点吗", {"rate_change": "-1"}),
    # a loan product's name is not a new borrowing; a time to maturity is not a term
    ("之前有一笔车贷10万还没还完", {"loan_purpose": "购车"}),
    ("还有三个月到期", {}),
    ("我手机尾号是0588", {"card_last4": "0588"}),
    # other slots
    ("R3的产品", {"product_risk": "R3"}),
    ("我是C2", {"customer_risk": "C2"}),
    ("6月18号还款", {"date": "06-18"}),
])
def test_extract_slots(text, slots):
    assert extract_slots(text) == slots


def test_prepare_keeps_words_that_merely_contain_one():
    assert prepare("等一下，一半就行，便宜一点") == "等一下,一半就行,便宜一点"
    assert prepare("两万五，一年半") == "25000元,1年半"


@pytest.mark.parametrize("current,change,result", [
    ("200000", "*0.5", "100000"), ("100000", "+50000", "150000"), ("400000", "-50000", "350000"),
    ("36", "+12", "48"), ("12", "*2", "24"), (None, "*0.5", None), ("10000", "-20000", None),
])
def test_apply_change(current, change, result):
    assert apply_change(current, change) == result


def test_slot_accuracy_on_the_independently_annotated_utterances():
    import json

    from streams.settings import REPO_DIR

    keys = ("loan_purpose", "amount", "term_months", "annual_rate", "card_last4", "customer_risk", "product_risk")

    def typed(slots):
        return {k: int(float(slots[k])) if k in ("amount", "term_months") else float(slots[k])
                if k == "annual_rate" else slots[k] for k in keys if k in slots}

    rows = [json.loads(line) for line in (REPO_DIR / "data" / "slots" / "utterances.jsonl").read_text("utf-8").splitlines()]
    exact = sum(typed(extract_slots(r["text"])) == typed(r["slots"]) for r in rows)
    assert len(rows) >= 150 and exact / len(rows) >= 0.95


@pytest.mark.parametrize("text,absent", [
    ("贷款40万，首付20%", "amount_change"),  # a down-payment share is of the price, never of the loan said
    ("信用卡分期手续费能少1个点吗", "rate_change"),  # points moved on a fee, not the loan's rate
    ("我年收入20万贷款", "amount"),  # income, whatever follows it
])
def test_figures_about_something_else_do_not_move_the_loan(text, absent):
    slots = extract_slots(text)
    assert absent not in slots, slots
    if "贷款40万" in text:
        assert slots["amount"] == "400000"


def test_a_question_is_not_a_rejection():
    assert extract_slots("贷款30万，利率是不是4.2%")["annual_rate"] == "4.2"
