"""Slot extraction: amounts, terms, rates, purposes, risk levels, card tails, dates and the inputs
of the business tools (repayment method, prepayment, monthly budget, card instalments, deposits,
wealth reference returns, pre-approval requests).

Chinese numerals are turned into digits by cn2an, with words that merely contain 一 (一下, 一半,
一点…) protected first. Within one utterance the last mention of a slot wins, so corrections
("不是三年，是五年") need no special case. Relative amounts ("贷一半", "再多贷五万") are returned as
``amount_change`` and resolved by the state stage against the amount it holds.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from domain.numerals import UNIT, numeric_form
from domain.tasks import apply_change

PURPOSES = (  # (pattern, purpose); the last match in an utterance wins
    (r"装修|翻新|装休|装潢|家装|刷墙|重新装|renovat|decorat", "装修"),
    (r"经营|生意|买卖|周转|进[^,，。]{0,4}货|货款|采购|原材料|开店|开(个|家|一家)?[^,，。]{0,4}店|店里|创业|加盟|"
     r"店铺|门店|超市|工厂|厂里|公司|摊位|设备|餐馆|饭店|餐厅|开(个|家)?[^,，。]{0,4}(馆|厂)|business|shop\b|store\b|"
     r"company|cafe|coffee", "经营"),
    (r"(买|换|提|购)[^,，。.?？!！]{0,4}车|车贷|二手车|新车|车价|汽车|suv|\bcar\b|auto loan", "购车"),
    (r"(买|购)[^,，。]{0,3}房|房贷|婚房|二套房|首套房|首套|mortgage|buy a (house|home|flat)", "购房"),
    (r"首付", "购房"),  # unless the utterance is about a car (see extract_slots)
    (r"消费|旅游|旅行|出去玩|度假|结婚|婚礼|彩礼|日常开销|买东西|购物|衣服|家电|家具|看病|医疗|手术|"
     r"(买|换|添)[^,，。]{0,4}(手机|电脑|平板|相机|数码)", "消费"),
    (r"教育|学费|上学|留学|读书|读研|考研|上大学|辅导班|补习|培训|进修|报班|考证|学习|tuition|school|universit|mba", "教育"),
)
AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(百万|千万|万|w|千|k|块钱|元|块)")
BARE_AMOUNT = re.compile(r"(?:贷|借|额度|金额|贷款|本金)[^\d,，。]{0,3}?(\d{4,9})(?![\d.%万wk千元块年个月期天号])")
# A lone sum of five or more digits in a repayment question ("300000 10年 4.5 月供多少") is the principal.
LONE_SUM = re.compile(r"(?<![\d.])(\d{5,9})(?![\d.%万wk千元块年个月期天号])")
REPAYMENT_CUE = re.compile(r"月供|每月还|每个月还|还款|利息|等额")
# English customers' words for the slot patterns' Chinese ones ("150000, 10 years, rate 4.5%").
ENGLISH = ((re.compile(r"(\d)\s*(?:years?|yrs?)\b"), r"\1年"), (re.compile(r"(\d)\s*(?:months?|mos?)\b"), r"\1个月"),
           (re.compile(r"\b(?:loan|borrow(?:ing)?|principal)\b"), "贷款"), (re.compile(r"\b(?:interest )?rate\b"), "利率"),
           (re.compile(r"\bmonthly (?:payment|repayment|instal?ment)\b"), "月供"), (re.compile(r"\bdeposit\b"), "存款"))
CHANGE = re.compile(r"(再多贷|多贷|多借|多要|再多|再加|加上|加|再借|少贷|少借|少要|减少|减掉|再减|减|再少|(?<![至最不多])少)"
                    r"\s*(?:个)?(\d+(?:\.\d+)?)\s*(百万|万|w|千|k|元|块)")
HALF = re.compile(r"(贷|借|要|只要|就|先)?[一1]半")
DOUBLE = re.compile(r"(金额|额度|贷款|钱)?(也)?(再)?(翻[一1]?倍|翻[一1]番|加倍|多贷[一1]倍|多借[一1]倍)|double the amount")
TERM_CHANGE = re.compile(r"(延长|多分|再加|加|缩短|少分|减少|减)\s*(\d+|半)\s*(年|个月|期)?")
TERM_DOUBLE = re.compile(r"(期限|年限|时间|期数)(也)?(翻[一1]?倍|加倍)")
TERM_HALF = re.compile(r"(期限|年限|时间|期数)(也)?(减半|缩短[一1]半|砍半|减少[一1]半)")
TERM_BY = re.compile(r"(?:期限|年限|时间)(?:再)?(少|短|缩短|多|长|延长)\s*(\d+)\s*(年|个月|期)")
RATE_CHANGE = re.compile(r"(?:利率|年化|利息)(?:按)?(?:再)?(低|降低?|减|少|下调|高|加|升|上调|提高)\s*(\d+(?:\.\d+)?)\s*(?:个点|个百分点|%)?")
# A clause about something else (a deposit, a card, a past loan, age, income) never fills loan slots.
# What a figure is about, said before it: a topic noun belongs to the figure it is nearest to ("存款30万想贷
# 10万": the deposit is 30万), so a word of borrowing after it takes the next figure back.
OTHER_TOPIC = re.compile(r"转账|转帐|汇款|转给|汇给|信用卡|定期|存款|存单|起存|起购|理财|违约金|罚息|手续费|月供|流水|"
                         r"(每月|每个月|每期)还|车价|岁|工作|收入|月入|年入|工资|月薪|年薪|限额|[一1]天|每天|单笔|余额|"
                         r"存了|利息是|扣了|扣款|扣费|房龄|车龄|工龄|社保|公积金|营业执照|单位")
# A loan other than the one asked about (a past or existing one): vetoes however it is worded.
OTHER_LOAN = re.compile(r"上次|之前|以前|别的银行|还了|已经还|负债|欠款|欠了|外债|现在还有|还剩|"
                        r"(?<!想)(?<!要)(?<!再)(贷|借)(了|过|的)")  # a loan taken already ("贷了30万", "借的10万")
# Weaker hints of another topic: they veto a clause only when it says nothing of borrowing.
OTHER_UNLESS_LOAN = re.compile(r"学费|房价|首付|预算|缺口")
LOAN_WORD = re.compile(r"贷|借")
CLAUSE = re.compile(r"[^,，。;；!！?？]+")
TERM = re.compile(r"(?<![第\d.])(\d+)\s*(年|个月|期|月)(半)?(?!化|供|薪|收入|底|初|份|日|号|前|后|级|了|\d+个?月)")
# A one-character count the numeral conversion leaves after money ("50万一年就还", "30万两年").
TERM_CN = re.compile(r"(?<=[万wk千元块\s])([一两三四五六七八九十])\s*(年|个月)(半)?(?!化|供|薪|收入|底|初|份|前|后|级|了)")
YEARS_AND_MONTHS = re.compile(r"(?<![第\d.])(\d+)\s*年\s*(?:零|又)?(\d+)\s*个?月(?!份|供|薪|\d)")
RATE = re.compile(
    r"(?:(?<!\d)年化|利率|(?<!\d)年利率|(?<!\d)年息|利息)(?:率|是|为|大概|大约|约|在|:|：|\s)*(\d+(?:\.\d+)?)\s*(?:%|个点)?"
    r"|(\d+(?:\.\d+)?)\s*(?:%|个点)"
    r"|(?<![\d.])(\d{1,2}\.\d{1,3})(?![\d.万wk千元块年个月期天号%])"
)
CARD = re.compile(r"尾号\s*(?:是|为)?\s*(\d{4})")
RISK = re.compile(r"(?<![a-z0-9])([rc])\s*([1-5])(?![0-9])")
DATE = re.compile(r"(\d{1,2})月(\d{1,2})[日号]")


# Inputs of the business tools. Each has an explicit cue, so it is read even in a clause about
# something else, and the span it covers is never read again as a loan amount or term.
MONEY = r"(\d+(?:\.\d+)?)\s*(百万|千万|万|w|千|k|块钱|元|块)"
MONEY_OR_BARE = r"(\d+(?:\.\d+)?)\s*(百万|千万|万|w|千|k|块钱|元|块)?"
EQUAL_PRINCIPAL = re.compile(r"等额本金|等本金")
PREPAYMENT = re.compile(r"提前(?:还款|还贷|还)?(?:了|掉)?\s*(?:本金)?\s*" + MONEY)
PAID = re.compile(r"(?:已经?还(?:了|款)?|还了)\s*(\d+|两|半)\s*(年|个月|期|月)(半)?"
                  r"|(\d+|两|半)\s*(年|个月|期)(半)?(?:以?后|之后)(?=[^,，。]{0,6}提前)")
SHORTEN_TERM = re.compile(r"缩短(?:还款)?(?:期限|年限|时间|期数)|(?:期限|年限)缩短|月供不变|保持月供|缩期")
REDUCE_PAYMENT = re.compile(r"减少月供|月供减少|降低月供|减月供|月供降低|少还月供|(?:还款)?(?:期限|年限)不变")
BUDGET = re.compile(
    r"(?:每个?月|月供|每期|一个月)[^,，。;；\d]{0,3}?(?:能|可以|最多|最高|顶多|只能|能够|承受|负担|还得起|控制在|不超过|预算)"
    r"[^,，。;；\d]{0,5}?" + MONEY_OR_BARE
    + r"|(?:每个?月|月供)[^,，。;；\d]{0,3}?" + MONEY_OR_BARE + r"\s*(?:以内|以下|之内)")
CARD_CUE = re.compile(r"账单|信用卡|刷卡|手续费")
PERIODS = re.compile(r"分\s*(\d+)\s*期|分期\s*(\d+)\s*(?:期|个月)|(\d+)\s*期\s*分期")
BILL = re.compile(MONEY + r"|(?<![\d.])(\d{3,7}(?:\.\d{1,2})?)(?![\d.%年个月期天号])")
DEPOSIT_CUE = re.compile(r"定期|整存整取|[零0]存整取|大额存单|存单|存款|每个?月存|(?<![缴起])存\s*\d")
NOT_A_DEPOSIT = re.compile(r"每年存|复利|美元|港币|欧元|英镑|澳元|日元|外币|起存|起购|缴存")
RECURRING_CUE = re.compile(r"[零0]存整取|每个?月存")
MONTHLY_DEPOSIT = re.compile(r"每个?月存\s*" + MONEY_OR_BARE)
CN_COUNT = "一两三四五六七八九十"  # single-character counts cn2an leaves alone ("两年" after 万)
DEPOSIT_TERM = re.compile(r"(\d+|[一两三四五六七八九十半])\s*(年|个月|期)(半)?(?!化|利率)")
BARE_DEPOSIT = re.compile(r"存(?:款|入)?\s*(\d{3,9})(?![\d.%年个月期天号])")
INVEST_CUE = re.compile(r"理财|基金|持有")
RETURN_CUE = re.compile(r"收益|赚|回报|利息|能拿|挣")
HOLD = re.compile(r"(\d+)\s*(天|年)")
# A rate the customer states for a deposit, a card instalment or an investment: it wins over the
# catalogue's. Percent per year (deposit, investment) or per period (a card instalment's fee).
STATED_RATE = re.compile(r"(?:年利率|利率|年化(?:收益率?)?|年息|手续费率|费率|每期手续费|每期|rate|收益率)\s*(?:是|为|按|约|大概|:|：)?"
                         r"\s*(\d{1,2}(?:\.\d{1,3})?)\s*(?:%|个点)?"
                         r"|(?<![\d.])(\d{1,2}\.\d{1,3})\s*%?(?![\d.万wk千元块年个月期天号])")
RATE_SLOT = {"deposit_amount": "deposit_rate", "bill_amount": "fee_rate", "instalment_periods": "fee_rate",
             "invest_amount": "expected_rate"}
OTHER_LIMIT = re.compile(r"信用卡|xyk|卡的?额度|转账|限额|透支")
PRE_APPROVAL = re.compile(r"预审|预批|(?:能|可以|可)(?:贷|借|批)(?:到)?多少|批多少|最(?:多|高)(?:能|可以)(?:贷|借)|"
                          r"(?:贷款)?额度(?:是|有)?多少")
def _number(value: str) -> Decimal:
    return Decimal(value)


def _fmt(value: Decimal) -> str:
    value = value.normalize()
    return str(int(value)) if value == value.to_integral_value() else format(value, "f")


def _months(count: str, unit: str, half: str | None = None) -> int:
    n = Decimal("0.5") if count == "半" else Decimal(count) if count.isdigit() else Decimal(CN_COUNT.index(count) + 1)
    months = n * 12 if unit == "年" else n
    return int(months + (6 if half else 0))


def _yuan_of(number: str, unit: str | None) -> str:
    return _fmt(_number(number) * UNIT[unit or "元"])


def tool_slots(prepared: str) -> list[tuple[int, int, str, str]]:
    """The business tools' inputs in a prepared utterance, as (start, end, slot, value).

    Money is in yuan and terms in months, like the loan slots; ``deposit_amount`` is the monthly
    deposit when ``deposit_kind`` is 零存整取; ``pre_approval`` is "requested" unless a monthly budget
    is given in the same breath (that question is answered by the budget calculation).
    """
    found: list[tuple[int, int, str, str]] = []
    for m in EQUAL_PRINCIPAL.finditer(prepared):
        found.append((m.start(), m.start(), "repay_method", "等额本金"))  # consumes no number
    for m in PREPAYMENT.finditer(prepared):
        found.append((*m.span(), "prepayment", _yuan_of(m.group(1), m.group(2))))
    for m in PAID.finditer(prepared):
        count, unit, half = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
        found.append((*m.span(), "paid_months", str(_months(count, unit, half))))
    for pattern, mode in ((SHORTEN_TERM, "shorten_term"), (REDUCE_PAYMENT, "reduce_payment")):
        for m in pattern.finditer(prepared):
            found.append((m.start(), m.start(), "prepay_mode", mode))
    budgets = [m for m in BUDGET.finditer(prepared) if Decimal(m.group(1) or m.group(3)) > 0]
    for m in budgets:
        number, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        found.append((*m.span(), "monthly_budget", _yuan_of(number, unit)))
    if not budgets and not OTHER_LIMIT.search(prepared):  # "信用卡额度多少" is the card's limit
        for m in PRE_APPROVAL.finditer(prepared):
            found.append((m.start(), m.start(), "pre_approval", "requested"))
    periods = list(PERIODS.finditer(prepared)) if CARD_CUE.search(prepared) else []
    for m in periods:
        found.append((*m.span(), "instalment_periods", next(g for g in m.groups() if g)))
    for m in BILL.finditer(prepared) if periods else ():
        if not any(p.start() <= m.start() < p.end() for p in periods):
            found.append((*m.span(), "bill_amount", _yuan_of(m.group(1) or m.group(3), m.group(2))))
    found += (_deposit_slots(prepared) or _investment_slots(prepared) or _compound_slots(prepared)
              or _redemption_slots(prepared))
    return found + _stated_rates(prepared, found)


COMPOUND_CUE = re.compile(r"复利|利滚利")
COMPOUND_EVERY = {"每月": 12, "按月": 12, "每季": 4, "按季": 4, "每半年": 2, "半年": 2}
YEARS = re.compile(r"(\d+)\s*年(?!化|利)")
REDEMPTION = re.compile(r"赎回\s*" + MONEY)
FEE_RATE = re.compile(r"(?:赎回)?费率\s*(?:是|为)?\s*(\d+(?:\.\d+)?)\s*%?")


def _compound_slots(prepared: str) -> list[tuple[int, int, str, str]]:
    """Principal, the customer's rate, years and compounding frequency of a compound-interest question."""
    if not COMPOUND_CUE.search(prepared):
        return []
    money, rate, years = AMOUNT.search(prepared), STATED_RATE.search(prepared), YEARS.search(prepared)
    found = [(money.start(), money.end(), "compound_principal", _yuan_of(money.group(1), money.group(2)))] if money else []
    if rate is not None:
        found.append((*rate.span(), "compound_rate", _fmt(Decimal(rate.group(1) or rate.group(2)))))
    if years is not None:
        found.append((*years.span(), "compound_years", years.group(1)))
    every = next((n for cue, n in COMPOUND_EVERY.items() if cue in prepared), 1)
    found.append((0, 0, "compound_per_year", str(every)))
    return found


