"""A bare turn inside a task gets that task's FAQs, looked for deeper, never another topic's."""
from agents.retrieval.logic import faq_facts

FX = {"id": "F-FX", "intent": "transfer", "question": "每年购汇额度", "answer": "5万美元"}
PREMIUM = {"id": "F-PREM", "intent": "insurance", "question": "保费怎么交", "answer": "按年交"}


def search(text, k, probs):
    return [(FX, 1.2), (PREMIUM, 0.9)][:k]


def state(text, task="insurance", history=2):
    return {"text": text, "intent": task, "turn_task": task, "history": [{"text": "t"}] * history}


def test_bare_follow_up_keeps_to_its_task():
    assert [f["source_id"] for f in faq_facts("多少钱一年", "insurance", 0.9, search, state("多少钱一年"))] == ["F-PREM"]


def test_first_turns_long_turns_and_other_tasks_search_as_usual():
    assert faq_facts("多少钱一年", "insurance", 0.9, search, state("多少钱一年", history=1))[0]["source_id"] == "F-FX"
    long_text = "我想问一下每年能换多少美元现汇"
    assert faq_facts(long_text, "insurance", 0.9, search, state(long_text))[0]["source_id"] == "F-FX"
    assert faq_facts("多少钱一年", "transfer", 0.9, search, state("多少钱一年", "transfer"))[0]["source_id"] == "F-FX"


def test_a_question_of_its_own_with_the_loans_purpose_and_amount_held_puts_the_faq_first():
    from agents.retrieval.logic import products_first
    held = {"loan_purpose": "消费", "amount": "100000"}
    assert not products_first({"text": "我征信有过两次逾期还能贷吗", "slots": held, "turn_slots": {}}, "loan_inquiry")
    assert products_first({"text": "消费用，10万", "slots": held, "turn_slots": held}, "loan_inquiry")
