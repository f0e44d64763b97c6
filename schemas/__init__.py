"""Event schemas: the ``.avsc`` files here are the single source of truth for every event."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import fastavro

from contracts.errors import PipelineError

SCHEMA_DIR = Path(__file__).resolve().parent
NAMESPACE = "cs.events"


class SchemaError(PipelineError):
    """A schema is missing, malformed or incompatible."""


def schema_names() -> list[str]:
    """Short names of every event schema (file stem = record name)."""
    return sorted(p.stem for p in SCHEMA_DIR.glob("*.avsc"))


@cache
def raw_schema(name: str) -> dict[str, Any]:
    path = SCHEMA_DIR / f"{name}.avsc"
    if not path.exists():
        raise SchemaError(f"no schema {name!r}; known: {', '.join(schema_names())}")
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def parsed_schema(name: str) -> dict[str, Any]:
    """The fastavro-parsed schema, cached: parsing is the slow part of encoding."""
    return fastavro.parse_schema(raw_schema(name), _write_hint=False)


def canonical(schema: dict[str, Any]) -> str:
    """Avro Parsing Canonical Form: equal for schemas that encode identically."""
    return fastavro.schema.to_parsing_canonical_form(fastavro.parse_schema(schema, _write_hint=False))


def fingerprint(schema: dict[str, Any]) -> str:
    return fastavro.schema.fingerprint(canonical(schema), "SHA-256")
