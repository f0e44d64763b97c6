"""What the bank must say: the standard risk disclosure every wealth answer and every rewritten reply
carries (理财非存款、产品有风险、投资须谨慎)."""
import re

RISK_DISCLOSURE = "理财非存款，产品有风险，投资须谨慎。"
# The same words however an author punctuated them (the FAQ answers write 、): said once is enough.
_DISCLOSED = re.compile(r"理财非存款[，、,；;。\s]*产品有风险[，、,；;。\s]*投资须谨慎")


def has_risk_disclosure(text: str) -> bool:
    return _DISCLOSED.search(text) is not None


def with_risk_disclosure(text: str) -> str:
    """``text`` ending in the disclosure, added only where it is not said already."""
    return text if has_risk_disclosure(text) else text + RISK_DISCLOSURE
