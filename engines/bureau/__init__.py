"""Credit bureau adapter: one Protocol for the external authority that credit checks need.

``SimulatedBureau`` is the deterministic local stand-in (seeded from the customer id, so every
run and every worker sees the same report); a real bureau adapter implements the same call.
"""
from __future__ import annotations

import hashlib
from typing import Protocol

from domain.preapproval import CreditReport

__all__ = ["CreditBureau", "CreditReport", "SimulatedBureau"]


class CreditBureau(Protocol):
    def report(self, customer_id: str) -> CreditReport: ...


class SimulatedBureau:
    """Deterministic simplified credit summaries for local runs and tests."""

    def report(self, customer_id: str) -> CreditReport:
        if not customer_id:
            raise ValueError("a credit report needs a customer id")
        seed = hashlib.sha256(customer_id.encode()).digest()
        score = 350 + int.from_bytes(seed[0:2], "big") % 601
        overdue = (seed[2] % 8) if score < 600 else (seed[2] % 3 == 0) * (seed[3] % 2)
        income = 4_000 + int.from_bytes(seed[4:6], "big") % 46_000
        debt = (int.from_bytes(seed[6:8], "big") % 40) * income // 100
        return CreditReport(customer_id, score, overdue, debt, seed[8] % 7, income)
