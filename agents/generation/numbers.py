"""Number verification: every figure an LLM writes must be one the tools or the Context gave it.

Figures are compared as values, not strings, after the slot parser's normalisation (Chinese
numerals become digits): "8,964.36", "8964.36元" and "八千九百六十四点三六" are one value, and
"30万" is 300,000. A figure is grounded when its value (or its value in 万 or in yuan) occurs in
the tool results, the Context facts or the grounded composer's own text — not in the customer's
words: "利率是3%吗？" must not let a model confirm 3%. A bare counting word ("分3步", "第2个")
carries no fact, so an integer up to 12 with no unit after it passes; with a unit
(%, 元, 万, 期, 年, 月, 天 …) it is a figure like any other.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from domain.numerals import numeric_form

FIGURE = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*(万)?")
UNIT_AFTER = re.compile(r"\s*(?:%|％|元|块|万|千|百|亿|期|年|个?月|天|日|周|倍|折|岁|笔|次|分|点|个点|bp)")
COUNTING_MAX = 12


def _figures(text: str) -> list[tuple[str, Decimal, bool]]:
    """(as written, value, has a unit) for every figure in already prepared text; 万 multiplies."""
    found = []
    for m in FIGURE.finditer(text):
        digits = m.group(1).replace(",", "") + (f".{m.group(2)}" if m.group(2) else "")
        try:
            value = Decimal(digits)
        except InvalidOperation:
            continue
        unit = bool(m.group(3)) or bool(UNIT_AFTER.match(text, m.end()))
        found.append((m.group(0).strip(), value * 10_000 if m.group(3) else value, unit))
    return found


def figures(text: str) -> list[tuple[str, Decimal]]:
    """(as written after normalisation, value) for every figure in ``text``."""
    return [(written, value) for written, value, _ in _figures(numeric_form(text))]


def grounded_values(sources: Iterable[str]) -> set[Decimal]:
    values: set[Decimal] = set()
    for source in sources:
        for _, value, _ in _figures(numeric_form(source)):
            values.add(value.normalize())
            values.add((value / 10_000).normalize())  # "300000" in a tool result grounds "30万"
    return values


def unverified(text: str, sources: Iterable[str]) -> list[str]:
    """Figures in ``text`` that no source bears out (in order, as written after normalisation)."""
    return unverified_against(text, grounded_values(sources))


def unverified_against(text: str, known: set[Decimal]) -> list[str]:
    """``unverified`` with the sources' values computed once (a streamed reply checks many sentences)."""
    return [written for written, value, unit in _figures(numeric_form(text))
            if value.normalize() not in known
            and (unit or value != value.to_integral_value() or value > COUNTING_MAX)]
