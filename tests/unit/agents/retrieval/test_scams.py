"""The fraud typology from the knowledge file: matched on what the customer says, answered with its advice."""
from __future__ import annotations

import pytest

from agents.generation.logic import compose
from agents.retrieval.logic import retrieve
from agents.retrieval.scams import ScamTypology
from engines.graph.neo4j_store import read_jsonl
from streams.settings import REPO_DIR
from tests.fakes import InMemoryCatalogue
from tests.samples import SAMPLES

SCAMS = read_jsonl(REPO_DIR / "data" / "knowledge" / "scams.jsonl")


@pytest.fixture(scope="module")
def typology():
    t = ScamTypology()
    assert t.refresh(InMemoryCatalogue([], [], SCAMS)) and not t.refresh(InMemoryCatalogue([], [], SCAMS))
    return t


@pytest.mark.parametrize("text,scam", [
    ("我的卡不见了怎么办", "SCAM-LOST-CARD"),
    ("有个自称警察的人说我涉嫌洗钱", "SCAM-POLICE"),
    ("他让我把钱转到安全账户", "SCAM-SAFE-ACCOUNT"),
    ("快递客服说要退款让我开屏幕共享", "SCAM-SCREEN-SHARE"),
    ("网贷说我卡号填错了要交解冻费", "SCAM-LOAN-APP"),
    ("我把验证码告诉别人了", "SCAM-LEAKED-CODE"),
    # customers write English too; the typology carries English cues
    ("A police officer said my account is involved in money laundering", "SCAM-POLICE"),
    ("Customer service asked me to share my screen for a refund", "SCAM-SCREEN-SHARE"),
    ("I clicked a link in a text message", "SCAM-SMS-LINK"),
    ("I gave the verification code to a caller", "SCAM-LEAKED-CODE"),
])
def test_each_type_is_recognised_by_its_cues(typology, text, scam):
    assert typology.match(text)[0]["source_id"] == scam


def test_ordinary_banking_reveals_no_scam(typology):
    assert [typology.match(t) for t in ("信用卡年费多少", "贷款30万3年月供多少", "转账限额是多少",
                                        "I linked my card to a new phone")] == [[], [], [], []]


def test_a_revealed_scam_is_answered_with_its_advice_whatever_the_intent(typology):
    state = {**SAMPLES["DialogueState"], "text": "他让我把钱转到安全账户 我要转吗", "intent": "transfer", "slots": {}}
    [context] = retrieve(state, InMemoryCatalogue([]), lambda *a: [], typology.match)
    assert context.datum["facts"][0]["kind"] == "scam"
    [draft] = compose(context.datum)
    assert draft.datum["intent"] == "card_security" and draft.datum["source_ids"] == ["SCAM-SAFE-ACCOUNT"]
    assert "安全账户" in draft.datum["text"] and draft.datum.get("review_op") is None


def test_every_advice_passes_the_compliance_gate_untouched():
    from agents.compliance.logic import assess
    from agents.compliance.model import SentenceViolationModel, default_lexicon
    from streams.settings import get_settings
    from streams.train import train_backend

    settings = get_settings()
    train_backend("compliance")
    model = SentenceViolationModel.load(settings.compliance_model_dir())
    flagged = [s["id"] for s in SCAMS if assess(s["advice"], default_lexicon(), model, settings.compliance.threshold)]
    assert flagged == []


@pytest.mark.parametrize("text", ["保险理赔要什么材料", "收不到验证码怎么办", "逾期会影响征信吗", "有没有稳赚的理财"])
def test_an_ordinary_word_a_scam_also_uses_is_not_a_scam_alone(typology, text):
    assert typology.match(text) == []


def test_two_hints_together_reveal_one(typology):
    assert typology.match("有人让我下载app说给我退款")[0]["source_id"] == "SCAM-SCREEN-SHARE"


def test_a_sum_inside_a_cue_does_not_hide_it_and_a_cue_counts_once(typology):
    assert [f["source_id"] for f in typology.match("他们说要先交2000保证金才放款 这个正常吗")] == ["SCAM-LOAN-APP"]
    assert typology.match("我想贷款20万 放款要多久") == []


def test_latin_letters_alone_do_not_make_a_lexical_match():
    from agents.retrieval.lexical import CharTfidf

    tfidf = CharTfidf(["什么是SWIFT代码", "银行卡丢失如何挂失"])
    assert not tfidf.scores("my card was stolen").any()
    assert tfidf.scores("卡丢了怎么挂失").argmax() == 1


def test_a_fraud_follow_up_that_reveals_nothing_itself_continues_the_scam_just_told(typology):
    history = [{"turn_id": 1, "text": "有个自称淘宝客服的让我开屏幕共享，说给我退款", "intent": "card_security"},
               {"turn_id": 2, "text": "他现在让我打开手机银行", "intent": "card_security"}]
    state = {**SAMPLES["DialogueState"], "text": "他现在让我打开手机银行", "intent": "card_security",
             "active_task": "card_security", "slots": {}, "history": history}
    [context] = retrieve(state, InMemoryCatalogue([]), lambda *a: [], typology.match)
    assert context.datum["facts"][0]["source_id"] == "SCAM-SCREEN-SHARE"
    # a turn on another topic does not inherit it
    other = {**state, "text": "信用卡年费多少", "intent": "credit_card", "active_task": "credit_card"}
    [context] = retrieve(other, InMemoryCatalogue([]), lambda *a: [], typology.match)
    assert not [f for f in context.datum["facts"] if f["kind"] == "scam"]
