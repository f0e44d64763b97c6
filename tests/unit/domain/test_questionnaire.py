"""The risk-tolerance questionnaire as a pure multi-turn flow."""
import json

import pytest

from agents.compliance.lexicon import default_lexicon
from domain.questionnaire import (
    INVALID_HINT,
    QUESTIONS,
    QState,
    answer,
    parse_choice,
    prompt,
    question_text,
    result,
    score,
    start,
)


def run(letters: str) -> tuple[QState, str]:
    state, text = start(), ""
    for letter in letters:
        state, text = answer(state, letter)
    return state, text


def test_questionnaire_shape():
    topics = [q.topic for q in QUESTIONS]
    assert topics == ["age", "income", "investable_share", "experience", "knowledge", "horizon", "goal",
                      "loss_tolerance", "liquidity", "attitude"]
    assert all(4 <= len(q.options) <= 5 for q in QUESTIONS)
    assert sum(max(s for _, s in q.options) for q in QUESTIONS) == 100
    assert sum(min(s for _, s in q.options) for q in QUESTIONS) <= 20
    for i in range(len(QUESTIONS)):
        assert default_lexicon().scan(question_text(i)) == []


def test_all_lowest_answers_give_c1():
    # The lowest-scoring option of each question, spelled out: 66岁及以上, then the first options.
    state, text = run("EAAAAAAAAA")
    assert score(state) == 0 + 2 + 2 + 0 + 0 + 0 + 0 + 0 + 0 + 0
    assert result(state) == "C1" and "C1（保守型）" in text


def test_all_highest_answers_give_c5():
    state, text = run("BEEEEEEEDD")  # 31–45岁 scores highest on age; Q9 and Q10 have four options
    assert score(state) == 100 and result(state) == "C5"
    assert "C5（进取型）" in text and "R5" in text
    assert default_lexicon().scan(text) == []


def test_mid_band_cases_and_a_band_boundary():
    # All C: 6 + 6 + 6 + 5 + 6 + 6 + 6 + 6 + 7 + 6 = 60, the top of C3.
    state, _ = run("CCCCCCCCCC")
    assert score(state) == 60 and result(state) == "C3"
    # Q4 D instead of C: +3 -> 63, C4.
    state, _ = run("CCCDCCCCCC")
    assert score(state) == 63 and result(state) == "C4"
    # D then B everywhere: 3 + 4 + 4 + 3 + 3 + 3 + 3 + 3 + 3 + 3 = 32, C2.
    state, _ = run("DBBBBBBBBB")
    assert score(state) == 32 and result(state) == "C2"


def test_no_loss_of_principal_caps_at_c1():
    state, _ = run("BEEEEEEADD")
    assert score(state) == 90 and result(state) == "C1"


@pytest.mark.parametrize("text,letter", [
    ("A", "A"), ("a", "A"), ("选B", "B"), ("第二个", "B"), ("2", "B"), ("我选C吧", "C"), ("答案是D", "D"),
    ("Ｂ", "B"), ("b.", "B"), ("两", "B"), ("第3个", "C"), (" e ", "E"), ("66岁及以上", "E"), ("选项A", "A"),
])
def test_accepted_answer_forms(text, letter):
    assert parse_choice(text, QUESTIONS[0]) == letter


@pytest.mark.parametrize("text", ["", "不知道", "F", "6", "0", "AB", "A或B", "我不选A", "十", "随便"])
def test_invalid_answers_re_ask_without_advancing(text):
    state, _ = run("ABC")
    again, reply = answer(state, text)
    assert again.answers == state.answers and again.retries == 1
    assert reply.startswith(INVALID_HINT) and question_text(3) in reply
    moved, reply = answer(again, "1")
    assert moved.answers == ("A", "B", "C", "A") and moved.retries == 0 and reply == question_text(4)


def test_option_count_is_respected():
    state, _ = run("ABCDEABC")
    assert parse_choice("E", QUESTIONS[8]) is None  # question 9 has four options
    again, reply = answer(state, "E")
    assert again.answers == state.answers and INVALID_HINT in reply


def test_state_round_trips_through_a_dict_of_strings():
    state, _ = run("ABCDE")
    state, _ = answer(state, "不清楚")
    data = state.to_dict()
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in data.items())
    assert QState.from_dict(json.loads(json.dumps(data))) == state
    assert QState.from_dict(start().to_dict()) == start()
    done, _ = run("CCCCCCCCCC")
    assert result(QState.from_dict(done.to_dict())) == "C3"


@pytest.mark.parametrize("data", [
    {"version": "rq-v0", "answers": "", "retries": "0"},
    {"answers": "AB", "retries": "0"},
    {"version": "rq-v1", "answers": "AZ", "retries": "0"},
    {"version": "rq-v1", "answers": "ABCDEABCDE", "retries": "0"},  # E is no option of question 9
    {"version": "rq-v1", "answers": "A" * 11, "retries": "0"},
    {"version": "rq-v1", "answers": "A", "retries": "-1"},
])
def test_malformed_states_are_rejected(data):
    with pytest.raises(ValueError):
        QState.from_dict(data)


def test_flow_prompts_and_completion():
    state = start()
    assert prompt(state) == question_text(0) and "第1/10题" in prompt(state)
    with pytest.raises(ValueError):
        result(state)
    state, text = run("CCCCCCCCCC")
    assert state.done and "60分" in text and "R3" in text
    same, again = answer(state, "A")
    assert same == state and again == text
