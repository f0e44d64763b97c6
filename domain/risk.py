"""Risk levels and investor suitability (适当性管理): a product of risk level R may go to a customer
of level C only if R ≤ C, and only while it is on sale. The one rank and the one rule every stage
uses (generation to offer, retrieval to list, compliance to re-check).

Fail closed: a product whose ``on_sale`` is not exactly ``True`` or whose ``risk_level`` is not
one of R1..R5 is never returned. Unrated products (loans, deposits, cards) sit outside this rule
and are left to the callers that list them.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

LEVEL = re.compile(r"^([RC])([1-5])$")


def level_rank(level: str | None, kind: str) -> int | None:
    """1..5 for 'R3'/'C3' style levels of ``kind`` ('R' or 'C'), case and spaces ignored; else None."""
    if not isinstance(level, str):
        return None
    match = LEVEL.match(level.strip().upper())
    if match is None or match.group(1) != kind:
        return None
    return int(match.group(2))


DEFAULT_LEVEL = "C1"  # a customer whose level is unknown is treated as the most cautious one
PRODUCT_LEVELS = tuple(f"R{i}" for i in range(1, 6))
CUSTOMER_LEVELS = tuple(f"C{i}" for i in range(1, 6))


def exceeds(product_risk: str | None, customer_level: str | None) -> bool:
    """True when a rated product may not go to the customer: R > C, or either level unreadable
    (fail closed). ``customer_level`` None means unknown, hence ``DEFAULT_LEVEL``."""
    r = level_rank(product_risk, "R")
    c = level_rank(customer_level or DEFAULT_LEVEL, "C")
    return r is None or c is None or r > c


def customer_rank(customer_level: str) -> int:
    rank = level_rank(customer_level, "C")
    if rank is None:
        raise ValueError(f"customer risk level must be C1..C5, got {customer_level!r}")
    return rank


def suitability_gap(product_risk: str, customer_level: str) -> int:
    """R − C: positive means the product is riskier than the customer may buy."""
    rank = level_rank(product_risk, "R")
    if rank is None:
        raise ValueError(f"product risk level must be R1..R5, got {product_risk!r}")
    return rank - customer_rank(customer_level)


def is_suitable(product: Mapping[str, Any], customer_level: str) -> bool:
    rank = level_rank(product.get("risk_level"), "R")
    return product.get("on_sale") is True and rank is not None and rank <= customer_rank(customer_level)


def suitable(products: Iterable[Mapping[str, Any]], customer_level: str) -> list[Mapping[str, Any]]:
    """The on-sale, risk-rated products with R ≤ C, in their original order."""
    customer_rank(customer_level)  # reject a bad level even when the catalogue is empty
    return [product for product in products if is_suitable(product, customer_level)]
