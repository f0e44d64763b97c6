"""Load the curated catalogue into Neo4j (migrations first), skipped when it is already loaded.

    python -m streams.catalogue [--force]

Reads data/knowledge/{products,regulations,faq,scams}.jsonl; the Neo4j URI comes from settings.
"""
from __future__ import annotations

import hashlib

import typer

from engines.graph.neo4j_store import Neo4jKnowledgeGraph, load_catalogue, read_jsonl
from streams.settings import REPO_DIR, Settings, get_settings

KNOWLEDGE = REPO_DIR / "data" / "knowledge"
FILES = ("products.jsonl", "regulations.jsonl", "faq.jsonl", "scams.jsonl")

cli = typer.Typer(add_completion=False, help=__doc__)


def catalogue_digest() -> str:
    digest = hashlib.sha256()
    for name in FILES:
        digest.update((KNOWLEDGE / name).read_bytes())
    return digest.hexdigest()[:16]


def ensure_catalogue(settings: Settings, force: bool = False, show_progress: bool = True) -> bool:
    """Load the catalogue unless this exact one is already in the graph; True if it loaded."""
    graph = Neo4jKnowledgeGraph(settings.neo4j.uri, auth=settings.neo4j_auth())
    try:
        graph.migrate()
        digest = catalogue_digest()
        if not force and graph.catalogue_digest() == digest:
            return False
        load_catalogue(graph, read_jsonl(KNOWLEDGE / "products.jsonl"), read_jsonl(KNOWLEDGE / "regulations.jsonl"),
                       read_jsonl(KNOWLEDGE / "faq.jsonl"), show_progress=show_progress,
                       scams=read_jsonl(KNOWLEDGE / "scams.jsonl"))
        graph.set_catalogue_digest(digest)
        return True
    finally:
        graph.close()


@cli.command()
def main(force: bool = typer.Option(False, help="Reload even when the same catalogue is loaded")) -> None:
    """Migrate the schema and load products, regulations, FAQs and the fraud typology."""
    loaded = ensure_catalogue(get_settings(), force)
    typer.echo("knowledge graph: loaded" if loaded else "knowledge graph: already up to date")


if __name__ == "__main__":
    cli()
