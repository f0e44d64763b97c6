"""The 10-question risk-tolerance questionnaire (风险承受能力评估) as a pure multi-turn flow.

``start()`` gives an empty state, ``prompt(state)`` the current question, ``answer(state, text)``
the next state and what to say; invalid input re-asks the same question without advancing. The
state is a dict of strings (``to_dict``/``from_dict``), so it fits a Faust table or an Avro
map<string,string>.

Scoring: each option carries a score (0–10 per question, 100 at most). Bands on the total:
C1 保守型 0–20, C2 稳健型 21–40, C3 平衡型 41–60, C4 成长型 61–80, C5 进取型 81–100.
Override: a customer who cannot bear any loss of principal (question 8, option A) is C1 whatever
the total, as the suitability rules require.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

VERSION = "rq-v1"
LETTERS = "ABCDE"
LEVEL_NAMES = {"C1": "保守型", "C2": "稳健型", "C3": "平衡型", "C4": "成长型", "C5": "进取型"}
BANDS = ((20, "C1"), (40, "C2"), (60, "C3"), (80, "C4"), (100, "C5"))  # (highest total, level)
NO_LOSS = (7, "A")  # (question index, option): cannot bear any loss of principal -> C1


@dataclass(frozen=True)
class Question:
    topic: str
    text: str
    options: tuple[tuple[str, int], ...]  # (label, score), lettered A, B, ...


QUESTIONS: tuple[Question, ...] = (
    Question("age", "您的年龄是？", (
        ("18–30岁", 8), ("31–45岁", 10), ("46–55岁", 6), ("56–65岁", 3), ("66岁及以上", 0))),
    Question("income", "您的家庭年收入约为？", (
        ("10万元以下", 2), ("10万–30万元", 4), ("30万–50万元", 6), ("50万–100万元", 8), ("100万元以上", 10))),
    Question("investable_share", "可用于投资的金融资产（不含自住房产）约占您家庭总资产的比例是？", (
        ("10%以下", 2), ("10%–25%", 4), ("25%–50%", 6), ("50%–75%", 8), ("75%以上", 10))),
    Question("experience", "您投资股票、基金、理财等产品的经验有多长时间？", (
        ("没有经验", 0), ("1年以内", 3), ("1–3年", 5), ("3–5年", 8), ("5年以上", 10))),
    Question("knowledge", "以下哪项最符合您对金融产品的了解程度？", (
        ("基本不了解", 0), ("了解存款、国债等产品", 3), ("了解理财、基金的风险与收益特征", 6),
        ("了解股票、混合基金并有实际操作", 8), ("熟悉期货、衍生品等复杂产品", 10))),
    Question("horizon", "您计划的投资期限是？", (
        ("6个月以内", 0), ("6个月–1年", 3), ("1–3年", 6), ("3–5年", 8), ("5年以上", 10))),
    Question("goal", "您的主要投资目标是？", (
        ("资金流动性和安全性优先，接受较低回报", 0), ("获取略高于存款的回报，接受较小波动", 3),
        ("资产稳步增值，接受一定波动", 6), ("追求较高回报，接受较大波动", 8), ("追求高回报，接受大幅波动", 10))),
    Question("loss_tolerance", "您能承受的最大投资损失是？", (
        ("不能承受任何本金损失", 0), ("10%以内", 3), ("10%–20%", 6), ("20%–50%", 8), ("50%以上", 10))),
    Question("liquidity", "未来需要动用这笔投资资金的时间大约是？", (
        ("随时可能需要", 0), ("1年以内", 3), ("1–3年", 7), ("3年以上", 10))),
    Question("attitude", "如果您的投资在短期内下跌20%，您会？", (
        ("全部卖出，不再投资", 0), ("卖出一部分，降低风险", 3), ("继续持有，观察情况", 6), ("适当增加投资", 10))),
)
INVALID_HINT = "抱歉，没有识别到您的选择，请回复选项字母（如A）或序号（如1）。"
CN_NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
# Words around a choice ("我选第二个吧", "答案是C") that carry no choice themselves.
FILLER = re.compile(r"我|就|要|选择|选|答案|是|第|个|选项|项|吧|呢|啊|了|的|号|这|那")
PUNCT_OR_SPACE = re.compile(r"[\s\.,，。、！!？?：:；;\"'“”‘’()（）]")


@dataclass(frozen=True)
class QState:
    answers: tuple[str, ...] = ()  # chosen letters, one per answered question
    retries: int = 0  # consecutive unrecognised answers to the current question

    @property
    def done(self) -> bool:
        return len(self.answers) == len(QUESTIONS)

    def to_dict(self) -> dict[str, str]:
        return {"version": VERSION, "answers": "".join(self.answers), "retries": str(self.retries)}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> QState:
        if data.get("version") != VERSION:
            raise ValueError(f"questionnaire state of another version: {data.get('version')!r}")
        answers, retries = data.get("answers", ""), data.get("retries", "0")
        if len(answers) > len(QUESTIONS) or not retries.isdigit():
            raise ValueError("malformed questionnaire state")
        for question, letter in zip(QUESTIONS, answers, strict=False):
            if letter not in LETTERS[:len(question.options)]:
                raise ValueError(f"option {letter!r} does not exist for question {question.topic}")
        return cls(tuple(answers), int(retries))


def start() -> QState:
    return QState()


def question_text(index: int) -> str:
    question = QUESTIONS[index]
    options = "\n".join(f"{LETTERS[i]}. {label}" for i, (label, _) in enumerate(question.options))
    return f"第{index + 1}/{len(QUESTIONS)}题：{question.text}\n{options}"


def prompt(state: QState) -> str:
    """The current question, or the result once all are answered."""
    return result_text(state) if state.done else question_text(len(state.answers))


def parse_choice(text: str, question: Question) -> str | None:
    """The option letter meant by ``text`` ('B', 'b', '选B', '第二个', '2', or the option's label)."""
    norm = PUNCT_OR_SPACE.sub("", unicodedata.normalize("NFKC", text)).lower()
    for i, (label, _) in enumerate(question.options):
        if norm == PUNCT_OR_SPACE.sub("", unicodedata.normalize("NFKC", label)).lower():
            return LETTERS[i]
    core = FILLER.sub("", norm)
    count = len(question.options)
    if len(core) == 1 and "a" <= core <= "z":
        index = ord(core) - ord("a")
    elif core.isascii() and core.isdigit():
        index = int(core) - 1
    elif core in CN_NUMERALS:
        index = CN_NUMERALS[core] - 1
    else:
        return None
    return LETTERS[index] if 0 <= index < count else None


def answer(state: QState, text: str) -> tuple[QState, str]:
    """Record the answer to the current question; re-ask it if ``text`` names no valid option."""
    if state.done:
        return state, result_text(state)
    letter = parse_choice(text, QUESTIONS[len(state.answers)])
    if letter is None:
        again = QState(state.answers, state.retries + 1)
        return again, f"{INVALID_HINT}\n{question_text(len(state.answers))}"
    following = QState((*state.answers, letter), 0)
    return following, prompt(following)


def score(state: QState) -> int:
    """Sum of the chosen options' scores."""
    return sum(q.options[LETTERS.index(letter)][1] for q, letter in zip(QUESTIONS, state.answers, strict=False))


def result(state: QState) -> str:
    """C1..C5 from the score bands, with the no-loss override; the questionnaire must be complete."""
    if not state.done:
        raise ValueError("the questionnaire is not complete")
    question, option = NO_LOSS
    if state.answers[question] == option:
        return "C1"
    total = score(state)
    return next(level for top, level in BANDS if total <= top)


def result_text(state: QState) -> str:
    level = result(state)
    return (f"风险承受能力评估已完成：您的得分为{score(state)}分，风险承受能力等级为{level}（{LEVEL_NAMES[level]}），"
            f"适合购买风险等级不高于R{level[1]}的产品。如您的财务状况或投资目标发生变化，可随时重新评估。")


# The questionnaire's progress travels in the dialogue state's ``flow`` map (name + QState.to_dict()).
QUESTIONNAIRE_FLOW = "risk_questionnaire"


def flow_questionnaire(flow: dict[str, str]) -> QState | None:
    """The questionnaire held in a dialogue state's ``flow``; None when there is none or it is unreadable."""
    if flow.get("name") != QUESTIONNAIRE_FLOW:
        return None
    try:
        return QState.from_dict({k: v for k, v in flow.items() if k != "name"})
    except ValueError:
        return None  # a flow of another questionnaire version is dropped, not crashed on


def questionnaire_flow(state: QState) -> dict[str, str]:
    return {"name": QUESTIONNAIRE_FLOW, **state.to_dict()}