def _redemption_slots(prepared: str) -> list[tuple[int, int, str, str]]:
    money, fee = REDEMPTION.search(prepared), FEE_RATE.search(prepared)
    if money is None or fee is None:
        return []
    return [(*money.span(), "redeem_amount", _yuan_of(money.group(1), money.group(2))),
            (*fee.span(), "redeem_fee_rate", _fmt(Decimal(fee.group(1))))]


def _stated_rates(prepared: str, found: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """The rate stated for the calculation whose inputs ``found`` holds (none without one)."""
    slot = next((RATE_SLOT[name] for *_, name, _ in found if name in RATE_SLOT), None)
    if slot is None:
        return []
    taken = [(a, b) for a, b, *_ in found]
    for m in STATED_RATE.finditer(prepared):
        if not any(m.start() < b and m.end() > a for a, b in taken) and 0 < Decimal(m.group(1) or m.group(2)) < 36:
            return [(*m.span(), slot, _fmt(Decimal(m.group(1) or m.group(2))))]
    return []


def _deposit_slots(prepared: str) -> list[tuple[int, int, str, str]]:
    """A deposit's amount comes from a clause about depositing, never from one about borrowing."""
    if NOT_A_DEPOSIT.search(prepared):
        return []
    clauses = [c for c in CLAUSE.finditer(prepared) if not LOAN_WORD.search(c.group(0))]
    recurring = RECURRING_CUE.search(prepared)
    found_in = ((c.start(), (MONTHLY_DEPOSIT.search(c.group(0)) if recurring else None)
                 or AMOUNT.search(c.group(0)) or BARE_DEPOSIT.search(c.group(0)))
                for c in clauses if DEPOSIT_CUE.search(c.group(0)))
    at, money = next(((at, m) for at, m in found_in if m is not None), (0, None))
    if money is None:
        return []
    start, end = at + money.start(), at + money.end()
    unit = money.group(2) if money.re is not BARE_DEPOSIT else None
    kind = "零存整取" if recurring else "大额存单" if "大额存单" in prepared else "整存整取"
    found = [(start, end, "deposit_amount", _yuan_of(money.group(1), unit)), (start, start, "deposit_kind", kind)]
    for clause in clauses:
        for m in DEPOSIT_TERM.finditer(clause.group(0)):
            if m.group(2) == "期" and m.group(1) in CN_COUNT:
                continue
            span = (clause.start() + m.start(), clause.start() + m.end())
            if not start <= span[0] < end:
                found.append((*span, "deposit_months", str(_months(m.group(1), m.group(2), m.group(3)))))
    return found


def _investment_slots(prepared: str) -> list[tuple[int, int, str, str]]:
    money = AMOUNT.search(prepared)
    if money is None or not INVEST_CUE.search(prepared) or not RETURN_CUE.search(prepared) or "费" in prepared:
        return []
    found = [(money.start(), money.end(), "invest_amount", _yuan_of(money.group(1), money.group(2)))]
    for m in HOLD.finditer(prepared):
        days = int(m.group(1)) * (365 if m.group(2) == "年" else 1)
        if 0 < days <= 3650:
            found.append((*m.span(), "hold_days", str(days)))
    return found


FIGURE = re.compile(r"\d+(?:\.\d+)?")
BOUNDARY = re.compile(r"[,，。;；!！?？\n]")
# Words right after a figure that make it something other than a loan's ("30万存款", "2万的工资").
OTHER_AFTER = re.compile(r"[^\d,，。;；]{0,2}(存款|存在|工资|收入|月薪|年薪|余额|年纪|岁|定期|存单|理财|基金|保险)")


def words_before(prepared: str, start: int) -> str:
    """What was said just before a figure: back to the previous figure or clause boundary."""
    left = prepared[:start]
    cut = max((m.end() for m in FIGURE.finditer(left)), default=0)
    cut = max(cut, max((m.end() for m in BOUNDARY.finditer(left)), default=0))
    return left[cut:]


def clause_of(prepared: str, at: int) -> str:
    """The clause (between punctuation) that position ``at`` is in."""
    start = max((b.end() for b in BOUNDARY.finditer(prepared[:at])), default=0)
    end = BOUNDARY.search(prepared, at)
    return prepared[start:end.start() if end else len(prepared)]


def figure_verdicts(prepared: str, borrowing_spans: Iterable[tuple[int, int]] = ()) -> list[tuple[int, int, bool]]:
    """(start, end, about the loan?) for every figure, left to right. The words just before a figure
    decide: a topic noun nearer than any word of borrowing makes it about that topic ("月收入2万"), a
    past or existing loan always does ("上次贷了10万"), borrowing makes it the loan's ("想贷30万"); with
    neither, it continues the previous figure's topic ("信用卡额度5万能不能提到10万"). A figure inside one
    of ``borrowing_spans`` (a monthly repayment budget) is about borrowing, whatever its words."""
    verdicts: list[tuple[int, int, bool]] = []
    previous = True
    spans = list(borrowing_spans)
    for m in FIGURE.finditer(prepared):
        if any(s <= m.start() < e for s, e in spans):
            verdicts.append((m.start(), m.end(), True))
            previous = True
            continue
        said = words_before(prepared, m.start())
        topic = max((t.end() for t in OTHER_TOPIC.finditer(said)), default=-1)
        borrowing = max((b.end() for b in LOAN_WORD.finditer(said)), default=-1)
        past = max((o.end() for o in OTHER_LOAN.finditer(said)), default=-1)
        if past > borrowing or topic > borrowing or OTHER_AFTER.match(prepared[m.end():]):
            about_loan = False  # "之前借的10万已经还清了" / "月收入2万" ...
        elif borrowing >= 0:
            about_loan = True  # ... but "...现在想再借20万": the borrowing said last wins
        elif OTHER_UNLESS_LOAN.search(said) and not LOAN_WORD.search(clause_of(prepared, m.start())):
            about_loan = False
        else:
            about_loan = previous
        verdicts.append((m.start(), m.end(), about_loan))
        previous = about_loan
    return verdicts


def extract_slots(text: str) -> dict[str, str]:
    """Slots said in one utterance, as normalised strings (yuan, months, percent).

    Relative statements come back as ``amount_change`` / ``term_change`` (``*0.5``, ``+50000``,
    ``-12``) for the state stage to resolve.
    """
    prepared = numeric_form(text)
    for pattern, chinese in ENGLISH:
        prepared = pattern.sub(chinese, prepared)
    found: list[tuple[int, str, str]] = []  # (position, slot, value): the last position wins
    tools = tool_slots(prepared)
    taken: list[tuple[int, int]] = []

    # A monthly budget ("月供最多5000，三十年，利率三点五") is about borrowing even without 贷/借.
    verdicts = figure_verdicts(prepared, [(s, e) for s, e, slot, _ in tools if slot == "monthly_budget"])

    def free(m: re.Match[str], at: int | None = None) -> bool:
        """Not used by another slot, and not a figure about something else (income, a deposit, a past
        loan, a card...): decided per figure from the words said just before it (``figure_verdicts``)."""
        if any(m.start() < e and m.end() > s for s, e in taken):
            return False
        at = m.start() if at is None else at
        return next((ok for start, end, ok in verdicts if end > at), True)

    for start, end, slot, value in tools:
        found.append((start, slot, value))
        taken.append((start, end))

    def add(m: re.Match[str], slot: str, value: str) -> None:
        found.append((m.start(), slot, value))
        taken.append(m.span())

    for m in CARD.finditer(prepared):
        add(m, "card_last4", m.group(1))
    for m in TERM_DOUBLE.finditer(prepared):
        add(m, "term_change", "*2")
    for m in TERM_HALF.finditer(prepared):
        add(m, "term_change", "*0.5")
    for m in TERM_BY.finditer(prepared):
        n = _number(m.group(2)) * (12 if m.group(3) == "年" else 1)
        add(m, "term_change", ("-" if m.group(1) in ("少", "短", "缩短") else "+") + _fmt(n))
    for m in RATE_CHANGE.finditer(prepared):
        if Decimal(0) < _number(m.group(2)) < Decimal(5):
            add(m, "rate_change", ("-" if m.group(1) in ("低", "降", "降低", "减", "少", "下调") else "+") + m.group(2))
    for m in TERM_CHANGE.finditer(prepared):
        if free(m) and (m.group(3) or m.group(2) == "半"):
            n = Decimal(6) if m.group(2) == "半" else _number(m.group(2)) * (12 if m.group(3) == "年" else 1)
            sign = "-" if m.group(1) in ("缩短", "少分", "减少", "减") else "+"
            add(m, "term_change", sign + _fmt(n))
    for m in DOUBLE.finditer(prepared):
        if free(m):
            add(m, "amount_change", "*2")
    for m in CHANGE.finditer(prepared):
        if free(m):
            sign = "-" if "少" in m.group(1) or "减" in m.group(1) else "+"
            add(m, "amount_change", sign + _fmt(_number(m.group(2)) * UNIT[m.group(3)]))
    for m in RATE.finditer(prepared):
        if not free(m):
            continue
        value = _number(m.group(1) or m.group(2) or m.group(3))
        bare = m.group(3) is not None
        if Decimal(0) < value <= Decimal(36) and not (bare and value >= 24):
            add(m, "annual_rate", _fmt(value))
    for m in AMOUNT.finditer(prepared):
        if free(m):
            add(m, "amount", _fmt(_number(m.group(1)) * UNIT[m.group(2)]))
    for m in BARE_AMOUNT.finditer(prepared):
        if free(m, m.start(1)):
            add(m, "amount", str(int(m.group(1))))
    for m in LONE_SUM.finditer(prepared) if REPAYMENT_CUE.search(prepared) and not any(s == "amount" for _, s, _ in found) else ():
        if free(m):
            add(m, "amount", m.group(1))
    for m in HALF.finditer(prepared):
        if free(m):
            add(m, "amount_change", "*0.5")
    for m in YEARS_AND_MONTHS.finditer(prepared):
        if free(m) and 0 < int(m.group(1)) * 12 + int(m.group(2)) <= 360:
            add(m, "term_months", str(int(m.group(1)) * 12 + int(m.group(2))))
    for m in TERM.finditer(prepared):
        if not free(m):
            continue
        n, unit, half = int(m.group(1)), m.group(2), m.group(3)
        if unit == "月" and prepared[m.end():m.end() + 1].isdigit():
            continue  # a date such as 6月18号
        months = n * 12 + (6 if half else 0) if unit == "年" else n
        if unit == "年" and n > 30:
            continue  # a calendar year such as 2026年
        if 0 < months <= 360:
            add(m, "term_months", str(months))
    for m in TERM_CN.finditer(prepared):
        # about whatever the sum it follows is about ("理财买10万一年能赚多少" is not a loan's term)
        money = [f.start() for f in FIGURE.finditer(prepared, 0, m.start())]
        if free(m, money[-1] if money else None) and not any(slot == "term_months" for _, slot, _ in found):
            add(m, "term_months", str(_months(m.group(1), m.group(2), m.group(3))))
    if "半年" in prepared and not any(slot in ("term_months", "term_change") for _, slot, _ in found):
        at = prepared.index("半年")
        if not any(s <= at < e for s, e in taken):
            found.append((at, "term_months", "6"))
    car = "车" in prepared
    for pattern, purpose in PURPOSES:
        for m in re.finditer(pattern, prepared):
            if not (purpose == "购房" and m.group(0) == "首付" and car):
                found.append((m.start(), "loan_purpose", purpose))
    for m in RISK.finditer(prepared):
        found.append((m.start(), "product_risk" if m.group(1) == "r" else "customer_risk", m.group(1).upper() + m.group(2)))
    for m in DATE.finditer(prepared):
        month, day = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12 and 1 <= day <= 31:
            found.append((m.start(), "date", f"{month:02d}-{day:02d}"))
    slots: dict[str, str] = {}
    for _pos, slot, value in sorted(found, key=lambda f: f[0]):
        slots[slot] = value
    # Renovating a home is not buying one ("装修婚房").
    if slots.get("loan_purpose") == "购房" and any(s == "loan_purpose" and v == "装修" for _, s, v in found):
        slots["loan_purpose"] = "装修"
    # A relative amount after an outright one applies to it ("总价200万，贷一半"); an outright value after
    # a relative one wins ("贷一半，也就是十万").
    if "amount" in slots and "amount_change" in slots:
        said_at = {slot: pos for pos, slot, _ in found}
        change = slots.pop("amount_change")
        if said_at["amount_change"] > said_at["amount"]:
            slots["amount"] = apply_change(slots["amount"], change) or slots["amount"]
    if "term_months" in slots:
        slots.pop("term_change", None)
    return slots


