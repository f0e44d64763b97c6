"""High-risk operations that need a human's secondary confirmation before the bank acts.

A pure rule on what the customer asked for: changing the reserved phone number, raising a card
or transfer limit, unfreezing a card, or a large transfer. Generation uses it to hold the turn;
escalation routes the held turn to ``cs.review.v1``.
"""
from __future__ import annotations

import re

from domain.dialogue import affirms, asks_done, asks_procedure, denies, wants_human
from domain.numerals import UNIT, numeric_form

LARGE_TRANSFER_YUAN = 50_000
PATTERNS = (
    ("change_reserved_phone", re.compile(r"(预留|绑定|银行)?(手机号|手机号码|电话号码)[^,，。]{0,6}(改|换|变更|修改)|"
                                         r"(改|换|变更|修改)[^,，。]{0,6}(预留|绑定)(的)?(手机|电话)")),
    ("raise_limit", re.compile(r"提额|(额度|限额)[^,，。]{0,4}(提到|调到|升到|提升到|加到)|提高[^,，。]{0,4}(额度|限额)|(额度|限额)[^,，。]{0,4}(调高|提高|提升|上调)|调高[^,，。]{0,4}(额度|限额)")),
    ("unfreeze_card", re.compile(r"解冻|解除冻结|解除挂失|解挂|取消冻结")),
)
PENDING_TEXT = {
    "change_reserved_phone": "变更预留手机号属于高风险业务，需要人工复核确认。您的申请已提交复核，结果会第一时间通知您，请保持电话畅通。",
    "raise_limit": "调整额度属于高风险业务，需要人工复核确认。您的申请已提交复核，结果会第一时间通知您。",
    "unfreeze_card": "解除冻结属于高风险业务，需要人工复核确认。您的申请已提交复核，结果会第一时间通知您。",
    "large_transfer": "大额转账需要人工复核确认。您的转账申请已提交复核，复核通过前资金不会划出。",
}
CONFIRM_TEXT = ("您申请的{op}属于高风险业务，提交后需要人工复核。请确认是否提交该申请？"
                "回复“确认”提交，回复“取消”放弃。")
CANCELLED_TEXT = "好的，已为您取消{op}申请，未做任何变更。还有什么可以帮您？"
APPROVED_TEXT = "您提交的{op}申请已通过人工复核，正在为您办理，办理完成后会短信通知您。"
REJECTED_TEXT = "很抱歉，您提交的{op}申请未通过人工复核{note}。如有疑问请联系人工客服或前往网点办理。"
# The task each operation belongs to, whatever the model read the request as ("帮我把预留手机号改成…"
# is the account's business; a limit raised keeps its reading: a card's or a transfer's).
OP_TASKS = {"change_reserved_phone": "account_query", "large_transfer": "transfer"}
OP_NAMES = {"change_reserved_phone": "预留手机号变更", "raise_limit": "额度调整", "unfreeze_card": "解除冻结",
            "large_transfer": "大额转账"}


# Someone else's words reported ("有人加我微信说能帮我提额", "对方让我解冻"): what a caller offers or asks is not
# the customer's request, and is often the scam itself.
REPORTED = re.compile(r"有人|对方|陌生人|自称|冒充|他说|她说|他让|她让|他们说|说是|^说|^(又|还)?(让|叫)(我|她|他)?(?!你们)|加我|打(电话)?给我|发(短信|消息)给我|"
                      r"是真的吗|是不是真的|可信吗|靠谱吗|"
                      r"短信(说|里)|电话(里|说)|客服说|someone|a caller")


def high_risk_operation(text: str, intent: str, slots: dict[str, str]) -> str | None:
    """The operation this turn asks for, if it needs secondary confirmation."""
    reported = REPORTED.search(text)
    for op, pattern in PATTERNS:
        asked = pattern.search(text)
        if asked and not (reported and reported.start() < asked.start()):  # "有人说能帮我提额" is not asking
            return op
    if reported:
        return None
    amount = transfer_amount(text) or slots.get("amount")
    if (intent == "transfer" and amount and float(amount) >= LARGE_TRANSFER_YUAN
            and TRANSFER_WORD.search(numeric_form(text))):  # "转六万块" names its sum in words
        return "large_transfer"
    return None


