"""An FAQ answers on its own when it is well matched, or clear of the runner-up; a close race does not."""
from agents.generation.logic import sure_faq_of


def faq(score):
    return {"kind": "faq", "source_id": f"F{score}", "score": score}


def test_high_score_is_sure():
    assert sure_faq_of([faq(1.1), faq(1.09)])["score"] == 1.1


def test_clear_lead_is_sure_below_the_high_score():
    assert sure_faq_of([faq(1.04), faq(0.73)])["score"] == 1.04
    assert sure_faq_of([faq(0.95)]) is None  # a lead needs a runner-up


def test_close_race_or_weak_match_is_not():
    assert sure_faq_of([faq(1.0), faq(0.9)]) is None
    assert sure_faq_of([faq(0.85), faq(0.5)]) is None
    assert sure_faq_of([]) is None
