"""Slot extraction: amounts, terms, rates, purposes, risk levels, card tails and dates.

Chinese numerals are turned into digits by cn2an, with words that merely contain 一 (一下, 一半,
一点…) protected first. Within one utterance the last mention of a slot wins, so corrections
("不是三年，是五年") need no special case. Relative amounts ("贷一半", "再多贷五万") are returned as
``amount_change`` and resolved by the state stage against the amount it holds.
"""
from __future__ import annotations

import re
import warnings
from decimal import Decimal

from engines.text import normalise

PURPOSES = (
    ("装修", "装修"), ("翻新", "装修"), ("经营", "经营"), ("生意", "经营"), ("周转", "经营"), ("进货", "经营"),
    ("开店", "经营"), ("创业", "经营"), ("买车", "购车"), ("购车", "购车"), ("车贷", "购车"), ("提车", "购车"),
    ("买房", "购房"), ("购房", "购房"), ("首付", "购房"), ("房贷", "购房"), ("买房子", "购房"),
    ("消费", "消费"), ("旅游", "消费"), ("结婚", "消费"), ("买手机", "消费"), ("买家电", "消费"),
    ("日常开销", "消费"), ("教育", "教育"), ("学费", "教育"), ("上学", "教育"), ("留学", "教育"),
    ("读书", "教育"), ("培训", "教育"),
)
# Words holding 一 that are not numbers; cn2an would turn 一下 into 1下.
PROTECTED = ("一半", "一下", "一点点", "一点儿", "一共", "一直", "一些", "一起", "一般", "一样", "一定",
             "一次性", "一会", "万一", "统一", "唯一", "一旦", "一边", "一致")
TYPOS = {"代款": "贷款", "带款": "贷款", "帐户": "账户", "转帐": "转账", "利心": "利息", "换款": "还款"}
UNIT = {"万": 10_000, "w": 10_000, "千": 1_000, "k": 1_000, "元": 1, "块": 1, "块钱": 1}

WAN_TAIL = re.compile(r"(\d+)(万|千)(\d)(?![\d万千wk元块.])")  # 3万5 = 35000, 6千5 = 6500
AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(万|w|千|k|块钱|元|块)")
BARE_AMOUNT = re.compile(r"(?:贷|借|额度|金额|贷款)[^\d,，。]{0,3}?(\d{4,9})(?![\d.%万wk千元块年个月期天号])")
INCOME = re.compile(r"(收入|工资|月薪|年薪|余额|存款|公积金|社保|流水)[^\d]{0,3}$")
CHANGE = re.compile(r"(再多贷|多贷|再加|加|再借|多借|少贷|少借|减少|减)\s*(\d+(?:\.\d+)?)\s*(万|w|千|k|元|块)")
HALF = re.compile(r"(贷|借|要|只要|就|先)?一半")
TERM = re.compile(r"(?<![第\d.])(\d+)\s*(年|个月|期|月)(半)?(?!化|利|息|供|薪|收入|底|初|份|日|号|\d)")
RATE = re.compile(
    r"(?:年化|利率|年利率|年息|利息)(?:率|是|为|大概|大约|约|在|:|：|\s)*(\d+(?:\.\d+)?)\s*(?:%|个点)?"
    r"|(\d+(?:\.\d+)?)\s*(?:%|个点)"
    r"|(?<![\d.])(\d{1,2}\.\d{1,3})(?![\d.万wk千元块年个月期天号%])"
)
CARD = re.compile(r"尾号\s*(?:是|为)?\s*(\d{4})")
RISK = re.compile(r"(?<![a-z0-9])([rc])\s*([1-5])(?![0-9])")
DATE = re.compile(r"(\d{1,2})月(\d{1,2})[日号]")


CN_RUN = re.compile(r"[零一二两三四五六七八九十百千万亿]+(?:点[零一二三四五六七八九]+)?")
MONEY_UNIT_AFTER = re.compile(r"^\s*(元|块|w|k)")


