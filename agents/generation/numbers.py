"""Number verification: every figure an LLM writes must be one the tools or the Context gave it.

Figures are compared as values, not strings: "8,964.36", "8964.36元" and "8964.360" are one value,
and "30万" is 300,000. A figure is grounded when its value (or its value in 万 or in yuan) occurs
in the tool results, the Context facts, the grounded composer's own text or the customer's words.
Small counting words ("分3步", "1个") cannot be checked against anything, so integers up to 12
pass as structure, not facts.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

FIGURE = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*(万)?")
COUNTING_MAX = 12


def figures(text: str) -> list[tuple[str, Decimal]]:
    """(as written, value) for every figure in ``text``; 万 multiplies."""
    found = []
    for m in FIGURE.finditer(text):
        digits = m.group(1).replace(",", "") + (f".{m.group(2)}" if m.group(2) else "")
        try:
            value = Decimal(digits)
        except InvalidOperation:
            continue
        found.append((m.group(0).strip(), value * 10_000 if m.group(3) else value))
    return found


def grounded_values(sources: Iterable[str]) -> set[Decimal]:
    values: set[Decimal] = set()
    for source in sources:
        for _, value in figures(source):
            values.add(value.normalize())
            values.add((value / 10_000).normalize())  # "300000" in a tool result grounds "30万"
    return values


def unverified(text: str, sources: Iterable[str]) -> list[str]:
    """Figures in ``text`` that no source bears out (in order, as written)."""
    known = grounded_values(sources)
    return [written for written, value in figures(text)
            if value.normalize() not in known and not (value == value.to_integral_value() and value <= COUNTING_MAX)]
