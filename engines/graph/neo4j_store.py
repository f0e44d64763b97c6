"""Neo4j knowledge graph: model, migrations, catalogue loading and the lookups stages use.

Model
  (:Product {id, type, subtype, name, description, rate_min, rate_max, term_min, term_max,
             amount_min, amount_max, risk_level, on_sale, updated_version})
     -[:OF_TYPE]->(:ProductType {name})      -[:FOR_PURPOSE]->(:Purpose {name})
     -[:HAS_RISK]->(:RiskLevel {level, rank})  -[:HAS_FEE]->(:Fee {id, name, value})
     -[:SOLD_VIA]->(:Channel {name})           -[:GOVERNED_BY]->(:Clause)
  (:RiskLevel)-[:SUITABLE_FOR]->(:CustomerRisk {level, rank})   where R rank <= C rank
  (:Regulation {id, title, issuer, year})-[:HAS_CLAUSE]->(:Clause {id, text, topics})
  (:FAQ {id, intent, question, answer, updated_version})-[:ANSWERS]->(:Intent {name}),
  (:FAQ)-[:ABOUT]->(:ProductType)
  (:Meta {id: 'kb', version, catalogue_digest})   -- bumped by every change, read by retrieval workers
Withdrawn products keep their node (history) with on_sale = false; every lookup filters them out.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from contracts.errors import TransientError
from domain.purposes import serves
from domain.risk import CUSTOMER_LEVELS

MIGRATIONS = (
    "CREATE CONSTRAINT product_id IF NOT EXISTS FOR (p:Product) REQUIRE p.id IS UNIQUE",
    "CREATE CONSTRAINT faq_id IF NOT EXISTS FOR (f:FAQ) REQUIRE f.id IS UNIQUE",
    "CREATE CONSTRAINT regulation_id IF NOT EXISTS FOR (r:Regulation) REQUIRE r.id IS UNIQUE",
    "CREATE CONSTRAINT clause_id IF NOT EXISTS FOR (c:Clause) REQUIRE c.id IS UNIQUE",
    "CREATE CONSTRAINT risk_level IF NOT EXISTS FOR (r:RiskLevel) REQUIRE r.level IS UNIQUE",
    "CREATE CONSTRAINT customer_risk IF NOT EXISTS FOR (c:CustomerRisk) REQUIRE c.level IS UNIQUE",
    "CREATE CONSTRAINT purpose_name IF NOT EXISTS FOR (p:Purpose) REQUIRE p.name IS UNIQUE",
    "CREATE CONSTRAINT product_type IF NOT EXISTS FOR (t:ProductType) REQUIRE t.name IS UNIQUE",
    "CREATE CONSTRAINT channel_name IF NOT EXISTS FOR (c:Channel) REQUIRE c.name IS UNIQUE",
    "CREATE CONSTRAINT intent_name IF NOT EXISTS FOR (i:Intent) REQUIRE i.name IS UNIQUE",
    "CREATE CONSTRAINT meta_id IF NOT EXISTS FOR (m:Meta) REQUIRE m.id IS UNIQUE",
    "CREATE INDEX product_type_sale IF NOT EXISTS FOR (p:Product) ON (p.type, p.on_sale)",
    "CREATE INDEX faq_version IF NOT EXISTS FOR (f:FAQ) ON (f.updated_version)",
)
# Which regulation topics govern which product types.
GOVERNING_TOPICS = {
    "wealth": ["promised_returns", "zero_risk", "suitability", "disclosure", "deposit_confusion", "absolute_superlative"],
    "loan": ["guaranteed_approval", "credit_repair", "abusive_collection", "disclosure"],
    "deposit": ["deposit_confusion", "disclosure"],
    "insurance": ["deposit_confusion", "disclosure", "promised_returns", "inducement"],
    "credit_card": ["abusive_collection", "pii", "disclosure", "inducement"],
}
PRODUCT_FIELDS = ("id", "type", "subtype", "name", "description", "rate_min", "rate_max", "risk_level", "on_sale",
                  "amount_min", "amount_max", "term_min", "term_max")


def batches(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def product_row(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": p["id"], "type": p["type"], "subtype": p.get("subtype"), "name": p["name"],
        "description": p.get("description", ""), "rate_min": p.get("rate_min"), "rate_max": p.get("rate_max"),
        "term_min": p.get("term_months_min"), "term_max": p.get("term_months_max"),
        "amount_min": p.get("amount_min"), "amount_max": p.get("amount_max"), "risk_level": p.get("risk_level"),
        "on_sale": bool(p.get("on_sale", True)), "purposes": serves(p.get("purposes") or [], p.get("description", "")),
        "channels": p.get("channels") or [], "eligibility": p.get("eligibility", ""),
        "fees": [{"id": f"{p['id']}-fee-{i}", "name": f["name"], "value": str(f["value"])}
                 for i, f in enumerate(p.get("fees") or [])],
    }


class GraphUnavailable(TransientError):
    """Neo4j cannot be reached now (restarting, network); the record is retried, not dropped."""


class Neo4jKnowledgeGraph:
    def __init__(self, uri: str, auth: tuple[str, str] | None = None, database: str | None = None) -> None:
        from neo4j import GraphDatabase

        # Notifications (e.g. "property key does not exist" before a first write) are not errors here.
        self.driver = GraphDatabase.driver(uri, auth=auth, notifications_min_severity="OFF")
        self.database = database

    def close(self) -> None:
        self.driver.close()

    def run(self, query: str, **params: Any) -> list[dict[str, Any]]:
        from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError

        try:
            records, _, _ = self.driver.execute_query(query, params, database_=self.database)
        except (ServiceUnavailable, SessionExpired, TransientError) as exc:
            # The driver already retried for a while; the caller's record waits for the graph.
            raise GraphUnavailable(f"Neo4j unavailable: {exc}") from exc
        return [r.data() for r in records]

    def read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        """A read as one auto-commit query: one round trip, where ``run``'s managed transaction
        waits for a second one to commit. A lost connection is retried through ``run``."""
        from neo4j.exceptions import ServiceUnavailable, SessionExpired

        try:
            with self.driver.session(database=self.database) as session:
                return [r.data() for r in session.run(query, params)]
        except (ServiceUnavailable, SessionExpired):
            return self.run(query, **params)

    # -- schema and loading ------------------------------------------------------------------
    def migrate(self) -> None:
        for statement in MIGRATIONS:
            self.run(statement)
        self.run("""
            UNWIND range(1, 5) AS r
            MERGE (rl:RiskLevel {level: 'R' + toString(r)}) SET rl.rank = r
            MERGE (cr:CustomerRisk {level: 'C' + toString(r)}) SET cr.rank = r
            WITH 1 AS one MATCH (rl:RiskLevel), (cr:CustomerRisk) WHERE rl.rank <= cr.rank
            MERGE (rl)-[:SUITABLE_FOR]->(cr)""")
        self.run("MERGE (m:Meta {id: 'kb'}) ON CREATE SET m.version = 0")

    def load_products(self, products: list[dict[str, Any]], version: int, progress: Any = None) -> None:
        rows = [product_row(p) for p in products]
        for batch in batches(rows, 200):
            self.run("""
                UNWIND $rows AS row
                MERGE (p:Product {id: row.id})
                SET p.type = row.type, p.subtype = row.subtype, p.name = row.name, p.description = row.description,
                    p.rate_min = row.rate_min, p.rate_max = row.rate_max, p.term_min = row.term_min,
                    p.term_max = row.term_max, p.amount_min = row.amount_min, p.amount_max = row.amount_max,
                    p.risk_level = row.risk_level, p.on_sale = row.on_sale, p.eligibility = row.eligibility,
                    p.updated_version = $version
                MERGE (t:ProductType {name: row.type}) MERGE (p)-[:OF_TYPE]->(t)
                FOREACH (name IN row.purposes | MERGE (u:Purpose {name: name}) MERGE (p)-[:FOR_PURPOSE]->(u))
                FOREACH (name IN row.channels | MERGE (c:Channel {name: name}) MERGE (p)-[:SOLD_VIA]->(c))
                FOREACH (fee IN row.fees | MERGE (f:Fee {id: fee.id}) SET f.name = fee.name, f.value = fee.value
                                           MERGE (p)-[:HAS_FEE]->(f))
                WITH p, row WHERE row.risk_level IS NOT NULL
                MATCH (r:RiskLevel {level: row.risk_level}) MERGE (p)-[:HAS_RISK]->(r)""", rows=batch, version=version)
            if progress is not None:
                progress.update(len(batch))

    def load_regulations(self, regulations: list[dict[str, Any]], progress: Any = None) -> None:
        for reg in regulations:
            self.run("""
                MERGE (r:Regulation {id: $id}) SET r.title = $title, r.issuer = $issuer, r.year = $year
                WITH r UNWIND $clauses AS c
                MERGE (cl:Clause {id: c.id}) SET cl.text = c.text, cl.topics = c.topics
                MERGE (r)-[:HAS_CLAUSE]->(cl)""", id=reg["id"], title=reg["title"], issuer=reg.get("issuer", ""),
                     year=reg.get("year"), clauses=reg.get("clauses", []))
            if progress is not None:
                progress.update(1)
        for product_type, topics in GOVERNING_TOPICS.items():
            self.run("""
                MATCH (p:Product {type: $type}), (c:Clause) WHERE any(t IN c.topics WHERE t IN $topics)
                MERGE (p)-[:GOVERNED_BY]->(c)""", type=product_type, topics=topics)

    def load_faqs(self, faqs: list[dict[str, Any]], version: int, progress: Any = None) -> None:
        for batch in batches(faqs, 200):
            self.run("""
                UNWIND $rows AS row
                MERGE (f:FAQ {id: row.id})
                SET f.intent = row.intent, f.question = row.question, f.answer = row.answer,
                    f.aliases = coalesce(row.aliases, []), f.updated_version = $version
                MERGE (i:Intent {name: row.intent}) MERGE (f)-[:ANSWERS]->(i)
                FOREACH (t IN coalesce(row.product_types, []) | MERGE (pt:ProductType {name: t}) MERGE (f)-[:ABOUT]->(pt))""",
                     rows=batch, version=version)
            if progress is not None:
                progress.update(len(batch))

    def load_scams(self, scams: list[dict[str, Any]], progress: Any = None) -> None:
        """The fraud typology: each scam type with the cues that reveal it and the advice it needs."""
        self.run("""
            UNWIND $rows AS row
            MERGE (s:ScamType {id: row.id})
            SET s.name = row.name, s.cues = row.cues, s.hints = coalesce(row.hints, []), s.advice = row.advice,
                s.source = coalesce(row.source, '')""",
                 rows=scams)
        if progress is not None:
            progress.update(len(scams))

    def bump_version(self) -> int:
        return self.run("MATCH (m:Meta {id: 'kb'}) SET m.version = m.version + 1 RETURN m.version AS v")[0]["v"]

    def version(self) -> int:
        rows = self.read("MATCH (m:Meta {id: 'kb'}) RETURN m.version AS v")
        return int(rows[0]["v"]) if rows else 0

    def catalogue_token(self) -> tuple[int, int | None]:
        """What a cache of product lookups is valid for: the graph version and the newest product write.

        A product change is written (with ``updated_version`` = version + 1) before the version is
        bumped, in a separate transaction; the second part moves with that first write, so a reader
        never keeps a withdrawn product between the two, or if the bump never comes.
        """
        rows = self.read("""
            OPTIONAL MATCH (p:Product) WITH max(p.updated_version) AS products
            OPTIONAL MATCH (m:Meta {id: 'kb'}) RETURN coalesce(m.version, 0) AS version, products""")
        return int(rows[0]["version"]), rows[0]["products"]

    def catalogue_digest(self) -> str | None:
        rows = self.run("MATCH (m:Meta {id: 'kb'}) RETURN m.catalogue_digest AS d")
        return rows[0]["d"] if rows else None

    def set_catalogue_digest(self, digest: str) -> None:
        self.run("MATCH (m:Meta {id: 'kb'}) SET m.catalogue_digest = $d", d=digest)

    # -- lookups -------------------------------------------------------------------------------
    def loan_products(self, purpose: str | None, amount: int | None, limit: int = 3) -> list[dict[str, Any]]:
        return self.read("""
            MATCH (p:Product {type: 'loan', on_sale: true})
            WHERE ($purpose IS NULL OR EXISTS { (p)-[:FOR_PURPOSE]->(:Purpose {name: $purpose}) })
              AND ($amount IS NULL OR ((p.amount_min IS NULL OR p.amount_min <= $amount)
                                       AND (p.amount_max IS NULL OR p.amount_max >= $amount)))
            RETURN p {.*} AS product ORDER BY p.rate_min ASC, p.id LIMIT $limit""",
                        purpose=purpose, amount=amount, limit=limit)

    def suitable_wealth(self, customer_risk: str, limit: int = 5) -> list[dict[str, Any]]:
        if customer_risk not in CUSTOMER_LEVELS:
            raise ValueError(f"customer risk level must be C1..C5, not {customer_risk!r}")
        return self.read("""
            MATCH (p:Product {type: 'wealth', on_sale: true})-[:HAS_RISK]->(:RiskLevel)-[:SUITABLE_FOR]->
                  (:CustomerRisk {level: $level})
            RETURN p {.*} AS product ORDER BY p.rate_max DESC, p.id LIMIT $limit""", level=customer_risk, limit=limit)

    def products_of_type(self, product_type: str, limit: int = 3) -> list[dict[str, Any]]:
        return self.read("""
            MATCH (p:Product {type: $type, on_sale: true})
            RETURN p {.*} AS product ORDER BY p.id LIMIT $limit""", type=product_type, limit=limit)

    def product(self, product_id: str) -> dict[str, Any] | None:
        rows = self.run("""
            MATCH (p:Product {id: $id}) OPTIONAL MATCH (p)-[:HAS_FEE]->(f:Fee)
            WITH p, collect(f {.name, .value}) AS fees
            RETURN p {.*, fees: fees} AS product""", id=product_id)
        return rows[0]["product"] if rows else None

    def scam_types(self) -> list[dict[str, Any]]:
        return [row["scam"] for row in self.read("MATCH (s:ScamType) RETURN s {.*} AS scam ORDER BY s.id")]

    def faqs(self, since_version: int = 0) -> list[dict[str, Any]]:
        return self.read("""
            MATCH (f:FAQ) WHERE f.updated_version > $v
            RETURN f.id AS id, f.intent AS intent, f.question AS question, f.answer AS answer,
                   coalesce(f.aliases, []) AS aliases, coalesce(f.deleted, false) AS deleted""", v=since_version)

    # -- live updates ----------------------------------------------------------------------------
    def apply_update(self, update: dict[str, Any]) -> None:
        """Apply one knowledge update (see schemas/KnowledgeUpdate.avsc) and bump the version."""
        kind = update["kind"]
        payload = json.loads(update.get("payload") or "{}")
        version = self.version() + 1
        if kind == "rate_change":
            found = self.run("""
                MATCH (p:Product {id: $id}) SET p.rate_min = $rate_min, p.rate_max = $rate_max,
                p.updated_version = $v RETURN p.id AS id""", id=update["product_id"], v=version,
                             rate_min=payload["rate_min"], rate_max=payload.get("rate_max", payload["rate_min"]))
        elif kind == "new_product":
            self.load_products([payload], version)
            found = [payload]
        elif kind == "withdraw_product":
            found = self.run("MATCH (p:Product {id: $id}) SET p.on_sale = false, p.updated_version = $v RETURN p.id AS id",
                             id=update["product_id"], v=version)
        elif kind == "faq_edit":
            self.load_faqs([payload], version)
            found = [payload]
        elif kind == "faq_delete":
            found = self.run("MATCH (f:FAQ {id: $id}) SET f.deleted = true, f.updated_version = $v RETURN f.id AS id",
                             id=update["faq_id"], v=version)
        else:
            raise ValueError(f"unknown knowledge update kind {kind!r}")
        if not found:
            raise LookupError(f"{kind}: no such item {update.get('product_id') or update.get('faq_id')}")
        self.bump_version()


def read_jsonl(path: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def load_catalogue(graph: Neo4jKnowledgeGraph, products: list[dict[str, Any]], regulations: list[dict[str, Any]],
                   faqs: list[dict[str, Any]], show_progress: bool = True,
                   scams: list[dict[str, Any]] | None = None) -> None:
    from tqdm import tqdm

    graph.migrate()
    version = graph.version() + 1
    total = len(products) + len(regulations) + len(faqs) + len(scams or [])
    with tqdm(total=total, desc="load knowledge graph", unit="item", disable=not show_progress) as bar:
        graph.load_products(products, version, bar)
        graph.load_regulations(regulations, bar)
        graph.load_faqs(faqs, version, bar)
        graph.load_scams(scams or [], bar)
    graph.bump_version()
