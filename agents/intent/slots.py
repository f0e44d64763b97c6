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
from domain.tasks import LOAN_WORD, apply_change, rest_of_price

PURPOSES = (  # (pattern, purpose); the last match in an utterance wins
    (r"装修|翻新|装休|装潢|家装|刷墙|重新装|renovat|decorat", "装修"),
    (r"经营|生意|买卖|周转|进[^,，。]{0,4}货|压货|囤货|备货|货款|采购|原材料|开店|开(个|家|一家)?[^,，。]{0,4}店|店里|创业|"
     r"加盟|店铺|门店|门面|超市|工厂|厂里|公司|摊位|设备|餐馆|饭店|餐厅|开(个|家)?[^,，。]{0,4}(馆|厂)|工作室|批发|零售|"
     r"养殖|种植|大棚|果园|农场|鱼塘|承包|business|shop\b|store\b|company|cafe|coffee|farm", "经营"),
    (r"(买|换|提|购)[^,，。.?？!！]{0,4}车|车贷|二手车|新车|车价|汽车|suv|\bcar\b|auto loan", "购车"),
    (r"(买|购|换)[^,，。]{0,3}(房|居室|公寓|住宅|商品房)|房贷|婚房|二套房|首套房|首套|mortgage|"
     r"buy(ing)? (a |an )?(house|home|flat|apartment)|for (a |an )?(house|home|flat|apartment)", "购房"),
    (r"消费|旅游|旅行|出去玩|度假|结婚|婚礼|彩礼|日常开销|买东西|购物|衣服|家电|家具|看病|医疗|手术|"
     r"冰箱|洗衣机|电视|空调|热水器|沙发|(买|换|添)[^,，。]{0,4}(手机|电脑|平板|相机|数码)", "消费"),
    (r"教育|学费|上学|留学|读书|读研|考研|上大学|辅导班|补习|培训|进修|报班|考证|学习|tuition|school|universit|mba", "教育"),
)
# A down payment hints at a home, but only when nothing else has named the purpose ("买车…首付多付了五万").
DOWN_PAYMENT = re.compile(r"首付")
AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(百万|千万|万|w|千|k|块钱|元|块)")
BARE_AMOUNT = re.compile(r"(?:贷|借|额度|金额|贷款|本金)[^\d,，。]{0,3}?(\d{4,9})(?![\d.%万wk千元块年个月期天号])")
# A lone sum of five or more digits in a repayment question ("300000 10年 4.5 月供多少") is the principal.
LONE_SUM = re.compile(r"(?<![\d.])(\d{5,9})(?![\d.%万wk千元块年个月期天号])")
REPAYMENT_CUE = re.compile(r"月供|每月还|每个月还|还款|利息|等额")
# English customers' words for the slot patterns' Chinese ones ("150000, 10 years, rate 4.5%").
ENGLISH = ((re.compile(r"(\d)\s*-?\s*(?:years?|yrs?)\b"), r"\1年"), (re.compile(r"(\d)\s*-?\s*(?:months?|mos?)\b"), r"\1个月"),
           (re.compile(r"\b(?:fixed|time|term) deposits?\b"), "定期存款"),
           (re.compile(r"\b(?:put|save|deposit)\s+(?=\d)"), "存"),
           (re.compile(r"\b(?:loan|borrow(?:ing)?|principal)\b"), "贷款"), (re.compile(r"\b(?:interest )?rate\b"), "利率"),
           (re.compile(r"\bmonthly (?:payment|repayment|instal?ment)\b"), "月供"), (re.compile(r"\bdeposit\b"), "存款"),
           (re.compile(r"(\d)\s*(?:million|mn)\b"), r"\1百万"), (re.compile(r"(\d)\s*(?:yuan|rmb|cny)\b"), r"\1元"),
           (re.compile(r"\bamount\b"), "金额"), (re.compile(r"\bat\s+(?=\d+(?:\.\d+)?\s*%)"), "利率"))
ENGLISH_COUNTS = {w: str(n) for n, w in enumerate(("one two three four five six seven eight nine ten eleven twelve").split(), 1)}
ENGLISH_COUNT = re.compile(r"\b(" + "|".join(ENGLISH_COUNTS) + r"|twenty|thirty)\b(?=\s*(?:years?|yrs?|months?)\b)")
CHANGE = re.compile(r"(再多贷|多贷|多借|多要|再多|再加|加上|加|再借|少贷|少借|少要|减少|减掉|再减|减|再少|(?<![至最不多])少)"
                    r"\s*(?:个)?(\d+(?:\.\d+)?)\s*(百万|万|w|千|k|元|块)")
