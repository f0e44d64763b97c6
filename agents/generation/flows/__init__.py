"""Business flows of the grounded composer: slots, facts and two authorities become one exact answer.

Each flow is a pure function returning an ``Answer``: the reply text, every figure it states in
``tool_results`` (decimal strings, for a later number check) and the ids of the products it rests
on. The authorities are injected as ``Grounding``: the product catalogue (Neo4j in the worker,
an in-memory fake in tests) and the credit bureau. Nothing here reads the environment or the clock.

    answer = deposit_answer(slots, Grounding(catalogue=graph, bureau=SimulatedBureau()))

Suitability is a hard rule in every flow: a product with a risk level is named only if it is on
sale and R <= C for the customer's level (C1 while unknown); a wealth product without a level is
never named.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from domain.numerals import numeric_form
from domain.risk import DEFAULT_LEVEL, is_suitable, level_rank
from engines.bureau import CreditBureau
from engines.graph.cache import start_turn
from engines.holdings import HoldingsSource

STATED_RISK = re.compile(r"风险等级(R[1-5])")  # how retrieval's product facts state a product's level
BRAND = re.compile(r"^示例(?:银行|理财)\s*")


class ProductCatalogue(Protocol):
    """The product lookups the flows need; ``Neo4jKnowledgeGraph`` implements them."""

    def product(self, product_id: str) -> dict[str, Any] | None: ...

    def loan_products(self, purpose: str | None, amount: int | None, limit: int = 3) -> list[dict[str, Any]]: ...

    def products_of_type(self, product_type: str, limit: int = 3) -> list[dict[str, Any]]: ...

    def suitable_wealth(self, customer_risk: str, limit: int = 5) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Grounding:
    """The authorities a reply may rest on; either may be absent (the flow then asks or explains)."""

    catalogue: ProductCatalogue | None = None
    bureau: CreditBureau | None = None
    holdings: HoldingsSource | None = None


class TurnCatalogue:
    """One turn's view of a catalogue: each product and each type listing is looked up once."""

    def __init__(self, catalogue: ProductCatalogue) -> None:
        self.catalogue = catalogue
        self._products: dict[str, dict[str, Any] | None] = {}
        self._types: dict[tuple[str, int], list[dict[str, Any]]] = {}

    def product(self, product_id: str) -> dict[str, Any] | None:
        if product_id not in self._products:
            self._products[product_id] = self.catalogue.product(product_id)
        return self._products[product_id]

    def loan_products(self, purpose: str | None, amount: int | None, limit: int = 3) -> list[dict[str, Any]]:
        return self.catalogue.loan_products(purpose, amount, limit)

    def products_of_type(self, product_type: str, limit: int = 3) -> list[dict[str, Any]]:
        if (product_type, limit) not in self._types:
            self._types[(product_type, limit)] = self.catalogue.products_of_type(product_type, limit)
        return self._types[(product_type, limit)]

    def suitable_wealth(self, customer_risk: str, limit: int = 5) -> list[dict[str, Any]]:
        return self.catalogue.suitable_wealth(customer_risk, limit)


def for_turn(grounding: Grounding) -> Grounding:
    """``grounding`` with its catalogue's lookups shared across one turn's flows (a catalogue that caches
    across turns is told a turn starts, so it checks its freshness once for the turn)."""
    if grounding.catalogue is None:
        return grounding
    start_turn(grounding.catalogue)
    return Grounding(TurnCatalogue(grounding.catalogue), grounding.bureau, grounding.holdings)


@dataclass(frozen=True)
class Answer:
    text: str
    tool_results: dict[str, str] = field(default_factory=dict)
    source_ids: tuple[str, ...] = ()


def customer_level(slots: dict[str, str]) -> str:
    """The customer's C level from the slots, C1 while unknown or unreadable."""
    rank = level_rank(slots.get("customer_risk"), "C")
    return DEFAULT_LEVEL if rank is None else f"C{rank}"


def nameable(product: dict[str, Any], level: str) -> bool:
    """On sale and, where it carries a risk level (or is a wealth product), suitable for ``level``."""
    if product.get("on_sale") is not True:
        return False
    if product.get("risk_level") is None and product.get("type") != "wealth":
        return True
    return is_suitable(product, level)


def fact_usable(fact: dict[str, Any], level: str, catalogue: ProductCatalogue | None) -> bool:
    """Whether a retrieved fact may be repeated to this customer (product facts pass ``nameable``)."""
    if fact.get("kind") != "product":
        return True
    if catalogue is not None:
        node = catalogue.product(fact["source_id"])
        return node is not None and nameable(node, level)
    stated = STATED_RISK.search(fact.get("content", ""))
    return stated is None or is_suitable({"risk_level": stated.group(1), "on_sale": True}, level)


def product_nodes(facts: Iterable[dict[str, Any]], catalogue: ProductCatalogue | None,
                  product_type: str | None = None) -> list[dict[str, Any]]:
    """Full catalogue nodes (with fees) of the Context's product facts, optionally of one type."""
    if catalogue is None:
        return []
    nodes = [catalogue.product(f["source_id"]) for f in facts if f.get("kind") == "product"]
    return [n for n in nodes if n is not None and (product_type is None or n.get("type") == product_type)]


def short_name(product: dict[str, Any]) -> str:
    """The name without the brand prefix, as a customer would say it: '稳利90天持有期理财'."""
    return BRAND.sub("", product["name"]).strip()


def _common_run(a: str, b: str) -> int:
    """Length of the longest common substring (dynamic programming; names are short)."""
    best, previous = 0, [0] * (len(b) + 1)
    for ch in a:
        row = [0]
        for j, other in enumerate(b, 1):
            row.append(previous[j - 1] + 1 if ch == other else 0)
        best = max(best, *row)
        previous = row
    return best


@lru_cache(maxsize=4096)
def _prepared(name: str) -> str:
    return numeric_form(name)


def named_product(text: str, products: Iterable[dict[str, Any]], least: int = 4) -> dict[str, Any] | None:
    """The product ``text`` names: the longest whole short name it contains, else the one product whose
    name shares the longest run (at least ``least`` characters) with it; None when that is a tie.

    ``text`` is prepared as the slot parser prepares it (digits for numerals), and so are the names.
    """
    names = [(_prepared(short_name(p)), p) for p in products]
    scored = sorted(((len(name) if name in text else 0, _common_run(text, name), p["id"], p) for name, p in names),
                    key=lambda s: (-s[0], -s[1]))
    if not scored or (scored[0][0] == 0 and scored[0][1] < least):
        return None
    if len(scored) > 1 and scored[1][:2] == scored[0][:2]:
        return None
    return scored[0][3]


def catalogue_rows(catalogue: ProductCatalogue | None, product_type: str, limit: int = 500) -> list[dict[str, Any]]:
    """Every on-sale product of a type (the catalogue's ``products_of_type`` rows unwrapped)."""
    if catalogue is None:
        return []
    return [row["product"] for row in catalogue.products_of_type(product_type, limit=limit)]
