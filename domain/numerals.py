"""Numbers as customers write them: Chinese numerals, 万/千 tails, typos of money words. The form
every slot pattern and every figure check runs on."""
from __future__ import annotations

import re
import warnings
from decimal import Decimal

from domain.text import normalise

# Words holding 一 that are not numbers; cn2an would turn 一下 into 1下.
PROTECTED = ("一半", "一下", "一点点", "一点儿", "一共", "一直", "一些", "一起", "一般", "一样", "一定",
             "一次性", "一会", "统一", "唯一", "一旦", "一边", "一致", "一笔", "一台", "一辆", "一套", "一家", "一天",
             # "一个月还多少" is per month, not a one-month term
             "一个月还", "一个月要还", "一个月得还", "一个月供", "一个月付", "一个月多少", "一个月大概", "一个月需要还")
# 万一 is "in case" unless a numeral comes before it: "两万一" is 21000.
IN_CASE = re.compile(r"(?<![\d零一二两三四五六七八九十百千])万一")
TYPOS = {"代款": "贷款", "带款": "贷款", "帐户": "账户", "转帐": "转账", "利心": "利息", "换款": "还款"}
UNIT = {"百万": 1_000_000, "千万": 10_000_000, "万": 10_000, "w": 10_000, "千": 1_000, "k": 1_000, "元": 1,
        "块": 1, "块钱": 1}

WAN_TAIL = re.compile(r"(\d+)(万|千)(\d)(?![\d万千wk元块.年个月期天岁%号日周])")  # 3万5 = 35000, not 30万3年
# A numeral starts with a digit word ("两", "十"); a bare unit after Arabic digits ("50万两年") is not one.
CN_RUN = re.compile(r"[零一二两三四五六七八九十][零一二两三四五六七八九十百千万亿]*(?:点[零一二三四五六七八九]+)?")
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
    text = IN_CASE.sub("\x00c\x00", text)
    marks["\x00c\x00"] = "万一"
    # 一点 is "a little" unless digits follow (一点五 = 1.5).
    text = re.sub(r"一点(?![零一二三四五六七八九])", "\x00p\x00", text)
    marks["\x00p\x00"] = "一点"

    def convert(m: re.Match[str]) -> str:
        run = m.group(0)
        head, tail = _money_then_count(run, text[m.end():m.end() + 2])
        if tail:  # "一百五十万三十年" is 1500000 and 30 years, not 1500030
            return f"{_digits_of(head)}元{_digits_of(tail)}"
        value = _cn_number(run)
        if isinstance(value, str):
            return run
        out = format(value, "f").rstrip("0").rstrip(".") if "." in format(value, "f") else format(value, "f")
        if ("万" in run or "千" in run) and "点" not in run and not MONEY_UNIT_AFTER.match(text[m.end():]):
            out += "元"
        return out

    text = re.sub(r"百分之([\d.]+|[零一二两三四五六七八九十点]+)", lambda m: f"{_cn_number(m.group(1))}%", text)
    text = CN_RUN.sub(convert, text)
    for mark, word in marks.items():
        text = text.replace(mark, word)
    return text


COUNT_UNIT = re.compile(r"^(年|个月|月|期|天|岁)")


def _money_then_count(run: str, after: str) -> tuple[str, str]:
    """Split a numeral that runs from a sum of 万 into a count ("五十万三十年" -> "五十万", "三十"). A
    one-digit tail is the colloquial thousands ("两万五" = 25000) unless a time unit follows it."""
    at = run.rfind("万")
    tail = run[at + 1:] if at > 0 else ""
    if not tail or tail[0] == "零" or "千" in tail or "百" in tail or "点" in tail:
        return run, ""
    if len(tail) > 1 or COUNT_UNIT.match(after):
        return run[:at + 1], tail
    return run, ""


def _digits_of(word: str) -> str:
    value = _cn_number(word)
    if isinstance(value, str):
        return word
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _cn_number(word: str) -> Decimal | str:
    import cn2an

    if word in ("万", "千", "百", "亿"):
        return word
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return Decimal(str(cn2an.cn2an(word, "smart")))
        except Exception:
            return word


# Financial (capital) numerals as written on contracts and cheques: 贰拾万 = 二十万.
CAPITAL = str.maketrans("壹贰叁肆伍陆柒捌玖拾佰仟", "一二三四五六七八九十百千")


# A round figure said loosely ("二十来万", "20多万", "50万左右") is the figure stated.
LOOSELY = re.compile(r"(\d+)[来多余](?=万|千|w|k|块|元)")


# Pinyin initials customers type for banking words ("xyk分期", "lc靠谱不"), as whole Latin tokens.
PINYIN_INITIALS = {"yhk": "银行卡", "xyk": "信用卡", "lc": "理财", "dk": "贷款", "zz": "转账", "bx": "保险",
                   "rgkf": "人工客服", "rg": "人工", "yzm": "验证码", "zx": "征信", "fq": "分期", "sxf": "手续费",
                   "debx": "等额本息", "debj": "等额本金", "dq": "定期", "sfz": "身份证"}
INITIALS = re.compile(r"(?<![a-z])(" + "|".join(sorted(PINYIN_INITIALS, key=len, reverse=True)) + r")(?![a-z])")


def numeric_form(text: str) -> str:
    """The form every slot pattern runs on: normalised, typos fixed, pinyin initials spelt out, digits for
    numerals."""
    text = INITIALS.sub(lambda m: PINYIN_INITIALS[m.group(1)], normalise(text)).translate(CAPITAL)
    for wrong, right in TYPOS.items():
        text = text.replace(wrong, right)
    text = _digits(text)
    text = LOOSELY.sub(r"\1", text)
    return WAN_TAIL.sub(
        lambda m: f"{int(m.group(1)) * UNIT[m.group(2)] + int(m.group(3)) * UNIT[m.group(2)] // 10}元", text)




SEPARATORS = re.compile(r"[\s\u3000，,。!！?？；;、:：'\"“”‘’（）()\[\]【】<>《》…~～·\-—_/|]+")
ANY_FIGURE = re.compile(r"\d+(?:\.\d+)?")
MONEY_UNITS = re.compile(r"0(?:百万|千万|万|w|k|千|块钱|块|元)")


def canonical_form(text: str) -> str:
    """The form an intent is read from, free of surface: normalised (simplified, half-width, lower
    case), typos fixed, numerals as digits, every figure as 0 and every money unit as 元, no
    punctuation or spaces (one space kept between Latin words)."""
    form = re.sub(r"(?<=[a-z])[\s\u3000]+(?=[a-z])", "\x00", numeric_form(text))
    form = SEPARATORS.sub("", form).replace("\x00", " ")
    form = re.sub(r"(?<=\d)\.(?=\d)", "", form)
    return MONEY_UNITS.sub("0元", ANY_FIGURE.sub("0", form))