def _digits(text: str) -> str:
    """Chinese numerals to Arabic, leaving words like 一下/一半 alone.

    A numeral that carried 万 or 千 is money in this domain unless a unit follows, so it keeps one:
    "两万五" becomes "25000元" and "四十万就够了" becomes "400000元就够了".
    """
    marks = {}
    for i, word in enumerate(PROTECTED):
        if word in text:
            mark = f"\x00{i}\x00"
            marks[mark] = word
            text = text.replace(word, mark)
    # 一点 is "a little" unless digits follow (一点五 = 1.5).
    text = re.sub(r"一点(?![零一二三四五六七八九])", "\x00p\x00", text)
    marks["\x00p\x00"] = "一点"

    def convert(m: re.Match[str]) -> str:
        run = m.group(0)
        value = _cn_number(run)
        if isinstance(value, str):
            return run
        out = format(value, "f").rstrip("0").rstrip(".") if "." in format(value, "f") else format(value, "f")
        if ("万" in run or "千" in run) and "点" not in run and not MONEY_UNIT_AFTER.match(text[m.end():]):
            out += "元"
        return out

    text = CN_RUN.sub(convert, text)
    for mark, word in marks.items():
        text = text.replace(mark, word)
    return text


def _cn_number(word: str) -> Decimal | str:
    import cn2an

    if word in ("万", "千", "百", "十", "亿"):
        return word
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return Decimal(str(cn2an.cn2an(word, "smart")))
        except Exception:
            return word


def prepare(text: str) -> str:
    """The form every slot pattern runs on: normalised, typos fixed, digits for numerals."""
    text = normalise(text)
    for wrong, right in TYPOS.items():
        text = text.replace(wrong, right)
    text = _digits(text)
    return WAN_TAIL.sub(lambda m: str(int(m.group(1)) * UNIT[m.group(2)] + int(m.group(3)) * UNIT[m.group(2)] // 10),
                        text)


def _number(value: str) -> Decimal:
    return Decimal(value)


def _fmt(value: Decimal) -> str:
    value = value.normalize()
    return str(int(value)) if value == value.to_integral_value() else format(value, "f")


def extract_slots(text: str) -> dict[str, str]:
    """Slots said in one utterance, as normalised strings (yuan, months, percent)."""
    prepared = prepare(text)
    found: list[tuple[int, str, str]] = []  # (position, slot, value): the last position wins
    taken: list[tuple[int, int]] = []

    def free(m: re.Match[str]) -> bool:
        return not any(m.start() < e and m.end() > s for s, e in taken)

    for m in CARD.finditer(prepared):
        found.append((m.start(), "card_last4", m.group(1)))
        taken.append(m.span())
    for m in CHANGE.finditer(prepared):
        sign = "-" if m.group(1) in ("少贷", "少借", "减少", "减") else "+"
        found.append((m.start(), "amount_change", sign + _fmt(_number(m.group(2)) * UNIT[m.group(3)])))
        taken.append(m.span())
    for m in RATE.finditer(prepared):
        if not free(m):
            continue
        raw = m.group(1) or m.group(2) or m.group(3)
        value = _number(raw)
        bare = m.group(3) is not None
        if Decimal(0) < value <= Decimal(36) and not (bare and value >= 24):
            found.append((m.start(), "annual_rate", _fmt(value)))
            taken.append(m.span())
    for m in AMOUNT.finditer(prepared):
        if not free(m) or INCOME.search(prepared[: m.start()]):
            continue
        found.append((m.start(), "amount", _fmt(_number(m.group(1)) * UNIT[m.group(2)])))
        taken.append(m.span())
    for m in BARE_AMOUNT.finditer(prepared):
        if free(m):
            found.append((m.start(1), "amount", str(int(m.group(1)))))
            taken.append(m.span())
    for m in HALF.finditer(prepared):
        found.append((m.start(), "amount_change", "*0.5"))
    for m in TERM.finditer(prepared):
        if not free(m):
            continue
        n, unit, half = int(m.group(1)), m.group(2), m.group(3)
        months = n * 12 + (6 if half else 0) if unit == "年" else n
        if unit == "年" and n > 30:
            continue  # a calendar year such as 2026年
        if 0 < months <= 360:
            found.append((m.start(), "term_months", str(months)))
            taken.append(m.span())
    if "半年" in prepared and not any(s == "term_months" for _, s, _ in found):
        found.append((prepared.index("半年"), "term_months", "6"))
    for cue, purpose in PURPOSES:
        for m in re.finditer(cue, prepared):
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
    if "amount" in slots:
        slots.pop("amount_change", None)  # "贷一半，也就是十万" states the amount outright
    return slots


def apply_amount_change(current: str | None, change: str) -> str | None:
    """Resolve ``*0.5`` / ``+50000`` / ``-100000`` against the current amount; None if unknown."""
    if current is None:
        return None
    base = Decimal(current)
    op, value = change[0], Decimal(change[1:])
    result = base * value if op == "*" else base + value if op == "+" else base - value
    return _fmt(result.quantize(Decimal(1))) if result > 0 else None