# Moving money, not "周转" (working capital) or "转人工".
TRANSFER_WORD = re.compile(r"转账|转帐|汇款|转给|转到|转入|转出|汇给|汇到|(?<!周)转\s*\d|打钱|打款|"
                           r"(?<![a-z])(?:transfer|wire|remit)")
TRANSFER_FIGURE = re.compile(r"(?<!周)(?:转|汇)(?:账|款)?(?:给[^\d,，。]{0,6})?\s*(\d+(?:\.\d+)?)\s*(百万|万|w|千|k|元|块)?")


def transfer_amount(text: str) -> str | None:
    """The sum a transfer request names ("转6万", "转50000到…"), in yuan."""
    m = TRANSFER_FIGURE.search(numeric_form(text))
    return None if m is None else str(int(float(m.group(1)) * UNIT[m.group(2) or "元"]))


# Secondary confirmation (二次确认), held in the dialogue state's ``flow``: a request for a high-risk
# operation is asked back; only an explicit yes on the next turn submits it for human review.
CONFIRM_FLOW = "confirm_operation"
EXPLAINED = "explained"  # the customer asked how to do it; nothing awaits a yes
# What takes an explained operation up in the next turn ("好，帮我改成150…", "那帮我提一下"): its own verb or value.
OP_TAKEN_UP = {"change_reserved_phone": re.compile(r"改成|换成|改为|变更|改一下|换一下|1\d{10}"),
               "raise_limit": re.compile(r"提额|调高|提高|提一下|提到|调到|额度"),
               "unfreeze_card": re.compile(r"解冻|解封|解除"),
               "large_transfer": re.compile(r"转账|汇款|转\s*\d|转过去|转吧|汇过去")}


ASKS = re.compile(r"多少|吗|么|怎么|什么|哪|几|[?？]")


def confirmation_turn(flow: dict[str, str], text: str, intent: str, slots: dict[str, str]) -> dict[str, str]:
    """The flow after this turn: ``stage`` asked (a request awaits a yes), confirmed (submit now) or
    cancelled; {} when no confirmation is in play. A question about *how* to do it never starts one."""
    if flow.get("name") == CONFIRM_FLOW and flow.get("stage") == "asked":
        if affirms(text):
            return {**flow, "stage": "confirmed"}
        if denies(text):
            return {**flow, "stage": "cancelled"}
    op = high_risk_operation(text, intent, slots)
    if (op is None and flow.get("name") == CONFIRM_FLOW and flow.get("stage") == "asked" and intent == flow.get("intent")
            and not ASKS.search(text) and not REPORTED.search(text)):  # someone else's words never keep it waiting
        return flow  # "帮我转账" … "5万" … "转给我儿子": a detail of the same request (no new question), still awaiting its yes
    if op and asks_procedure(text):
        # the procedure is answered; remembered so that "好，帮我改成150…" next asks this operation done
        return {"name": CONFIRM_FLOW, "op": op, "stage": EXPLAINED, "intent": OP_TASKS.get(op, intent)}
    if (op is None and flow.get("stage") == EXPLAINED and asks_done(text) and not asks_procedure(text)
            and not wants_human(text) and (taken := OP_TAKEN_UP.get(flow.get("op", ""))) and taken.search(text)):
        op = flow.get("op")
    if op is not None and flow.get("stage") in (EXPLAINED, "asked") and op == flow.get("op"):
        intent = flow.get("intent", intent)  # the operation explained, now asked ("那帮我把额度提到5万吧" read as a transfer)
    # The request's intent is kept: "确认" alone is read as the task it confirms.
    return {"name": CONFIRM_FLOW, "op": op, "stage": "asked", "intent": OP_TASKS.get(op, intent)} if op else {}