HALF = re.compile(r"(贷|借|要|只要|就|先)?[一1]半")
DOUBLE = re.compile(r"(金额|额度|贷款|钱)?(也)?(再)?(翻[一1]?倍|翻[一1]番|加倍|多贷[一1]倍|多借[一1]倍)|double the (?:amount|金额)")
TERM_CHANGE = re.compile(r"(延长|多分|再加|加|缩短|少分|减少|减)\s*(\d+|半)\s*(年|个月|期)?")
TERM_DOUBLE = re.compile(r"(期限|年限|时间|期数)(也)?(翻[一1]?倍|加倍)")
TERM_HALF = re.compile(r"(期限|年限|时间|期数)(也)?(减半|缩短[一1]半|砍半|减少[一1]半)")
TERM_BY = re.compile(r"(?:期限|年限|时间)(?:再)?(少|短|缩短|多|长|延长)\s*(\d+)\s*(年|个月|期)")
RATE_CHANGE = re.compile(r"(?:利率|年化|利息)(?:按)?(?:再)?(低|降低?|减|少|下调|高|加|升|上调|提高)\s*(\d+(?:\.\d+)?)\s*(?:个点|个百分点|%)?")
# A move said in points needs no rate word: "上浮0.2个百分点", "减20个基点", "再降0.15个点" (基点 = 0.01).
RATE_SHIFT = re.compile(r"(上浮|下浮|上调|下调|降低|降|低|减|少|高|加|升|提高|多)\s*(\d+(?:\.\d+)?)\s*"
                        r"(个百分点|百分点|个点|个基点|基点|bps?\b)")
LOWER = ("低", "降", "降低", "减", "少", "下调", "下浮")
# Points moved on something other than the loan's rate ("手续费能少1个点吗", "理财收益能高0.5个点吗").
NOT_LOAN_RATE = re.compile(r"手续费|费率|收益|理财|信用卡|分期|存款|定期|基金|保险")
# A clause about something else (a deposit, a card, a past loan, age, income) never fills loan slots.
# What a figure is about, said before it: a topic noun belongs to the figure it is nearest to ("存款30万想贷
# 10万": the deposit is 30万), so a word of borrowing after it takes the next figure back.
OTHER_TOPIC = re.compile(r"转账|转帐|汇款|转给|汇给|信用卡|定期|存款|存单|起存|起购|理财|违约金|罚息|手续费|月供|流水|"
                         r"(每月|每个月|每期)还|车价|岁|工作|收入|月入|年入|工资|月薪|年薪|限额|[一1]天|每天|单笔|余额|"
                         r"存了|利息是|扣了|扣款|扣费|房龄|车龄|工龄|社保|公积金(?!贷|组合贷)|营业执照|单位")
# Topics of a sum only (a price, a down payment): a figure with a time unit after them is still the loan's term
# ("想贷30万补首付 10年").
MONEY_TOPIC = re.compile(r"车价|房价|总价|售价|价格|首付(?!还?(?:差|缺|不够))")
# A loan other than the one asked about (a past or existing one): vetoes however it is worded.
OTHER_LOAN = re.compile(r"上次|之前|以前|别的银行|还了|已经还|负债|欠款|欠了|外债|现在还有|还剩|"
                        r"(?<!想)(?<!要)(?<!再)(贷|借)(了|过|的)")  # a loan taken already ("贷了30万", "借的10万")
# What the money is needed for, not yet the loan ("学费要6万", "首付还差20万", "预算30万"): its figures fill only
# slots the conversation does not hold yet (they come back as ``<slot>_hint``).
WEAK_TOPIC = re.compile(r"学费|首付还?(?:差|缺|不够)|预算|缺口")
# Borrowing as a verb; a loan product's name ("之前有一笔车贷10万") is not a new borrowing.
BORROWING = re.compile(r"(?<![车房营费修用网押金])贷|借")
# Borrowing said right after a figure makes it the loan's ("剩下15万贷款"), whatever came before.
LOAN_AFTER = re.compile(r"\s*(?:百万|千万|万|w|千|k|块钱|元|块)?\s*(?:左右)?的?\s*(?:贷款|来贷|去贷|要贷|借款)")
INCOME = re.compile(r"收入|月入|年入|工资|月薪|年薪|存款|余额|存了|流水|资产")
# The price of what is bought: a relative amount without a loan amount applies to it ("车价30万，贷一半").
PRICE = re.compile(r"(?:车价|房价|总价|售价|价格|全款)[^\d,，。]{0,3}?" + r"(\d+(?:\.\d+)?)\s*(百万|千万|万|w|千|k|块钱|元|块)"
                   r"|(\d+(?:\.\d+)?)\s*(百万|千万|万|w|千|k|块钱|元|块)的[^,，。\d]{0,3}(?:车|房)(?!贷)")
