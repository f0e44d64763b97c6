"""Between a complaint and a topic read almost equally, a grievance about the service decides; a person
asked for, a fraud or a social turn is never settled into a complaint."""
from agents.intent.logic import settled_complaint


def test_grievance_makes_the_near_tie_a_complaint():
    assert settled_complaint("app转账老是失败 体验挺差的", {"transfer": 0.6, "complaint": 0.39}) == "complaint"


def test_impatient_question_stays_the_topic():
    assert settled_complaint("你就直接告诉我，买你们的理财到底能不能保证不亏钱",
                             {"complaint": 0.5, "wealth_inquiry": 0.49}) == "wealth_inquiry"


def test_clear_readings_and_persons_are_left_alone():
    assert settled_complaint("转账老失败", {"transfer": 0.9, "complaint": 0.1}) is None
    assert settled_complaint("回拨我电话吧 打字太麻烦", {"human_agent": 0.55, "complaint": 0.44}) is None
