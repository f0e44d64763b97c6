"""Claims about a loan's cost read from its figures, not its words.

Loan marketing must state the annualised rate (关于进一步规范信贷融资收费的通知; 人民银行公告〔2021〕第3号).
Two ways a reply hides the cost while every word in it is true:

- a daily or monthly rate played down ("日息万三，很便宜", "每天只要几毛钱") with no annualised rate anywhere;
- a monthly *fee* rate, charged on the original principal, annualised by ×12 ("月费率0.5%，折算年利率才6%"):
  the principal shrinks every month while the fee does not, so the true rate is nearly twice that.
"""
from __future__ import annotations

import re
from decimal import Decimal

from agents.compliance.lexicon import Hit, LexiconEntry
from domain.numerals import numeric_form

RULE = "关于进一步规范信贷融资收费的通知：贷款综合成本须以年化利率明示"
NUMBER = r"(?:万分之|千分之)?\d+(?:\.\d+)?(?:%|厘|‰)?|万\d+(?:\.\d+)?"
PERIODIC = re.compile(r"(日利率|日息|日费率|每天利息|月利率|月息|月费率|月手续费率?|每月手续费率?|每期手续费率?|每期费率|"
                      r"分期费率|手续费率)[^,，。；;0-9万千]{0,8}?(" + NUMBER + ")")
PLAYED_DOWN = re.compile(r"才|只要|只需|仅|低至|不到|很便宜|划算|不贵|几毛钱|一杯奶茶|一杯咖啡|白菜价|九牛一毛|可以忽略|忽略不计|"
                         r"省心|少得很|很少")
# The cost of a loan per day in money ("借1万一天才2块5"), not as a rate.
DAILY_COST = re.compile(r"(每天|一天|每日|日均)[^,，。；;]{0,6}?(?:\d+(?:\.\d+)?|几)(块|元|毛|角)")
LOAN = re.compile(r"借|贷|分期|额度|利息")
ANNUAL = re.compile(r"年化|年利率|年费率|apr|一年下来|按年算|折合年", re.IGNORECASE)
ANNUALISED = re.compile(r"(?:年化|年利率|年费率)[^,，。；;0-9]{0,8}?(\d+(?:\.\d+)?)%")
FEE_ON_PRINCIPAL = ("费率", "手续费")


def _percent(figure: str) -> Decimal | None:
    """A periodic rate as a percent: "0.5%" → 0.5, "万分之5" / "万5" → 0.05, "千分之3" → 0.3."""
    value = Decimal(re.sub(r"[^\d.]", "", figure) or "0")
    if figure.startswith(("万分之", "万")):
        return value / 100
    if figure.startswith("千分之") or figure.endswith("‰"):
        return value / 10
    if figure.endswith("厘"):  # 月息1厘 = 1%/month colloquially; too ambiguous to compare
        return None
    return value if figure.endswith("%") else None


def rate_claims(text: str) -> list[Hit]:
    """Hits for a played-down periodic rate without an annualised one, and for a monthly fee rate
    annualised by ×12; each spans the periodic figures (the whole text where numbers were rewritten)."""
    form = numeric_form(text)
    periodic = list(PERIODIC.finditer(form))
    if not ANNUAL.search(form) and LOAN.search(form):
        for m in DAILY_COST.finditer(form):
            if PLAYED_DOWN.search(form[max(0, m.start() - 6):m.end() + 8]):
                span = m.span() if len(form) == len(text) else (0, len(text))
                return [Hit(LexiconEntry("日成本未折年化", "hidden_loan_cost", "rewrite", RULE), *span)]
    if not periodic:
        return []
    span = (periodic[0].start(), periodic[-1].end()) if len(form) == len(text) else (0, len(text))
    if not ANNUAL.search(form) and any(PLAYED_DOWN.search(form[max(0, m.start() - 6):m.end() + 12]) for m in periodic):
        return [Hit(LexiconEntry("周期利率未折年化", "hidden_loan_cost", "rewrite", RULE), *span)]
    annual = [Decimal(m.group(1)) for m in ANNUALISED.finditer(form)]
    for m in periodic:
        if m.group(1).startswith(("日", "每天")) or not any(f in m.group(1) for f in FEE_ON_PRINCIPAL):
            continue
        monthly = _percent(m.group(2))
        if monthly and any(abs(a - monthly * 12) <= Decimal("0.05") for a in annual):
            return [Hit(LexiconEntry("费率×12冒充年化", "hidden_loan_cost", "rewrite", RULE), *span)]
    return []