# "300,000元": thousands separators go, so a figure is one number.
THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?!\d|,\d)")
# "学费一年一万五": a sum per year or per month is a cost, not the loan, and its "one year" is not a term.
PER_PERIOD = re.compile(r"(?:每|(?<![\d.])1)(?:年|个月|月)$")
MONEY_NEXT = re.compile(r"\d+(?:\.\d+)?\s*(?:百万|千万|万|w|千|k|块钱|元|块)")


def per_period(prepared: str, at: int) -> bool:
    """Whether the figure at ``at`` is a sum per year or month ("学费一年一万五"), not said of borrowing."""
    return PER_PERIOD.search(prepared, 0, at) is not None and not BORROWING.search(clause_of(prepared, at)[:8])
TIME_AFTER = re.compile(r"\s*(?:年|个月|期)")
# The down payment, and "the rest" borrowed: the loan is the price less the down payment.
DOWN = re.compile(r"首付(?:款)?(?:是|付|交|有|准备)?\s*(\d+(?:\.\d+)?)\s*(百万|千万|万|w|千|k|块钱|元|块)")
DOWN_SHARE = re.compile(r"首付(?:款)?(?:付|交|出)?\s*(一半|[1-9]成|\d{1,2}\s*%)")
THE_REST = re.compile(r"(?:剩下|剩余|其余|余下|余款|尾款)[^,，。\d]{0,3}(?:贷|借)")
# A value the customer rejects in the same breath ("是4.8不是4.5").
REJECTED = re.compile(r"(?:(?<!是)不是|并非|而非)\s*$")
CLAUSE = re.compile(r"[^,，。;；!！?？]+")
TERM = re.compile(r"(?<![第\d.])(\d+)\s*(年|个月|期|月)(半)?(?!化|供|薪|收入|底|初|份|日|号|前|后|级|了|\d+个?月|就?到期)")
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
# A card instalment's fee rate said on its own: per period, named as such.
PERIOD_FEE = re.compile(r"(?:每期(?:的)?(?:手续)?费率?|分期(?:手续)?费率)\s*(?:是|为|按|:|：)?\s*(\d{1,2}(?:\.\d{1,3})?)\s*%")
COUNT_OF_PERIODS = re.compile(r"(?<![第\d.])(\d{1,2})\s*期(?!间|限)")
PERIODS = re.compile(r"分\s*(\d+)\s*期|分期\s*(\d+)\s*(?:期|个月)|(\d+)\s*期\s*分期")
BILL = re.compile(MONEY + r"|(?<![\d.])(\d{3,7}(?:\.\d{1,2})?)(?![\d.%年个月期天号])")
# A sum named as what is to be split, before the periods are known ("这个月账单8000想分期").
BILL_NAMED_AFTER = re.compile(r"\s*的?\s*(?:信用卡)?(?:账单|消费|欠款)")  # "我想把两万四的账单分期"
BILL_TO_SPLIT = re.compile(r"(?:账单|刷了|刷卡|消费了?|欠了?)[^\d,，。]{0,4}?(?=\d)")
DEPOSIT_CUE = re.compile(r"定期|整存整取|[零0]存整取|大额存单|存单|存款|每个?月存|(?<![缴起])存\s*(?:\d|[一两三四五六七八九十半](?:年|个月))")
NOT_A_DEPOSIT = re.compile(r"每年存|复利|美元|港币|欧元|英镑|澳元|日元|外币|起存|起购|缴存")
RECURRING_CUE = re.compile(r"[零0]存整取|每个?月存")
MONTHLY_DEPOSIT = re.compile(r"每个?月存\s*" + MONEY_OR_BARE)
CN_COUNT = "一两三四五六七八九十"  # single-character counts cn2an leaves alone ("两年" after 万)
DEPOSIT_TERM = re.compile(r"(\d+|[一两三四五六七八九十半])\s*(年|个月|期)(半)?(?!化|利率(?!\s*(?:是|为|按)?\s*\d))")
SUM_THEN_DEPOSIT = re.compile(r"(?<![\d.])(\d{3,9})(?=\s*存(?!款利率))")  # "83000存3年定期"
BARE_DEPOSIT = re.compile(r"存(?:款|入)?\s*(\d{3,9})(?![\d.%年个月期天号])")
INVEST_CUE = re.compile(r"理财|基金|持有|买入?|购买|投(?!诉|保)")
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
LOAN_SLOTS = frozenset({"amount", "term_months", "annual_rate", "loan_purpose"})


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
    if not periods and CARD_CUE.search(prepared) and "分期" in prepared:  # "分期 20000 12期": the count apart
        periods = list(COUNT_OF_PERIODS.finditer(prepared))[:1]
    for m in periods:
        found.append((*m.span(), "instalment_periods", next(g for g in m.groups() if g)))
    if periods:
        bills = list(BILL.finditer(prepared))
    else:  # before the periods are known, only the figure the cue names ("账单8000想分期")
        cue = BILL_TO_SPLIT.search(prepared) if "分期" in prepared else None
        bill = BILL.match(prepared, cue.end()) if cue else None
        bills = [bill] if bill else ([m for m in BILL.finditer(prepared) if BILL_NAMED_AFTER.match(prepared, m.end())][:1]
                                     if "分期" in prepared else [])
    for m in bills:
        if not any(p.start() <= m.start() < p.end() for p in periods):
            found.append((*m.span(), "bill_amount", _yuan_of(m.group(1) or m.group(3), m.group(2))))
    found += (_subscription_slots(prepared) or _deposit_slots(prepared) or _investment_slots(prepared)
              or _compound_slots(prepared) or _redemption_slots(prepared) or _purchase_hint(prepared))
    if not found and (fee := PERIOD_FEE.search(prepared)):  # "每期手续费0.75%，每期手续费是多少": for the bill held
        found.append((*fee.span(), "fee_rate", _fmt(Decimal(fee.group(1)))))
    rates = _stated_rates(prepared, found)
    if not found and not rates and (benchmark := BENCHMARK_RATE.search(prepared)):
        # a product's stated benchmark, said before the sum ("这款理财业绩比较基准年化2.8%" … "我买5万，180天")
        rates = [(*benchmark.span(), "expected_rate", _fmt(Decimal(benchmark.group(1))))]
    return found + rates


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


