"""Fakes shared by unit tests: each keeps the contract of one Protocol (``tests/contracts.py`` checks
fake and real backend alike), never contacts a service, and is deterministic."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import numpy as np

from domain.purposes import serves
from domain.risk import level_rank
from engines.graph.neo4j_store import product_row, read_jsonl
from streams.settings import REPO_DIR

CATALOGUE_ROWS = [product_row(p) for p in read_jsonl(REPO_DIR / "data" / "knowledge" / "products.jsonl")]


def node(row: dict[str, Any]) -> dict[str, Any]:
    """A product as the graph returns it in listings (no purposes, channels or fees)."""
    return {k: v for k, v in row.items() if k not in ("purposes", "channels", "fees")}


class InMemoryCatalogue:
    """``KnowledgeGraph`` and the flows' ``ProductCatalogue`` over a list of product rows: the same
    filters and ordering as the Cypher in ``Neo4jKnowledgeGraph`` (withdrawn products only through
    ``product``; DESC puts a missing rate first)."""

    def __init__(self, rows: list[dict[str, Any]] | None = None, faqs: list[dict[str, Any]] | None = None,
                 scams: list[dict[str, Any]] | None = None) -> None:
        self.rows = {r["id"]: r for r in (CATALOGUE_ROWS if rows is None else rows)}
        self._faqs = faqs if faqs is not None else []
        self._scams = sorted(scams or [], key=lambda s: s["id"])
        self._version = 1

    def _on_sale(self, product_type: str) -> list[dict[str, Any]]:
        return [r for r in self.rows.values() if r.get("type") == product_type and r.get("on_sale") is True]

    def product(self, product_id: str) -> dict[str, Any] | None:
        row = self.rows.get(product_id)
        return None if row is None else {**node(row), "fees": [{"name": f["name"], "value": f["value"]}
                                                               for f in row.get("fees", [])]}

    def loan_products(self, purpose: str | None, amount: int | None, limit: int = 3) -> list[dict[str, Any]]:
        rows = [r for r in self._on_sale("loan") if (purpose is None or purpose in serves(r.get("purposes", []),
                                                                                          r.get("description", "")))
                and (amount is None or ((r.get("amount_min") is None or r["amount_min"] <= amount)
                                        and (r.get("amount_max") is None or r["amount_max"] >= amount)))]
        # Cypher's ASC puts a missing rate last
        return [{"product": node(r)} for r in sorted(rows, key=lambda r: (r.get("rate_min") is None,
                                                                           r.get("rate_min") or 0, r["id"]))[:limit]]

    def products_of_type(self, product_type: str, limit: int = 3) -> list[dict[str, Any]]:
        return [{"product": node(r)} for r in sorted(self._on_sale(product_type), key=lambda r: r["id"])[:limit]]

    def suitable_wealth(self, customer_risk: str, limit: int = 5) -> list[dict[str, Any]]:
        if level_rank(customer_risk, "C") is None:
            raise ValueError(f"customer risk level must be C1..C5, not {customer_risk!r}")
        rows = [r for r in self._on_sale("wealth")
                if level_rank(r.get("risk_level"), "R") is not None
                and level_rank(r["risk_level"], "R") <= level_rank(customer_risk, "C")]
        rows.sort(key=lambda r: (r.get("rate_max") is not None, -(r.get("rate_max") or 0), r["id"]))
        return [{"product": node(r)} for r in rows[:limit]]

    def faqs(self, since_version: int = 0) -> list[dict[str, Any]]:
        return [f for f in self._faqs if f.get("v", 1) > since_version]

    def scam_types(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self._scams]

    def version(self) -> int:
        return self._version


class HashEmbedder:
    """``Embedder``: character-bigram hashing, L2-normalised; deterministic within a process."""

    name, dim = "hash", 64

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for a, b in zip(t, t[1:], strict=False):
                out[i, hash(a + b) % self.dim] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


class CountingEmbedder(HashEmbedder):
    """``HashEmbedder`` that records every text it was asked to encode."""

    def __init__(self) -> None:
        self.encoded: list[str] = []
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.encoded += list(texts)
        self.calls.append(list(texts))
        return super().encode(texts)


class ScriptedEngine:
    """``LLMEngine`` that streams the given chunks (``delay`` seconds before each), or fails mid-way."""

    name = "fake"

    def __init__(self, chunks: list[str], delay: float = 0.0, fail: bool = False) -> None:
        self.chunks, self.delay, self.fail = chunks, delay, fail
        self.aborted: list[str] = []

    async def generate(self, prompt: str, params: Any, *, request_id: str,
                       trace_headers: dict[str, str] | None = None) -> AsyncIterator[str]:
        for chunk in self.chunks:
            await asyncio.sleep(self.delay)
            if self.fail:
                raise RuntimeError("engine down")
            if request_id in self.aborted:
                return
            yield chunk

    async def abort(self, request_id: str) -> bool:
        self.aborted.append(request_id)
        return True

    async def check_health(self) -> bool:
        return True

    async def warm_up(self) -> None:
        return None
