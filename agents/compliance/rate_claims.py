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
# Words that make a cost sound small: "才/只要" only beside the figure, the judgements also in the next clause
# ("日息万三，很便宜"; not "日利率0.05%，审核通过后才放款").
MINIMISER = re.compile(r"才|只要|只需|仅|低至|不到")
JUDGEMENT = re.compile(r"很便宜|便宜|划算|不贵|几毛钱|一杯奶茶|一杯咖啡|白菜价|九牛一毛|可以忽略|忽略不计|少得很|很少")
# The cost of a loan per day in money ("借1万一天才2块5"), not as a rate.
DAILY_COST = re.compile(r"(每天|一天|每日|日均)[^,，。；;]{0,6}?(?:\d+(?:\.\d+)?|几)(块|元|毛|角)")
LOAN = re.compile(r"借|贷|分期|额度|利息")
ANNUAL = re.compile(r"年化|年利率|年费率|apr|一年下来|按年算|折合年", re.IGNORECASE)
ANNUALISED = re.compile(r"(?:年化|年利率|年费率)[^,，。；;0-9]{0,8}?(\d+(?:\.\d+)?)%")
FEE_ON_PRINCIPAL = ("费率", "手续费")
CLAUSE_MARKS = ",，。；;!！?？"


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


def _clause(form: str, m: re.Match[str], more: int = 0) -> str:
    """The clause holding match ``m`` (and ``more`` clauses after it)."""
    start = max(form.rfind(c, 0, m.start()) for c in CLAUSE_MARKS) + 1
    end = m.end()
    for _ in range(more + 1):
        ends = [i for i in (form.find(c, end) for c in CLAUSE_MARKS) if i >= 0]
        end = min(ends, default=len(form)) + 1
    return form[start:end]


def _played_down(form: str, m: re.Match[str]) -> bool:
    return MINIMISER.search(_clause(form, m)) is not None or JUDGEMENT.search(_clause(form, m, 1)) is not None


def _hit(phrase: str, text: str, form: str, start: int, end: int) -> list[Hit]:
    # numeric_form rewrote some numbers when the lengths differ; then only the whole text is a true span
    span = (start, end) if len(form) == len(text) else (0, len(text))
    return [Hit(LexiconEntry(phrase, "hidden_loan_cost", "rewrite", RULE), *span)]


def rate_claims(text: str) -> list[Hit]:
    """Hits for a periodic rate or a daily cost played down without an annualised rate, and for a
    monthly fee rate annualised by ×12."""
    form = numeric_form(text)
    stated_annual = ANNUAL.search(form) is not None
    for m in DAILY_COST.finditer(form):
        clause = _clause(form, m)
        if not stated_annual and LOAN.search(clause) and _played_down(form, m):
            return _hit("日成本未折年化", text, form, *m.span())
    periodic = list(PERIODIC.finditer(form))
    if not stated_annual and any(_played_down(form, m) for m in periodic):
        return _hit("周期利率未折年化", text, form, periodic[0].start(), periodic[-1].end())
    annual = [Decimal(m.group(1)) for m in ANNUALISED.finditer(form)]
    for m in periodic:
        if m.group(1).startswith(("日", "每天")) or not any(f in m.group(1) for f in FEE_ON_PRINCIPAL):
            continue
        monthly = _percent(m.group(2))
        if monthly and any(abs(a - monthly * 12) <= Decimal("0.05") for a in annual):
            return _hit("费率×12冒充年化", text, form, m.start(), m.end())
    return []