SUBSCRIPTION = re.compile(r"(?:申购|认购|买入?|购买|定投)[^,，。;；]{0,6}?" + MONEY)
# the purchase fee rate only: not a management, custody or sales-service fee, nor a return
SUBSCRIPTION_FEE = re.compile(r"(?<!管理)(?<!托管)(?<!服务)(?:申购|认购|前端|手续)?费率[^\d,，。;；\s]{0,4}?(\d+(?:\.\d+)?)\s*%")
FUND_CUE = re.compile(r"基金|申购|认购")


def _subscription_slots(prepared: str) -> list[tuple[int, int, str, str]]:
    """Buying a fund for a sum at a stated fee rate ("买10万的基金，申购费率1.5%"), or the fee rate alone, for a
    sum said before ("想买100万的理财" … "认购费率0.5%，手续费是多少"; the calculation asks when none was)."""
    if not FUND_CUE.search(prepared) or "赎回" in prepared:
        return []
    money, fee = SUBSCRIPTION.search(prepared), SUBSCRIPTION_FEE.search(prepared)
    if fee is None:
        return []
    rate = [(*fee.span(), "subscribe_fee_rate", _fmt(Decimal(fee.group(1))))]
    return rate if money is None else [_purchase_sum(money, "subscribe_amount"), *rate]


def _purchase_sum(money: re.Match[str], slot: str) -> tuple[int, int, str, str]:
    """The sum a SUBSCRIPTION match buys for, spanning the figure and its unit."""
    return money.start(2) - len(money.group(1)), money.end(), slot, _yuan_of(money.group(1), money.group(2))


PURCHASE_CUE = re.compile(r"基金|理财|申购|认购|定投")


