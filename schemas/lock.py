"""The committed schema lock: schema ids when no registry is configured, and the build's
BACKWARD-compatibility gate.

    python -m schemas.lock check    # fails if a schema changed without a lock entry or breaks BACKWARD
    python -m schemas.lock update   # records new versions (refuses incompatible ones)
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from schemas import SCHEMA_DIR, SchemaError, fingerprint, raw_schema, schema_names
from schemas.compat import backward_problems

LOCK_PATH = SCHEMA_DIR / "schemas.lock.json"


def load_lock(path: Path = LOCK_PATH) -> dict[str, list[dict[str, Any]]]:
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))["schemas"]


def lock_problems(lock: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Everything that makes the current schemas disagree with the lock."""
    problems = []
    for name in schema_names():
        current = raw_schema(name)
        versions = lock.get(name, [])
        if not versions:
            problems.append(f"{name}: not in the lock (run `make schemas-lock`)")
            continue
        latest = versions[-1]
        for p in backward_problems(current, latest["schema"]):
            problems.append(f"{name}: breaks BACKWARD compatibility with id {latest['id']}: {p}")
        if fingerprint(current) not in {v["fingerprint"] for v in versions}:
            problems.append(f"{name}: changed since the lock (run `make schemas-lock`)")
    return problems


def updated_lock(lock: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The lock with a new version for every changed schema; raises on incompatible changes."""
    lock = {k: list(v) for k, v in lock.items()}
    next_id = 1 + max((v["id"] for vs in lock.values() for v in vs), default=0)
    for name in schema_names():
        current = raw_schema(name)
        fp = fingerprint(current)
        versions = lock.setdefault(name, [])
        if any(v["fingerprint"] == fp for v in versions):
            continue
        if versions:
            problems = backward_problems(current, versions[-1]["schema"])
            if problems:
                raise SchemaError(f"{name} breaks BACKWARD compatibility: " + "; ".join(problems))
        versions.append({"id": next_id, "fingerprint": fp, "schema": current})
        next_id += 1
    return lock


def write_lock(lock: dict[str, list[dict[str, Any]]], path: Path = LOCK_PATH) -> None:
    body = {"format": 1, "schemas": dict(sorted(lock.items()))}
    path.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


cli = typer.Typer(help="Check or update the committed schema lock.", add_completion=False)


@cli.command()
def check() -> None:
    """Fail when a schema changed without a lock entry or breaks BACKWARD compatibility."""
    problems = lock_problems(load_lock())
    for p in problems:
        typer.echo(f"schema lock: {p}", err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"schema lock: {len(schema_names())} schemas match the lock and are BACKWARD compatible")


@cli.command()
def update() -> None:
    """Record a new version (and id) for every changed, compatible schema."""
    try:
        lock = updated_lock(load_lock())
    except SchemaError as exc:
        typer.echo(f"schema lock: {exc}", err=True)
        raise typer.Exit(1) from exc
    write_lock(lock)
    typer.echo(f"schema lock: written {LOCK_PATH.name}")


if __name__ == "__main__":
    sys.exit(cli())
