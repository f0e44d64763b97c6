"""A read-through cache of a turn's product lookups, valid for one catalogue token.

Every lookup first reads the graph's catalogue token (one small round trip) and drops the whole
cache when it moved, so the turn after a knowledge update sees it and a withdrawn product is never
served from memory. A hit then costs that round trip instead of the lookup's query, and
``prefetch_token`` lets the round trip run while the turn does other work (the FAQ search): the
token is read after the turn arrived, which is all freshness asks. A worker whose turns make several
lookups calls ``new_turn()`` as each turn starts: the turn's first lookup then reads the token and the
rest of the turn uses it, one round trip per turn instead of one per lookup.

Loan results depend on the amount, which differs from customer to customer; the cache keeps the
on-sale loans of a purpose in the graph's order and applies the amount bounds itself, so one entry
serves every amount:

    catalogue = CatalogueCache(Neo4jKnowledgeGraph(uri))
    catalogue.loan_products("装修", 300_000)   # graph: token, then every on-sale renovation loan
    catalogue.loan_products("装修", 50_000)    # graph: token only
"""
from __future__ import annotations

from collections.abc import Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from engines.graph import KnowledgeGraph

ALL_LOANS = 1_000  # more than any catalogue has on sale under one purpose


def _within(product: dict[str, Any], amount: int) -> bool:
    """The amount bounds of ``loan_products``' Cypher, where a missing bound does not limit."""
    low, high = product.get("amount_min"), product.get("amount_max")
    return (low is None or low <= amount) and (high is None or high >= amount)


class CatalogueCache:
    """The graph's product lookups (``KnowledgeGraph``), answered from memory while the catalogue holds still."""

    def __init__(self, graph: KnowledgeGraph, max_entries: int = 4_096) -> None:
        self.graph = graph
        self.max_entries = max_entries
        self._token: Hashable = None
        self._entries: dict[Hashable, list[dict[str, Any]]] = {}
        self._pending: Future[Hashable] | None = None
        self._turn_token: Hashable = None  # the token this turn's lookups use, once read (see ``new_turn``)
        self._per_turn = False
        self._reader: ThreadPoolExecutor | None = None
        self.hits = self.misses = 0

    def _read_token(self) -> Hashable:
        token = getattr(self.graph, "catalogue_token", None)
        return token() if token is not None else self.graph.version()

    def prefetch_token(self) -> None:
        """Start reading the token in the background; the next lookup waits for it instead of reading."""
        if self._reader is None:
            self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="catalogue-token")
        if self._pending is None:
            self._pending = self._reader.submit(self._read_token)

    def drop_prefetch(self) -> None:
        """Forget a prefetched token no lookup used, so a later turn cannot take it for its own."""
        self._pending = None

    def new_turn(self) -> None:
        """A new turn starts: its first lookup reads the token, and its later lookups reuse that one."""
        self._per_turn, self._turn_token = True, None

    def _current_token(self) -> Hashable:
        if self._per_turn and self._turn_token is not None:
            return self._turn_token
        pending, self._pending = self._pending, None
        token = pending.result() if pending is not None else self._read_token()
        if self._per_turn:
            self._turn_token = token
        return token

    def close(self) -> None:
        if self._reader is not None:
            self._reader.shutdown(wait=True)

    def _cached(self, key: Hashable, lookup: Any) -> list[dict[str, Any]]:
        token = self._current_token()
        if token != self._token:
            self._entries.clear()
            self._token = token
        rows = self._entries.get(key)
        if rows is None:
            self.misses += 1
            rows = lookup()
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # keys are a few purposes, levels and types; this is only a bound
            self._entries[key] = rows
        else:
            self.hits += 1
        return list(rows)

    def product(self, product_id: str) -> dict[str, Any] | None:
        found = self._cached(("product", product_id), lambda: [self.graph.product(product_id)])
        return found[0]

    def loan_products(self, purpose: str | None, amount: int | None, limit: int = 3) -> list[dict[str, Any]]:
        loans = self._cached(("loan", purpose), lambda: self.graph.loan_products(purpose, None, ALL_LOANS))
        if amount is not None:
            loans = [row for row in loans if _within(row["product"], amount)]
        return loans[:limit]

    def suitable_wealth(self, customer_risk: str, limit: int = 5) -> list[dict[str, Any]]:
        return self._cached(("wealth", customer_risk, limit), lambda: self.graph.suitable_wealth(customer_risk, limit))

    def products_of_type(self, product_type: str, limit: int = 3) -> list[dict[str, Any]]:
        return self._cached(("type", product_type, limit), lambda: self.graph.products_of_type(product_type, limit))

    def faqs(self, since_version: int = 0) -> list[dict[str, Any]]:
        return self.graph.faqs(since_version)

    def version(self) -> int:
        return self.graph.version()

    def apply_update(self, update: dict[str, Any]) -> None:
        self.graph.apply_update(update)


def start_turn(catalogue: Any) -> None:
    """Tell ``catalogue`` a turn starts when it caches across turns (``CatalogueCache.new_turn``); a plain
    graph needs no telling."""
    new_turn = getattr(catalogue, "new_turn", None)
    if new_turn is not None:
        new_turn()