def _purchase_hint(prepared: str) -> list[tuple[int, int, str, str]]:
    """The sum of a fund or wealth purchase said without its fee ("想买100万的理财"): weak, it only waits for a
    fee rate said later."""
    money = SUBSCRIPTION.search(prepared)
    if money is None or not PURCHASE_CUE.search(prepared) or "费" in prepared or LOAN_WORD.search(prepared):
        return []
    return [_purchase_sum(money, "subscribe_amount_hint")]


REDEEMED_SHARES = re.compile(r"赎回\s*(\d+(?:\.\d+)?)\s*(万)?\s*份")
NAV = re.compile(r"净值\s*(?:是|为)?\s*(\d+\.\d+)")


def _redemption_slots(prepared: str) -> list[tuple[int, int, str, str]]:
    """A sum redeemed ("赎回2万") or shares at a net value ("赎回20000份，净值1.25"), and the fee rate."""
    money, fee = REDEMPTION.search(prepared), FEE_RATE.search(prepared)
    shares, nav = REDEEMED_SHARES.search(prepared), NAV.search(prepared)
    if fee is None or (money is None and not (shares and nav)):
        return []
    if money is not None:
        amount = (*money.span(), "redeem_amount", _yuan_of(money.group(1), money.group(2)))
    else:
        count = Decimal(shares.group(1)) * (10000 if shares.group(2) else 1)
        amount = (*shares.span(), "redeem_amount", _fmt(count * Decimal(nav.group(1))))
    navs = [(*nav.span(), "fund_nav", nav.group(1))] if nav else []  # the net value is no loan rate
    return [amount, (*fee.span(), "redeem_fee_rate", _fmt(Decimal(fee.group(1)))), *navs]


BENCHMARK_RATE = re.compile(r"(?:业绩比较基准|预期收益率?|年化收益率?)\s*(?:是|为|约|大概|:|：)?\s*(?:年化)?\s*"
                            r"(\d+(?:\.\d+)?)\s*%")


