"""``python -m infra fetch``: resolve the Kafka and Neo4j jars from Maven Central (once)."""
from __future__ import annotations

import typer

from infra.services import fetch_jars

cli = typer.Typer(add_completion=False, help=__doc__)


@cli.command()
def fetch(name: list[str] = typer.Argument(None, help="kafka and/or neo4j (default: both)")) -> None:
    """Download the runtime jars of each service into .run/jars/<name>."""
    for service in name or ["kafka", "neo4j"]:
        typer.echo(f"{service}: {fetch_jars(service)}")


@cli.callback()
def _root() -> None:
    """Service launchers for the project's own Kafka and Neo4j."""


if __name__ == "__main__":
    cli()
