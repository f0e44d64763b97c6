"""The knowledge graph: one Protocol for what stages ask of it; Neo4j is the backend."""
from __future__ import annotations

from typing import Any, Protocol

RISK_RANK = {f"R{i}": i for i in range(1, 6)} | {f"C{i}": i for i in range(1, 6)}


class KnowledgeGraph(Protocol):
    def loan_products(self, purpose: str | None, amount: int | None, limit: int = 3) -> list[dict[str, Any]]: ...

    def suitable_wealth(self, customer_risk: str, limit: int = 5) -> list[dict[str, Any]]: ...

    def products_of_type(self, product_type: str, limit: int = 3) -> list[dict[str, Any]]: ...

    def faqs(self, since_version: int = 0) -> list[dict[str, Any]]: ...

    def version(self) -> int: ...

    def apply_update(self, update: dict[str, Any]) -> None: ...
