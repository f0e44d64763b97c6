"""Conversation repair: replies for turns that are not a business task.

The policy (Rasa CALM's repair patterns, as a bank needs them): a greeting, thanks, goodbye,
identity or capability question gets its own short reply; anything else outside banking gets a
polite refusal naming what the assistant can do — never a product, an FAQ or a handoff; an unclear
business turn gets a question naming the reading the classifier leaned to and the other services.
A handoff happens only downstream (escalation): when asked, on an L2 complaint, a compliance block
or repeated failure to understand.
"""
from __future__ import annotations

from domain.dialogue import social_act, social_lean

SERVICES = "贷款咨询、还款计算、理财和存款、风险测评、信用卡、账户查询、转账汇款和保险"
INTENT_NAMES = {"loan_inquiry": "贷款", "repayment_calc": "还款计算", "wealth_inquiry": "理财和存款产品",
                "wealth_calc": "理财或存款收益计算", "risk_assessment": "风险测评", "account_query": "账户查询",
                "credit_card": "信用卡", "card_security": "挂失冻结或防诈骗", "transfer": "转账汇款",
                "insurance": "保险", "complaint": "投诉", "human_agent": "人工服务"}
SOCIAL_REPLIES = {
    "greeting": f"您好，我是本行智能客服，很高兴为您服务。我可以帮您办理{SERVICES}等业务，请问有什么可以帮您？",
    "thanks": "不客气，很高兴能帮到您！如还有其他问题，欢迎随时咨询。",
    "goodbye": "感谢您的咨询，再见！如有需要欢迎随时联系我们。",
    "identity": f"我是本行的智能客服（智能助手），不是真人。我可以帮您解答{SERVICES}等问题；如需人工服务，请说“转人工”。",
    "capability": f"我是本行智能客服，可以帮您办理{SERVICES}等业务，比如测算贷款月供、查询理财产品、办理挂失冻结。请问您想了解哪一项？",
}
OUT_OF_SCOPE = (f"抱歉，这个问题超出了我的服务范围，我暂时无法回答。我是银行智能客服，可以帮您办理{SERVICES}等业务，"
                "请问有什么可以帮您？")


def social_reply(text: str, small_talk: bool = False) -> str | None:
    """The reply to a purely social turn, None when the turn does more than that. ``small_talk``: the turn
    was read as such, so a greeting or thanks said at length counts too."""
    act = social_act(text) or (social_lean(text) if small_talk else None)
    return SOCIAL_REPLIES[act] if act else None


def clarification(leaning: str | None) -> str:
    """A clarifying question with options: the reading the classifier leaned to first, then the rest."""
    if leaning in INTENT_NAMES:
        return (f"抱歉，我没有完全理解您的问题。请问您是想咨询{INTENT_NAMES[leaning]}方面的问题吗？"
                f"如果不是，请告诉我您要办理的业务：{SERVICES}。")
    return f"抱歉，我没有完全理解您的问题。请问您想咨询哪方面的业务：{SERVICES}？"
