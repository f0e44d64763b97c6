"""Customer holdings: one Protocol for the core-banking / wealth-platform system that knows what a
customer holds. ``SimulatedHoldings`` is the deterministic local stand-in (seeded from the customer
id, drawn from the catalogue's on-sale wealth and deposit products), like the simulated bureau.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, Protocol


class HoldingsSource(Protocol):
    def holdings(self, customer_id: str) -> list[dict[str, Any]]:
        """[{"product_id", "category", "risk_level" (None: unrated, e.g. a deposit), "amount"}], yuan as a decimal string."""
        ...


class SimulatedHoldings:
    """2–4 positions per customer, 10,000–500,000 yuan each in whole thousands."""

    def __init__(self, products: Iterable[Mapping[str, Any]]) -> None:
        self.products = sorted((dict(p) for p in products if p.get("on_sale") and p.get("type") in ("wealth", "deposit")),
                               key=lambda p: p["id"])
        if not self.products:
            raise ValueError("simulated holdings need on-sale wealth or deposit products")

    def holdings(self, customer_id: str) -> list[dict[str, Any]]:
        if not customer_id:
            raise ValueError("holdings need a customer id")
        seed = hashlib.sha256(f"holdings:{customer_id}".encode()).digest()
        count = 2 + seed[0] % 3
        picked: dict[str, dict[str, Any]] = {}
        for i in range(count):
            product = self.products[int.from_bytes(seed[1 + 2 * i:3 + 2 * i], "big") % len(self.products)]
            amount = (10 + int.from_bytes(seed[10 + 2 * i:12 + 2 * i], "big") % 491) * 1000
            picked.setdefault(product["id"], {"product_id": product["id"], "category": product.get("subtype") or
                                              product["type"], "risk_level": product.get("risk_level"),
                                              "amount": str(amount)})
        return list(picked.values())
