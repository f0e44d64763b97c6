"""Slot classes that customers write and the patterns once missed: English units, a lone principal in a
repayment question, a relative amount of a stated total, rates stated for deposits, cards and returns."""
from __future__ import annotations

import pytest

from agents.intent.slots import extract_slots
from domain.high_risk import high_risk_operation


@pytest.mark.parametrize("text,expected", [
    ("loan 150000, 10 years, rate 4.5%, monthly payment?", {"amount": "150000", "term_months": "120", "annual_rate": "4.5"}),
    ("borrow 80k for 6 months", {"amount": "80000", "term_months": "6"}),
    ("300000 10年 4.5 月供多少", {"amount": "300000", "term_months": "120", "annual_rate": "4.5"}),
    ("房子总价200万 贷一半 30年", {"amount": "1000000", "term_months": "360"}),
    ("贷一半，也就是十万", {"amount": "100000"}),
    ("10万存3年定期 利率2.6 到期利息多少", {"deposit_amount": "100000", "deposit_months": "36", "deposit_rate": "2.6"}),
    ("信用卡账单12000分12期 每期手续费0.6%", {"bill_amount": "12000", "instalment_periods": "12", "fee_rate": "0.6"}),
    ("买了5万理财 年化3.2 持有180天 收益多少", {"invest_amount": "50000", "hold_days": "180", "expected_rate": "3.2"}),
    ("我信用卡额度多少", {}),
])
def test_slot_classes(text, expected):
    got = extract_slots(text)
    assert {k: got.get(k) for k in expected} == expected and (expected or got == {})


@pytest.mark.parametrize("text,op", [
    ("做生意周转 需要50w左右", None),  # 周转 is working capital, not a transfer
    ("帮我转50000到我另一张卡", "large_transfer"),
    ("转8万 给我老公", "large_transfer"),
    ("给王先生转六万块 尾号3356", "large_transfer"),  # the sum in words
    ("帮我把信用卡额度提到5万", "raise_limit"),
])
def test_transfer_words(text, op):
    assert high_risk_operation(text, "transfer" if "转" in text else "credit_card", extract_slots(text)) == op


@pytest.mark.parametrize("text,expected", [
    ("利率再低0.3个点", {"rate_change": "-0.3"}),
    ("83000存3年定期，整存整取年利率1.95%，到期利息多少",
     {"deposit_amount": "83000", "deposit_kind": "整存整取", "deposit_months": "36", "deposit_rate": "1.95"}),
    ("赎回20000份，净值1.25，赎回费率0.5%，赎回费多少",
     {"redeem_amount": "25000", "fund_nav": "1.25", "redeem_fee_rate": "0.5"}),
    ("买10万基金 管理费率1.5%", {}),
    ("1万存半年，年利率1.5%，利息是多少",
     {"deposit_amount": "10000", "deposit_kind": "整存整取", "deposit_months": "6", "deposit_rate": "1.5"}),
    ("我要投诉 多收了我200元利息", {"amount": "200"}),
    ("期限减半", {"term_change": "*0.5"}),
    ("期限少5年", {"term_change": "-60"}),
    ("钱再多贷一倍", {"amount_change": "*2"}),
    ("借款金额贰拾万元整 期限叁年", {"amount": "200000", "term_months": "36"}),
    ("做生意资金周转不开想贷50万一年就还", {"amount": "500000", "term_months": "12"}),
    ("我之前在你们这贷了30万 还剩10万没还", {}),
    ("转账5万给朋友", {}),
    ("loan 50w for 5 years, business use", {"loan_purpose": "经营", "amount": "500000", "term_months": "60"}),
])
def test_relative_changes_capital_numerals_past_loans_and_transfers(text, expected):
    got = extract_slots(text)
    assert {k: got.get(k) for k in expected} == expected and (expected or got == {})


@pytest.mark.parametrize("text,expected", [
    ("这个月账单8000想分期", {"bill_amount": "8000"}),
    ("刷了12000块想分期还", {"bill_amount": "12000"}),
    ("我这个月账单8000", {}),  # a bill named, nothing to split yet
    ("账单8000想分期，另外转账3000给我妈", {"bill_amount": "8000"}),  # only the figure the cue names
])
def test_a_sum_to_split_is_read_before_the_periods_are_known(text, expected):
    got = extract_slots(text)
    assert {k: got.get(k) for k in ("bill_amount",) if k in expected or k in got} == expected


@pytest.mark.parametrize("text,expected", [
    ("车贷15万分五年 年利率3.99 一个月还多少", {"amount": "150000", "term_months": "60", "annual_rate": "3.99"}),
    ("公积金贷款50万 30年 按3.1%算 月供多少", {"amount": "500000", "term_months": "360", "annual_rate": "3.1"}),
    ("公积金缴存基数8000", {}),
])
def test_per_month_is_not_a_term_and_a_housing_fund_loan_is_a_loan(text, expected):
    got = extract_slots(text)
    assert {k: got.get(k) for k in ("amount", "term_months", "annual_rate") if k in got or k in expected} == expected


@pytest.mark.parametrize("text,expected", [
    ("假如我投5万，年化3.2%，一年下来收益多少", {"invest_amount": "50000", "expected_rate": "3.2", "hold_days": "365"}),
    ("我要投诉，利息多少", {}),
    # a purchase sum waits for its fee rate; the fee rate alone is the subscription's
    ("想买100万的理财", {"subscribe_amount_hint": "1000000"}),
    ("认购费率0.5%，手续费是多少", {"subscribe_fee_rate": "0.5"}),
    ("买10万理财，年化3%，一年收益多少", {"invest_amount": "100000", "expected_rate": "3", "hold_days": "365"}),
    # a card instalment's count said apart from 分期, its bill named after the sum, its per-period fee alone
    ("分期 20000 12期 每期0.6% 总手续费多少", {"bill_amount": "20000", "instalment_periods": "12", "fee_rate": "0.6"}),
    ("我想把两万四的账单分期", {"bill_amount": "24000"}),
    ("每期手续费0.75%，每期手续费是多少", {"fee_rate": "0.75"}),
])
def test_inputs_said_across_turns_or_apart_are_read(text, expected):
    assert extract_slots(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("20w存1年利率1.75利息多少", {"deposit_amount": "200000", "deposit_kind": "整存整取", "deposit_months": "12",
                           "deposit_rate": "1.75"}),
    ("What's the interest on 100000 yuan in a 2-year fixed deposit at 2%?",
     {"deposit_amount": "100000", "deposit_kind": "整存整取", "deposit_months": "24", "deposit_rate": "2"}),
    ("三年利率是多少", {"term_months": "36"}),
])
def test_a_term_before_its_stated_rate_and_an_english_rate_are_the_deposits(text, expected):
    assert extract_slots(text) == expected