def _stated_rates(prepared: str, found: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """The rate stated for the calculation whose inputs ``found`` holds (none without one)."""
    slot = next((RATE_SLOT[name] for *_, name, _ in found if name in RATE_SLOT), None)
    if slot is None:
        return []
    taken = [(a, b) for a, b, *_ in found]
    for m in STATED_RATE.finditer(prepared):
        g = 1 if m.group(1) else 2  # the figure itself outside what is taken ("存1年利率1.75": 年 is the term's)
        if not any(m.start(g) < b and m.end(g) > a for a, b in taken) and 0 < Decimal(m.group(g)) < 36:
            return [(*m.span(), slot, _fmt(Decimal(m.group(1) or m.group(2))))]
    return []


def _deposit_slots(prepared: str) -> list[tuple[int, int, str, str]]:
    """A deposit's amount comes from a clause about depositing, never from one about borrowing."""
    if NOT_A_DEPOSIT.search(prepared):
        return []
    clauses = [c for c in CLAUSE.finditer(prepared) if not LOAN_WORD.search(c.group(0))]
    recurring = RECURRING_CUE.search(prepared)
    found_in = ((c.start(), (MONTHLY_DEPOSIT.search(c.group(0)) if recurring else None)
                 or AMOUNT.search(c.group(0)) or BARE_DEPOSIT.search(c.group(0)) or SUM_THEN_DEPOSIT.search(c.group(0)))
                for c in clauses if DEPOSIT_CUE.search(c.group(0)))
    at, money = next(((at, m) for at, m in found_in if m is not None), (0, None))
    if money is None:  # "8万，整存整取五年，年利率2.5%": the sum in a clause of its own
        at, money = next(((c.start(), m) for c in clauses if (m := AMOUNT.search(c.group(0)))
                          and DEPOSIT_CUE.search(prepared) and not OTHER_TOPIC.search(c.group(0))), (0, None))
    if money is None:
        return []
    start, end = at + money.start(), at + money.end()
    unit = money.group(2) if money.re.groups >= 2 else None
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
    if (money is None or not INVEST_CUE.search(prepared) or not RETURN_CUE.search(prepared) or "费" in prepared
            or LOAN_WORD.search(prepared)):  # "买车贷款5万…利息多少" is a loan's interest, not a return
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


WEAK = None  # a figure about what the money is for (see ``WEAK_TOPIC``)


def figure_verdicts(prepared: str, borrowing_spans: Iterable[tuple[int, int]] = ()) -> list[tuple[int, int, bool | None]]:
    """(start, end, about the loan?) for every figure, left to right. The words just before a figure
    decide: a topic noun nearer than any word of borrowing makes it about that topic ("月收入2万"), a
    past or existing loan always does ("上次贷了10万"), borrowing makes it the loan's ("想贷30万"); with
    neither, it continues the previous figure's topic ("信用卡额度5万能不能提到10万"). A figure inside one
    of ``borrowing_spans`` (a monthly repayment budget) is about borrowing, whatever its words."""
    verdicts: list[tuple[int, int, bool | None]] = []
    previous, previous_end = True, 0
    spans = list(borrowing_spans)
    for m in FIGURE.finditer(prepared):
        if any(s <= m.start() < e for s, e in spans):
            verdicts.append((m.start(), m.end(), True))
            previous = True
            continue
        said = words_before(prepared, m.start())
        topic = max((t.end() for t in OTHER_TOPIC.finditer(said)), default=-1)
        weak = -1
        if TIME_AFTER.match(prepared, m.end()):  # a term: what the sum is for says nothing of it
            previous = True if previous is WEAK else previous
        else:
            topic = max([topic, *(t.end() for t in MONEY_TOPIC.finditer(said))])
            weak = max((t.end() for t in WEAK_TOPIC.finditer(said)), default=-1)
        borrowing = max((b.end() for b in BORROWING.finditer(said)), default=-1)
        past = max((o.end() for o in OTHER_LOAN.finditer(said)), default=-1)
        if LOAN_AFTER.match(prepared, m.end()) and not past > borrowing and not INCOME.search(said):
            about_loan = True  # "月供多少? 20万的贷款" / "a 200k loan"
        elif per_period(prepared, m.start()) and not TIME_AFTER.match(prepared, m.end()):
            about_loan = False  # "一年一万五"
        elif past > borrowing or topic > borrowing or OTHER_AFTER.match(prepared[m.end():]):
            about_loan = False  # "之前借的10万已经还清了" / "月收入2万" ...
        elif borrowing > weak:
            about_loan = True  # ... but "...现在想再借20万": the borrowing said last wins
        elif weak >= 0:
            about_loan = WEAK
        elif previous is False:  # continues the previous figure's topic, unless borrowing came since
            # ("车价20万，我想贷一半，分两年": the term is the loan's) or follows it
            about_loan = (LOAN_AFTER.match(prepared, m.end()) is not None
                          or BORROWING.search(prepared, previous_end, m.start()) is not None)
        else:
            about_loan = previous
        verdicts.append((m.start(), m.end(), about_loan))
        previous, previous_end = about_loan, m.end()
    return verdicts


def extract_slots(text: str) -> dict[str, str]:
    """Slots said in one utterance, as normalised strings (yuan, months, percent).

    Relative statements come back as ``amount_change`` / ``term_change`` (``*0.5``, ``+50000``,
    ``-12``) for the state stage to resolve.
    """
    prepared = THOUSANDS.sub(lambda m: m.group(0).replace(",", ""), numeric_form(text))
    prepared = ENGLISH_COUNT.sub(lambda m: ENGLISH_COUNTS.get(m.group(1)) or {"twenty": "20", "thirty": "30"}[m.group(1)],
                                 prepared)
    for pattern, chinese in ENGLISH:
        prepared = pattern.sub(chinese, prepared)
    found: list[tuple[int, str, str]] = []  # (position, slot, value): the last position wins
    tools = tool_slots(prepared)
    taken: list[tuple[int, int]] = []

    # A monthly budget ("月供最多5000，三十年，利率三点五") is about borrowing even without 贷/借.
    verdicts = figure_verdicts(prepared, [(s, e) for s, e, slot, _ in tools if slot == "monthly_budget"])

    def verdict(at: int) -> bool | None:
        return next((ok for start, end, ok in verdicts if end > at), True)

    def free(m: re.Match[str], at: int | None = None) -> bool:
        """Not used by another slot, and not a figure about something else (income, a deposit, a past
        loan, a card...): decided per figure from the words said just before it (``figure_verdicts``)."""
        if any(m.start() < e and m.end() > s for s, e in taken):
            return False
        return verdict(m.start() if at is None else at) is not False

    for start, end, slot, value in tools:
        found.append((start, slot, value))
        taken.append((start, end))

    def add(m: re.Match[str], slot: str, value: str) -> None:
        weak = slot in LOAN_SLOTS and verdict(m.start()) is WEAK
        found.append((m.start(), f"{slot}_hint" if weak else slot, value))
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
            add(m, "rate_change", ("-" if m.group(1) in LOWER else "+") + m.group(2))
    for m in RATE_SHIFT.finditer(prepared):
        points = _number(m.group(2)) / (100 if "基点" in m.group(3) or "bp" in m.group(3) else 1)
        if (Decimal(0) < points < Decimal(5) and free(m) and not NOT_LOAN_RATE.search(clause_of(prepared, m.start()))):
            add(m, "rate_change", ("-" if m.group(1) in LOWER else "+") + _fmt(points))
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
    for m in PRICE.finditer(prepared):
        add(m, "item_price", _yuan_of(m.group(1) or m.group(3), m.group(2) or m.group(4)))
    for m in DOWN.finditer(prepared):
        add(m, "down_payment", _yuan_of(m.group(1), m.group(2)))
    shares = list(DOWN_SHARE.finditer(prepared))
    for m in shares:  # "首付三成" borrows the other seven tenths of the price
        share = m.group(1)
        paid = Decimal("0.5") if share == "一半" else Decimal(share[0]) / 10 if "成" in share else _number(share.rstrip("% ")) / 100
        add(m, "loan_share", _fmt(1 - paid))  # of the price, never of a loan amount said
    if THE_REST.search(prepared) and not shares:
        found.append((len(prepared), "amount_change", "rest"))
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
        if n == 1 and MONEY_NEXT.match(prepared, m.end()) and per_period(prepared, MONEY_NEXT.match(prepared, m.end()).start()):
            continue  # "一年一万五": per year
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
    for pattern, purpose in PURPOSES:
        for m in re.finditer(pattern, prepared):
            found.append((m.start(), "loan_purpose", purpose))

    for m in RISK.finditer(prepared):
        found.append((m.start(), "product_risk" if m.group(1) == "r" else "customer_risk", m.group(1).upper() + m.group(2)))
    for m in DATE.finditer(prepared):
        month, day = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12 and 1 <= day <= 31:
            found.append((m.start(), "date", f"{month:02d}-{day:02d}"))
    slots: dict[str, str] = {}
    for pos, slot, value in sorted(found, key=lambda f: f[0]):
        if slot.removesuffix("_hint") in LOAN_SLOTS and REJECTED.search(prepared, 0, pos):
            continue
        slots[slot] = value
    if "loan_purpose" not in slots and DOWN_PAYMENT.search(prepared) and "车" not in prepared:
        slots["loan_purpose_hint"] = "购房"
    for slot in LOAN_SLOTS:  # said outright in the same breath, a hint is moot
        if slot in slots:
            slots.pop(f"{slot}_hint", None)
    # Renovating a home is not buying one ("装修婚房").
    if slots.get("loan_purpose") == "购房" and any(s == "loan_purpose" and v == "装修" for _, s, v in found):
        slots["loan_purpose"] = "装修"
    # A relative amount after an outright one applies to it ("总价200万，贷一半"); an outright value after
    # a relative one wins ("贷一半，也就是十万").
    rest = rest_of_price(slots) if slots.get("amount_change") == "rest" else None
    if rest is not None:
        slots["amount"] = rest
        slots.pop("amount_change")
    elif "amount" in slots and "amount_change" in slots and slots["amount_change"] == "rest":
        slots.pop("amount_change")  # "贷款20万，剩下的自己出"
    elif "amount" in slots and "amount_change" in slots:
        said_at = {slot: pos for pos, slot, _ in found}
        change = slots.pop("amount_change")
        if said_at["amount_change"] > said_at["amount"]:
            slots["amount"] = apply_change(slots["amount"], change) or slots["amount"]
    elif "item_price" in slots and slots.get("amount_change", "").startswith("*"):
        slots["amount"] = apply_change(slots["item_price"], slots.pop("amount_change")) or slots["item_price"]
    if "loan_share" in slots and "item_price" in slots and "amount" not in slots:
        slots["amount"] = apply_change(slots["item_price"], "*" + slots.pop("loan_share")) or slots["item_price"]
    if "term_months" in slots:
        slots.pop("term_change", None)
    return slots


