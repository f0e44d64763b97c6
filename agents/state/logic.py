"""Dialogue-state tracking: accumulated slots, the active task, a multi-turn flow and a 20-turn memory.

Idempotent per turn: a replay of the last applied turn re-emits its state unchanged; an older
turn is dropped, so a re-delivered message never double-applies.

Flow: the risk questionnaire (``domain.questionnaire``) runs over several turns. A
risk_assessment turn starts it; each following turn is its answer (an unrecognised one re-asks)
unless it names no option and carries another clear intent, which abandons it (so do three
unrecognised answers in a row). Its progress is ``flow`` (name + ``QState.to_dict()``), kept in this
state so it survives workers; on completion the customer's level goes to ``slots["customer_risk"]``,
and the finished flow is cleared a turn later.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from contracts.records import carry
from contracts.stage import Emit
from contracts.topics import DIALOGUE_STATE
from domain import questionnaire
from domain.dialogue import asks_procedure, names_a_person, says_bot_failed
from domain.grievance import voices_grievance
from domain.high_risk import CONFIRM_FLOW, REPORTED, confirmation_turn
from domain.numerals import numeric_form
from domain.questionnaire import flow_questionnaire, questionnaire_flow
from domain.tasks import LOAN_WORD, TOOL_SLOT_GROUPS, apply_change, rest_of_price, shift_points

MEMORY_TURNS = 20
# Intents that start or switch a business task; others (greetings, "转人工") leave it as it was.
TASK_INTENTS = frozenset({
    "loan_inquiry", "repayment_calc", "wealth_inquiry", "wealth_calc", "risk_assessment",
    "account_query", "credit_card", "card_security", "transfer", "insurance", "complaint",
})
# Tasks of one conversation family: an inquiry and its calculation.
FAMILY = {"repayment_calc": "loan_inquiry", "wealth_calc": "wealth_inquiry"}
CLEAR_CONFIDENCE = 0.85  # an intent this sure starts or leaves the questionnaire and switches the task
SURE_CONFIDENCE = 0.95  # a reading this sure stands against a reference back
MAX_RETRIES = 3  # unrecognised answers in a row before the questionnaire is left
LOAN_TERMS = ("amount", "term_months", "annual_rate")
NOT_LOAN_CALCULATIONS = frozenset({"card_instalment", "deposit", "reference_return"})
# The task a calculation belongs to: its inputs have explicit cues, so saying one sets the task even
# when the intent model is unsure ("账单1.2万分12期手续费多少" is often read as wealth_calc).
CALCULATION_TASKS = {"pre_approval": "loan_inquiry", "max_principal": "repayment_calc", "prepayment": "repayment_calc",
                     "card_instalment": "credit_card", "deposit": "wealth_calc", "reference_return": "wealth_calc",
                     "compound": "wealth_calc", "redemption": "wealth_calc",
                     "subscription": "wealth_calc"}
# A bare follow-up of a calculation in progress ("分6期呢", "那存5年呢") restates its inputs, not a loan's.
FOLLOW_UPS = {"card_instalment": {"term_months": "instalment_periods", "amount": "bill_amount", "annual_rate": "fee_rate"},
              "deposit": {"term_months": "deposit_months", "amount": "deposit_amount", "annual_rate": "deposit_rate"},
              "reference_return": {"amount": "invest_amount", "annual_rate": "expected_rate"}}
# Talk of a calculation in the last turns that makes bare figures its inputs ("我想把这期账单分期" … "8000块 分12期";
# "定期存款利息" … "本金15万" … "半年" … "年利率1.55%").
CALCULATION_TALK = {"card_instalment": re.compile(r"分期"),
                    "deposit": re.compile(r"(定期|存款|存单|整存整取|零存整取|存)[^,，。]{0,6}(利息|收益|本金)|存\s*\d")}
ASKS_FIGURE = re.compile(r"月供|每月还|每个月还|还多少|利息|收益|多少|算一下|算算|帮我算|计算|测算")
FEE_ASKED = re.compile(r"手续费|费用|利息|多花|多付|多少钱|一共|总共")
CALCULATION_MEMORY = 3  # turns back whose talk still sets a calculation's topic
QUESTION = re.compile(r"多少|吗|怎么|什么|哪|几|如何|能否|有没有|[?？]")


def said_groups(said: dict[str, str]) -> list[str]:
    return [group for group, names in TOOL_SLOT_GROUPS.items() if any(name in said for name in names)]


def follow_up(said: dict[str, str], held: dict[str, str], prev_task: str | None, text: str,
              recent: list[str] = ()) -> dict[str, str]:
    """``said`` with loan terms read as the inputs of the calculation in progress, when the turn is a
    bare follow-up of it (no word of borrowing; any calculation inputs it says are that calculation's own).
    A calculation is in progress once its inputs are held, or when the last turns talk of it (a card
    instalment's 分期, a deposit's 利息 — ``CALCULATION_TALK``)."""
    groups = said_groups(said)
    if len(groups) > 1 or LOAN_WORD.search(text):
        return said
    for group, mapping in FOLLOW_UPS.items():
        if groups and groups != [group]:  # "那分12期呢，每期费率0.6%": the rate is the card's, and so are the periods
            continue
        talk = CALCULATION_TALK.get(group)
        talked = talk is not None and any(talk.search(t) for t in [*recent, text])
        calc_task = CALCULATION_TASKS[group]
        # inputs held continue their own task; talk of the calculation also an inquiry of its family ("定期存款利息" …)
        if ((calc_task == prev_task and (talked or any(name in held for name in TOOL_SLOT_GROUPS[group])))
                or (talked and FAMILY.get(calc_task, calc_task) == FAMILY.get(prev_task, prev_task))):
            return {mapping.get(key, key): value for key, value in said.items()}
    return said


def replace_tool_inputs(slots: dict[str, str], said: dict[str, str], new_question: bool) -> None:
    """Drop held inputs of calculations this turn moves away from (see ``TOOL_SLOT_GROUPS``).

    Saying an input of one calculation drops the held inputs of the others; stating loan terms
    drops those of the calculations that are not about a loan; a new question (a clear task intent
    and no slots) drops them all; a stated amount answers the "how much can I borrow for this
    budget" question, so the budget goes.
    """
    groups = set(said_groups(said))
    if not groups and any(key in said for key in LOAN_TERMS):
        groups = set(TOOL_SLOT_GROUPS) - NOT_LOAN_CALCULATIONS
    for group, names in TOOL_SLOT_GROUPS.items():
        if (groups and group not in groups) or new_question:
            for name in names:
                slots.pop(name, None)
    if "amount" in said and "monthly_budget" not in said:
        slots.pop("monthly_budget", None)


# Asking to take the assessment ("帮我做个风险测评"), as opposed to asking about it ("C3能买R4吗",
# "测评能重做吗"), which the FAQ answers.
TAKE_IT = re.compile(r"帮我|给我|我要|我想|开始|来做|做一下|做个|测一下|测个|评估一下|重新测|重新做|再做一次")
ASKS_ABOUT = re.compile(r"[吗么嘛?？]|多少|怎么|什么|哪|几|能不能|可不可以|是否|区别|意思")


# The questionnaire named: asked for in these words, an unsure reading still starts it ("另外我想买理财，先做下风险问卷").
NAMES_QUESTIONNAIRE = re.compile(r"问卷|测评|风评|风险评估|评估问卷")


STATED_LEVEL = re.compile(r"(?<![a-z0-9])[cC]\s*[1-5](?![0-9])|保守型|稳健型|平衡型|成长型|进取型")
ASKED_FOR = re.compile(r"帮我|给我|我要|我想|开始")


def wants_assessment(text: str) -> bool:
    """"帮我做个风评" or a bare "风险测评"; not a statement ("我做完测评是C4") or a question about it."""
    if asks_procedure(text):  # "测评结果不满意能重新测吗" asks whether, for the FAQ
        return False
    if YES_NO.search(text.strip()) and not ASKED_FOR.search(text):  # "测评结果过期了 要重新做吗" asks whether
        return False
    if STATED_LEVEL.search(text):  # "我是C3" tells the level, it does not ask to be assessed
        return False
    return TAKE_IT.search(text) is not None or (ASKS_ABOUT.search(text) is None and len(text.strip()) <= 6)


def questionnaire_turn(flow: dict[str, str], understanding: dict[str, Any],
                       task: str | None = None) -> tuple[dict[str, str], bool, str | None]:
    """(flow after this turn, whether the turn was a valid answer, the C level when it completed).
    ``task``: the session's task before this turn; mid risk talk a bare "那开始吧" starts it."""
    intent, text = understanding["intent"], understanding["text"]
    state = flow_questionnaire(flow)
    if state is None or state.done:  # a finished questionnaire is cleared the turn after its result
        asked = (intent == "risk_assessment" and wants_assessment(text)
                 and (understanding["confidence"] >= CLEAR_CONFIDENCE or NAMES_QUESTIONNAIRE.search(text) is not None))
        # mid risk talk, only words that take it up start it ("谢谢" after a result does not)
        continued = (task == "risk_assessment" and intent in ("other", "risk_assessment") and state is None
                     and TAKE_IT.search(text) is not None and not asks_procedure(text))
        if asked or continued:
            return questionnaire_flow(questionnaire.start()), False, None
        return {}, False, None
    chosen = questionnaire.parse_choice(text, questionnaire.QUESTIONS[len(state.answers)]) is not None
    if not chosen and intent not in ("other", "risk_assessment") and understanding["confidence"] >= CLEAR_CONFIDENCE:
        return {}, False, None
    state, _ = questionnaire.answer(state, text)
    if state.retries >= MAX_RETRIES:
        return {}, False, None
    return questionnaire_flow(state), chosen, questionnaire.result(state) if state.done else None


# What a turn says besides its figures; a few characters ("那…呢", "改成…", "不对，是…") is a bare refinement.
FIGURES_AND_PUNCTUATION = re.compile(r"[\d.%,，。!！?？\s万千元块年月个期wk]+")
REFINEMENT_WORDS = 6
BARE_SLOT_WORDS = 3
SHORT_UNCLEAR = 12  # characters of a turn the model cannot place that simply goes on with the task
BARE_QUESTION = 6  # characters besides figures: "手续费怎么收", "利息怎么算"
CORRECTION_CUE = re.compile(r"说错了?|搞错了?|写错了?|打错了?|应该是|改成|改为|换成|更正|纠正|不对|我是说")
TASK_FIGURES = frozenset({"amount", "term_months", "annual_rate", "amount_change", "term_change", "rate_change",
                          "loan_purpose"})
IDENTIFIERS = frozenset({"card_last4"})
REFINEMENT_CUE = re.compile(r"^(那|那么|改成|改为|换成|不对|不是|应该是|还是|如果|要是)|[呢吧]$")
# Words that only name the figure being changed ("那要是利率降到3.3呢", "那分3年呢 利率不变").
FIGURE_WORDS = re.compile(r"年化利率|年利率|利率|年化|利息|期限|金额|本金|贷款|借款|额度|首付|月供|期数|尾号|卡号|[这那]张|"
                          r"降到|降为|降低到|涨到|升到|提高到|提到|调到|调成|变成|变为|不变|一样|照旧|的话|如果|要是")


# The card being talked about is gone ("我信用卡额度多少" … "对了 它昨天丢了").
CARD_TASKS = frozenset({"credit_card", "account_query", "card_security"})
CARD_GONE = re.compile(r"(丢|掉|弄丢|被偷|被盗|被抢|找不到|不见)了|丢失|遗失|被吞")
PURCHASE_FIGURES = ("item_price", "down_payment")
# A fraud victim's next words: the money has already gone.
MONEY_GONE = re.compile(r"(已经|刚才|刚刚)?(转|汇)(了|过去|出去|给他|给她|给对方)|打(了)?(钱|款)|打(过去|给他|给她|给对方)|"
                        r"被骗|被转走|钱没了|钱不见了|怎么追回|能追回|(交|付|充值?)了?\s*\d")  # "打了三次电话" is no payment
# Earlier turns' outputs the table keeps for replays (key RECENT, never emitted).
RECENT = "_recent"
REPLAYABLE_TURNS = 4


def public(state: dict[str, Any]) -> dict[str, Any]:
    """The DialogueState as emitted: without the replay memory."""
    return {k: v for k, v in state.items() if k != RECENT}


def stands(understanding: dict[str, Any], intent: str) -> bool:
    """Whether a reading keeps its turn whatever the task in progress: safety always; a grievance or a person
    only when the words voice or name one or the model is sure ("有没有适合小孩的保险" … "那给老人的呢" read unsurely as a request
    for a person is the insurance's)."""
    if intent == "human_agent":
        return names_a_person(understanding["text"]) or understanding["confidence"] >= CLEAR_CONFIDENCE
    if intent == "complaint":  # "有高血压能买吗" read unsurely as a complaint voices none
        return voices_grievance(understanding["text"]) or understanding["confidence"] >= CLEAR_CONFIDENCE
    return intent == "card_security"


def refines(understanding: dict[str, Any], said: dict[str, str], task: str | None) -> bool:
    """Whether the turn only changes the figures of the task in progress (Rasa's correction pattern):
    it states slots, says little else, and the model did not read it confidently as that task."""
    if not said or task is None or understanding["intent"] == task:
        return False
    if any(CALCULATION_TASKS[group] == understanding["intent"] for group in said_groups(said)):
        return False  # "我想存定期" … "20萬存兩年 年利率2.15% 利息多少": the calculation its own inputs and reading name
    rest = FIGURES_AND_PUNCTUATION.sub("", numeric_form(understanding["text"]))
    if len(rest) > BARE_SLOT_WORDS and stands(understanding, understanding["intent"]):
        return False  # "我要投诉！！！房贷利率凭什么比别人高…": a grievance that names a purpose is still one
    unsure = understanding["confidence"] < CLEAR_CONFIDENCE
    if (understanding["intent"] == "other" or len(rest) <= BARE_SLOT_WORDS
            or (unsure and len(FIGURE_WORDS.sub("", rest)) <= BARE_SLOT_WORDS)):
        return True  # nothing but figures and a slot word or two ("20年 利率4.2")
    if set(said) <= IDENTIFIERS and len(FIGURE_WORDS.sub("", rest)) <= BARE_SLOT_WORDS:
        return True  # "就尾号8866那张": which card (or account) the task is about
    if CORRECTION_CUE.search(rest) and set(said) <= TASK_FIGURES:
        return True  # "利率说错了，应该是4.35%": however long, a correction of the figures in play
    if (task == "repayment_calc" and understanding["intent"] == "loan_inquiry" and set(said) <= TASK_FIGURES
            and not QUESTION.search(understanding["text"])):
        return True  # "帮我算下月供" … "贷款金额60万": the loan's figures feed the calculation asked for
    # A confident other reading ("转8万给我老公") stands unless the words are a refinement's own.
    unsure = understanding["confidence"] < CLEAR_CONFIDENCE or REFINEMENT_CUE.search(rest) is not None
    return len(rest) <= REFINEMENT_WORDS and unsure


# A follow-up question that leans on what was just discussed ("那上个月的呢", "这个是什么意思").
FOLLOW_UP_CUE = re.compile(r"^(那|那么|还有|另外|然后)|^(真的|是真的|确定|靠谱)(吗|么|嘛)|呢[?？]?$|这个|那个|它|怎么办|什么意思|会(怎样|怎么样|咋样|如何)|有(什么|啥)影响|"
                           r"(要|需要)(准备|带|提供)?(什么|哪些|啥)|材料|多久|多长时间")
# The customer says outright that the turn is about what was just said.
BACK_REFERENCE = re.compile(r"(刚才|刚刚|刚|上面|前面|之前|你)(说|讲|提|介绍|推荐)(的|到的|过的)")
# A bare question word and a verb ("怎么提高", "哪个好一点", "要多久"): it can only be about what was just said.
SHORT_WH = re.compile(r"^(怎么|如何|咋|哪个|哪种|哪一个|哪家|多久|多长时间|什么时候|几天|要多久)[^,，。]{0,5}[?？]?$")
# Pointing at something already in the conversation ("这个分红怎么查", "第二个手续费怎么算").
# (a 那个/这个 that only fills a pause, "那个，我想问…", or names a period, "这个月", points at nothing)
POINTS_BACK = re.compile(r"这个(?![,，月周星季年])|那个(?![,，\s])|这款|那款|这种|那种|这笔|那笔|这份|那份|(?<!其)它|"
                         r"第[一二三四五六七八九十两\d]+(个|款|种|张|笔|项|只|份)(?!月|季度|星期|工作日|小时)")
# A modifier left for the task to complete ("我想查下交易记录" … "上个月的").
FRAGMENT = re.compile(r"^(?!(好|是|对|真|行|可以|嗯|哦|知道|明白)的)[^,，。!！?？\s]{1,5}的[吧呢呀啊]?[?？]?$")
# A bare yes/no question leans on nothing by itself: "你会唱歌吗" is its own question when the model is sure.
YES_NO = re.compile(r"(?<!什)[吗么嘛][?？]?$")
ASKS_WHETHER = re.compile(r"能不能|可不可以|能否|可否")  # "能不能帮我推迟几天还"


def asks_about_it(text: str, task: str | None, confidence: float = 0.0) -> bool:
    """Whether a turn the model could not place is a follow-up question on the task in progress."""
    if task is None or task not in TASK_INTENTS:
        return False
    text = text.strip()
    return (FOLLOW_UP_CUE.search(text) is not None or SHORT_WH.match(text) is not None
            or FRAGMENT.match(text) is not None or REPORT.match(text) is not None
            # a yes/no question not put to the bot itself, unless the model is sure it is small talk ("会失效吗";
            # "你会唱歌吗", "明天会下雨吗" are their own)
            or (YES_NO.search(text) is not None and ADDRESSES_BOT.search(text) is None and confidence < SURE_CONFIDENCE)
            or ((YES_NO.search(text) is not None or ASKS_WHETHER.search(text) is not None) and confidence < CLEAR_CONFIDENCE))


# What the customer did or is, said in a few words ("我已经下了", "交了3000", "去年在柜台买的", "65岁"): the
# task's facts, not a new topic.
REPORT = re.compile(r"^(?![^,，。]*(知道|明白|懂|算了|不想|不要|不用|不办|没事|好了|行了|可以了|好的|是的|对的))"
                    r"[^,，。!！?？]{2,10}(了|过|的)[。.!！]?$|^\d+(\.\d+)?\s*(岁|元|块|万|千|天|年|个月|期)[。.!！]?$")
ADDRESSES_BOT = re.compile(r"你|您")


def refers_back(understanding: dict[str, Any], task: str | None, intent: str) -> bool:
    """"刚才说的那个…" (unless the model is sure), or an unsure reading that points at something
    ("这个分红怎么查" after buying a policy): about what was just said, never against a safety,
    grievance or handoff reading ("你说的验证码我刚收到，对方让我转账" stays card_security)."""
    if task not in TASK_INTENTS or stands(understanding, intent):
        return False
    text, confidence = understanding["text"], understanding["confidence"]
    return ((confidence < SURE_CONFIDENCE and BACK_REFERENCE.search(text) is not None)
            or (confidence < CLEAR_CONFIDENCE and POINTS_BACK.search(text) is not None))


# The product a reading is about, named in so many words.
TOPIC_NOUNS = {"insurance": re.compile(r"保险|保单|[寿意医重万分年]险"), "credit_card": re.compile(r"信用卡"),
               "loan_inquiry": re.compile(r"贷款|房贷|车贷"), "wealth_inquiry": re.compile(r"理财|基金"),
               "transfer": re.compile(r"转账|汇款")}


def names_own_topic(text: str, intent: str, task: str | None) -> bool:
    """Whether the turn names the product of its reading, and not that of the task in progress."""
    own = TOPIC_NOUNS.get(FAMILY.get(intent, intent))
    other = TOPIC_NOUNS.get(FAMILY.get(task, task)) if task else None
    return (own is not None and own.search(text) is not None and own is not other
            and (other is None or other.search(text) is None))


def continues_task_in_progress(understanding: dict[str, Any], said: dict[str, str], task: str | None, intent: str,
                               unclear: bool) -> bool:
    """A refinement of the task's figures, a follow-up question the model could not place, or an explicit
    reference back: the turn belongs to the task in progress, whatever the model read."""
    if stays_in_emergency(understanding, task, intent):  # first: mid a fraud, "他让我买理财" is the fraud's
        return True
    if names_own_topic(understanding["text"], intent, task):  # "这个保险保本吗" after a deposit's talk: the insurance
        return False
    return (refines(understanding, said, task)
            or (intent == "complaint" and task not in (None, "complaint") and not stands(understanding, intent))
            or answers_purpose(understanding, said, task, intent)
            or corrects_reading(understanding, task, intent)
            or ((unclear or intent == "human_agent") and task in TASK_INTENTS and task != "complaint"
                and len(understanding["text"].strip()) <= SHORT_UNCLEAR
                and not stands(understanding, intent))  # "我想贷款" … "就是缺钱", read as nothing in particular
            or (((intent not in TASK_INTENTS and not stands(understanding, intent)) or unclear)
                and asks_about_it(understanding["text"], task, understanding["confidence"]))
            or refers_back(understanding, task, intent)
            or bare_question(understanding, task, intent))


def stays_in_emergency(understanding: dict[str, Any], task: str | None, intent: str) -> bool:
    """Mid a lost card or a fraud, an unsure reading of the card's or account's everyday business, or what the
    caller said or told the customer to do ("让我加QQ", "让转5万"), is the emergency's ("手机刚被偷了" …
    "上面有手机银行，还绑了工资卡")."""
    return task == "card_security" and (
        (intent in CARD_TASKS and understanding["confidence"] < CLEAR_CONFIDENCE)
        or (not stands(understanding, intent) and REPORTED.search(understanding["text"]) is not None))


def answers_purpose(understanding: dict[str, Any], said: dict[str, str], task: str | None, intent: str) -> bool:
    """A loan's purpose, the first thing a loan inquiry asks, answered ("我想借钱" … "给孩子交学费 出国读书",
    confidently read as a transfer): the loan's, unless it reads as safety, grievance or a person."""
    return FAMILY.get(task, task) == "loan_inquiry" and "loan_purpose" in said and not stands(understanding, intent)


def corrects_reading(understanding: dict[str, Any], task: str | None, intent: str) -> bool:
    """"不对 我是想改一下受益人": a correction of what the bot took the turn for stays on the task's topic unless
    the model is sure of another or the turn names another product."""
    return (task in TASK_INTENTS and task != "complaint" and not stands(understanding, intent)
            and understanding["confidence"] < CLEAR_CONFIDENCE
            and CORRECTION_CUE.search(understanding["text"][:6]) is not None)


def bare_question(understanding: dict[str, Any], task: str | None, intent: str) -> bool:
    """A question word and a verb ("多久能到账" after asking about a claim), a "那…" question or a question
    of a few characters ("手续费怎么收") that the model reads only unsurely as another topic leans on the
    task in progress (never against safety, grievance or a person)."""
    text = understanding["text"].strip()
    leans = (SHORT_WH.match(text) is not None
             or (QUESTION.search(text) is not None
                 and (text.startswith(("那", "那么")) or len(FIGURES_AND_PUNCTUATION.sub("", text)) <= BARE_QUESTION)))
    # a turn with its own figures is its own calculation ("那我存二十万，三年，按2.35%算")
    # (a complaint in progress never absorbs a question on another topic: "…有点不爽" … "那现在定期利率多少")
    return (task in TASK_INTENTS and task != "complaint" and not stands(understanding, intent)
            and understanding["confidence"] < CLEAR_CONFIDENCE and leans and not understanding["slots"])


def next_task(previous: str | None, understanding: dict[str, Any], said: dict[str, str]) -> str | None:
    """A calculation's inputs set its task; otherwise a task intent switches it, unless it is unsure
    and the turn only adds slots ("年化4.2%" read as risk_assessment continues the loan)."""
    groups = said_groups(said)
    if groups:
        return CALCULATION_TASKS[groups[0]]
    intent = understanding["intent"]
    if intent not in TASK_INTENTS:
        return previous
    if (previous and said and understanding["confidence"] < CLEAR_CONFIDENCE and not stands(understanding, intent)
            and not names_borrowing(intent, previous, understanding["text"])):
        return previous
    return intent


def names_borrowing(intent: str, previous: str | None, text: str) -> bool:
    """A loan reading of a turn that says 贷/借 itself leaves another topic ("信用卡账单怎么分期" …
    "算了，问下贷款：借10万，2年，年化4.5，月供多少"), however unsure the model is."""
    return (FAMILY.get(intent, intent) == "loan_inquiry" != FAMILY.get(previous, previous)
            and LOAN_WORD.search(text.replace("借记", "")) is not None)


def advance(previous: dict[str, Any] | None, understanding: dict[str, Any]) -> tuple[dict[str, Any] | None, list[Emit]]:
    """Apply one Understanding to the session state; returns (state to store, emits)."""
    if previous is not None and understanding["turn_id"] <= previous["turn_id"]:
        # A replay (the worker died before its outputs were delivered, though the table's changelog
        # was): re-emit what that turn emitted, never re-apply it. Older turns are kept for this,
        # because the table may already hold a later turn whose output was not delivered either.
        emitted = previous if understanding["turn_id"] == previous["turn_id"] else \
            previous.get(RECENT, {}).get(str(understanding["turn_id"]))
        return previous, ([Emit(DIALOGUE_STATE, "DialogueState", public(emitted))] if emitted else [])
    prev = previous or {}
    slots = dict(prev.get("slots", {}))
    flow, answered, level = questionnaire_turn(dict(prev.get("flow", {})), understanding, prev.get("active_task"))
    if not flow_questionnaire(flow):  # the questionnaire owns its turns; otherwise 二次确认 may
        held = dict(prev.get("flow", {}))
        flow = confirmation_turn(held if held.get("name") == CONFIRM_FLOW else {}, understanding["text"],
                                 understanding["intent"], understanding["slots"])
    # An answer's numbers ("10万元以下") are options, not loan slots.
    said = {} if answered else follow_up(dict(understanding["slots"]), slots, prev.get("active_task"),
                                         understanding["text"],
                                         [m["text"] for m in prev.get("history", [])[-CALCULATION_MEMORY:]])
    changes = {slot: said.pop(f"{slot}_change") for slot in ("amount", "term", "rate") if f"{slot}_change" in said}
    clear = understanding["intent"] in TASK_INTENTS and understanding["confidence"] >= CLEAR_CONFIDENCE
    asks = QUESTION.search(understanding["text"]) is not None  # "标准普卡" answers; "年费多少" asks anew
    replace_tool_inputs(slots, said, new_question=clear and asks and not said and not answered)
    hints = {key.removesuffix("_hint"): said.pop(key) for key in list(said) if key.endswith("_hint")}
    if said.get("loan_purpose", slots.get("loan_purpose")) != slots.get("loan_purpose"):
        for key in PURCHASE_FIGURES:  # another purchase: the old price and down payment are not its own
            slots.pop(key, None)
    share = said.pop("loan_share", None)
    slots.update(said)
    if share is not None and "item_price" in slots and "amount" not in said:
        slots["amount"] = apply_change(slots["item_price"], "*" + share) or slots.get("amount", "")
    for key, value in hints.items():  # "学费要6万", "首付…": weak evidence fills only an empty slot
        slots.setdefault(key, value)
    if level is not None:
        slots["customer_risk"] = level
    for slot, change in changes.items():
        key = {"amount": "amount", "term": "term_months", "rate": "annual_rate"}[slot]
        if change == "rest":
            resolved = rest_of_price(slots)
        else:
            resolved = shift_points(slots.get(key), change) if slot == "rate" else apply_change(slots.get(key), change)
        if resolved is None and slot == "amount" and change.startswith("+") and key not in slots:
            resolved = change[1:]  # "想再借20万" with no amount held is the amount
        if resolved is None and slot == "amount" and change.startswith("*") and "item_price" in slots:
            resolved = apply_change(slots["item_price"], change)  # "看中一台30万的车" … "贷一半"
        if resolved is not None:
            slots[key] = resolved
    intent = understanding["intent"]
    active_task = next_task(prev.get("active_task"), understanding, said or changes)
    if flow.get("name") == CONFIRM_FLOW and flow.get("intent") and (
            flow.get("stage") in ("confirmed", "cancelled") or flow != prev.get("flow")):
        # "确认" / "算了" answer the operation asked about; the request itself is its task's
        intent = active_task = flow["intent"]
    unclear = understanding["needs_clarification"] and not flow
    if prev.get("active_task") in CARD_TASKS and CARD_GONE.search(understanding["text"]):
        intent, active_task, unclear = "card_security", "card_security", False  # "对了 它昨天丢了": the card talked about
    elif prev.get("active_task") == "card_security" and MONEY_GONE.search(understanding["text"]):
        intent, active_task, unclear = "card_security", "card_security", False  # "我已经转了2万了怎么办": still the fraud
    elif (unclear and intent in TASK_INTENTS and not stays_in_emergency(understanding, prev.get("active_task"), intent)
          and (intent == prev.get("active_task") or names_own_topic(understanding["text"], intent, None))):
        # an unsure reading the conversation's task agrees with ("手机银行转账" … "每天限额是多少"), or whose product
        # the turn names ("这个保险保本吗 能随时取吗"), needs no clarifying question
        unclear = False
    elif continues_task_in_progress(understanding, said or changes, prev.get("active_task"), intent, unclear):
        # "那20万呢", "不对，是15年", "要准备什么材料": the task in progress, whatever the model read
        intent, active_task, unclear = prev["active_task"], prev["active_task"], False
        if intent == "transfer" and not flow and "amount" in said:
            # "给我哥转3万" … "不对，是7万": the corrected sum is the transfer asked for, with its confirmation
            flow = confirmation_turn({}, "转账", "transfer", {"amount": said["amount"]})
    if ((intent == "card_security" or prev.get("active_task") == "card_security") and flow.get("name") == CONFIRM_FLOW
            and flow.get("op") == "large_transfer" and flow != prev.get("flow")):
        flow = {}  # "让转5万", "我要转10万给他" mid a fraud: never a transfer to confirm there and then
    if intent == "human_agent" and not stands(understanding, intent):
        intent, unclear = "other", True  # "刚接到一个电话" read unsurely as asking for a person: ask, do not queue
    if says_bot_failed(understanding["text"]) and intent not in ("card_security", "complaint"):
        intent, unclear = "human_agent", False  # "你到底能不能听懂？": failing them again would not help
    if (intent == "loan_inquiry" and FAMILY.get(prev.get("active_task"), prev.get("active_task")) == "loan_inquiry"
            and (said or changes)
            and all(k in slots for k in LOAN_TERMS)
            and (set(said) | set(changes)) & {"amount", "term_months", "annual_rate", "term", "rate"}):
        # a loan's figures changed with all three held ("那分10年呢", "不对，四十万"): the answer is its repayment
        intent = active_task = "repayment_calc"
    if (said and (active_task == prev.get("active_task") or said_groups(said)) and not stands(understanding, intent)
            and intent in TASK_INTENTS
            and FAMILY.get(intent, intent) != FAMILY.get(active_task, active_task)
            and understanding["confidence"] < CLEAR_CONFIDENCE):
        # the unsure reading the task (or the calculation's own inputs) did not follow ("12期的话可以提前还吗"
        # mid card instalments, "认购费率0.5%，手续费是多少"); a sibling reading stands ("年化4.8%，分3年，每月还多少"
        # mid a loan inquiry is the repayment calculation)
        intent = active_task
    if (changes and not said and intent != active_task and FAMILY.get(intent, intent) == FAMILY.get(active_task, active_task)
            and understanding["confidence"] < CLEAR_CONFIDENCE and not ASKS_FIGURE.search(understanding["text"])):
        intent = active_task  # "想贷款装修 20万" … "算了 贷一半就行": a changed amount, no calculation asked
    card_inputs = TOOL_SLOT_GROUPS["card_instalment"]
    if active_task == "credit_card" and (
            ("card_instalment" in said_groups(said) or all(k in slots for k in card_inputs))
            and FEE_ASKED.search(understanding["text"])
            or ("card_instalment" in said_groups(said) and prev.get("intent") == "repayment_calc"
                and prev.get("active_task") == "credit_card")):
        # the fee of a card instalment asked for ("每期手续费多少"), or its follow-up ("那分12期呢"): a repayment
        # calculation, by the brief's labels (the card stays the task)
        intent = "repayment_calc"
    # This turn's own task: a task intent, or slots / a questionnaire answer that continue one. A turn that
    # does neither ("讲个笑话" mid-loan) keeps the session's task in memory but does not answer it.
    continues = (intent in TASK_INTENTS and not unclear) or bool(said) or bool(changes) or answered or bool(flow)
    turn_task = active_task if continues else None
    memory = {"turn_id": understanding["turn_id"], "text": understanding["text"], "intent": intent}
    state = {
        **carry(understanding), "text": understanding["text"], "intent": intent,
        "confidence": understanding["confidence"], "slots": slots, "turn_slots": understanding["slots"],
        "active_task": active_task, "turn_task": turn_task, "turn_count": int(prev.get("turn_count", 0)) + 1,
        "history": [*prev.get("history", []), memory][-MEMORY_TURNS:],
        "emotion": understanding["emotion"],
        "emotion_trajectory": [*prev.get("emotion_trajectory", []), understanding["emotion"]][-MEMORY_TURNS:],
        # A turn the questionnaire took (an answer or a re-ask) is clear in its context.
        "needs_clarification": unclear, "flow": flow,
    }
    recent = {**prev.get(RECENT, {}), **({str(prev["turn_id"]): public(prev)} if "turn_id" in prev else {})}
    kept = sorted(recent, key=int)[-REPLAYABLE_TURNS:]
    stored = {**state, RECENT: {k: recent[k] for k in kept}}
    return stored, [Emit(DIALOGUE_STATE, "DialogueState", state)]


def with_turn_embedding(emits: list[Emit], understanding: dict[str, Any]) -> list[Emit]:
    """The turn's DialogueState carrying the embedding its Understanding brought, for retrieval; the stored
    state never holds it (only the emitted copy does)."""
    embedding = understanding.get("embedding")
    if not embedding:
        return emits
    return [replace(e, datum={**e.datum, "embedding": embedding})
            if e.schema == "DialogueState" and e.datum.get("turn_id") == understanding["turn_id"] else e
            for e in emits]
