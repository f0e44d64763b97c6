"""Agreeing to a held operation is recognised however it is worded, and nothing else reads as agreement."""
import pytest

from domain.dialogue import affirms
from domain.high_risk import confirmation_turn


@pytest.mark.parametrize("text", ["是的 确认", "是的，我确认", "确认，提吧", "确认无误，转吧", "好的那就提交吧", "转吧", "确认", "嗯嗯", "那就这样办吧",
                                  "是我本人操作", "对，帮我转", "ok", "可以的"])
def test_agreement(text):
    assert affirms(text)


@pytest.mark.parametrize("text", ["不确认", "取消", "确认一下我的余额", "可以转多少", "我要转账", "好的谢谢", "no", "转给谁"])
def test_not_agreement(text):
    assert not affirms(text)


def test_a_procedure_asked_then_requested_awaits_confirmation():
    from domain.high_risk import EXPLAINED, confirmation_turn

    explained = confirmation_turn({}, "预留手机号怎么改", "account_query", {})
    assert explained["stage"] == EXPLAINED and explained["op"] == "change_reserved_phone"
    asked = confirmation_turn(explained, "好，帮我改成15012345678", "other", {})
    assert asked["stage"] == "asked" and asked["op"] == "change_reserved_phone" and asked["intent"] == "account_query"
    assert confirmation_turn(asked, "确认", "other", {})["stage"] == "confirmed"
    # a procedure explained is no standing request: another question drops it
    assert confirmation_turn(explained, "信用卡年费多少", "credit_card", {}) == {}


def test_asking_for_a_person_after_a_procedure_requests_no_operation():
    from domain.high_risk import confirmation_turn

    explained = confirmation_turn({}, "信用卡怎么提额", "credit_card", {})
    assert confirmation_turn(explained, "你说的我听不懂 给我转人工", "human_agent", {}) == {}
    assert confirmation_turn(explained, "那帮我提一下额度", "credit_card", {})["stage"] == "asked"


def test_an_unrelated_request_after_a_procedure_starts_nothing():
    from domain.high_risk import confirmation_turn

    explained = confirmation_turn({}, "转10万给供应商怎么操作", "transfer", {})
    assert explained["op"] == "large_transfer"
    assert confirmation_turn(explained, "帮我查一下汇率", "transfer", {}) == {}


def test_what_it_takes_to_raise_a_limit_is_asked_not_requested_and_the_request_after_it_keeps_its_card():
    explained = confirmation_turn({}, "提额要什么条件", "credit_card", {})
    assert explained["stage"] == "explained" and explained["intent"] == "credit_card"
    asked = confirmation_turn(explained, "那直接帮我提到8万吧", "transfer", {"amount": "80000"})
    assert asked["stage"] == "asked" and asked["op"] == "raise_limit" and asked["intent"] == "credit_card"
    again = confirmation_turn(confirmation_turn({}, "帮我把信用卡固定额度调到十万", "credit_card", {}),
                              "对，确认提额到10万", "transfer", {"amount": "100000"})
    assert again["stage"] == "confirmed" and again["intent"] == "credit_card"


@pytest.mark.parametrize("text", ["就这样吧", "好，改成8万", "对 3万"])
def test_a_goodbye_or_a_changed_figure_is_no_yes(text):
    assert not affirms(text)


def test_someone_elses_words_never_keep_a_request_waiting():
    asked = confirmation_turn({}, "帮我转10万给我儿子", "transfer", {"amount": "100000"})
    assert asked["stage"] == "asked"
    assert confirmation_turn(asked, "对方说要先转到安全账户", "transfer", {}) == {}
    assert confirmation_turn(asked, "转给我儿子", "transfer", {})["stage"] == "asked"


def test_the_customers_own_demand_is_still_a_high_risk_request():
    from domain.high_risk import high_risk_operation
    assert high_risk_operation("要求把信用卡额度提高到5万", "credit_card", {}) == "raise_limit"
    assert high_risk_operation("让我把额度提高到5万", "credit_card", {}) is None  # the caller's instruction
