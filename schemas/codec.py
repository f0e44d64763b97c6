"""Avro events in the Confluent wire format: 0x00, 4-byte big-endian schema id, Avro body.

Schema ids come from the committed lock, or from a Schema Registry when one is configured, so
standard Kafka tooling (confluent-kafka's AvroDeserializer, kcat -s avro) can read our topics.
"""
from __future__ import annotations

import io
import json
import struct
from typing import Any, Protocol

import fastavro

from schemas import SchemaError, fingerprint, parsed_schema, raw_schema, schema_names
from schemas.lock import load_lock

MAGIC = 0
HEADER = struct.Struct(">bI")


class DecodeError(SchemaError):
    """A record could not be decoded; ``reason`` is the dead-letter reason."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class EncodeError(SchemaError):
    """A datum does not fit its schema."""


class SchemaIds(Protocol):
    """Where schema ids come from: the committed lock or a registry."""

    def id_for(self, name: str, topic: str) -> int: ...

    def writer_schema(self, schema_id: int) -> dict[str, Any] | None: ...


class LockedSchemaIds:
    """Ids from ``schemas/schemas.lock.json``; every locked version stays decodable."""

    def __init__(self) -> None:
        lock = load_lock()
        self._current: dict[str, int] = {}
        self._by_id: dict[int, tuple[str, dict[str, Any]]] = {}
        for name, versions in lock.items():
            for v in versions:
                self._by_id[v["id"]] = (name, v["schema"])
        for name in schema_names():
            fp = fingerprint(raw_schema(name))
            match = [v["id"] for v in lock.get(name, []) if v["fingerprint"] == fp]
            if match:
                self._current[name] = match[0]

    def id_for(self, name: str, topic: str) -> int:
        try:
            return self._current[name]
        except KeyError:
            raise SchemaError(f"{name} is not in the schema lock; run `make schemas-lock`") from None

    def writer_schema(self, schema_id: int) -> dict[str, Any] | None:
        found = self._by_id.get(schema_id)
        return found[1] if found else None


class RegistrySchemaIds:
    """Ids from a Confluent-compatible Schema Registry, subjects named ``<topic>-value``."""

    def __init__(self, url: str, client: Any = None) -> None:
        from confluent_kafka.schema_registry import SchemaRegistryClient

        self.client = client or SchemaRegistryClient.new_client({"url": url})
        self._ids: dict[tuple[str, str], int] = {}
        self._schemas: dict[int, dict[str, Any]] = {}

    def id_for(self, name: str, topic: str) -> int:
        key = (name, topic)
        if key not in self._ids:
            from confluent_kafka.schema_registry import Schema

            text = json.dumps(raw_schema(name), ensure_ascii=False)
            self._ids[key] = self.client.register_schema(f"{topic}-value", Schema(text, "AVRO"))
        return self._ids[key]

    def writer_schema(self, schema_id: int) -> dict[str, Any] | None:
        if schema_id not in self._schemas:
            try:
                found = self.client.get_schema(schema_id)
            except Exception:
                return None
            self._schemas[schema_id] = json.loads(found.schema_str)
        return self._schemas[schema_id]


def schema_ids_for(registry_url: str | None) -> SchemaIds:
    return RegistrySchemaIds(registry_url) if registry_url else LockedSchemaIds()


class EventCodec:
    """Encode and decode events; decoding resolves old writer versions to the current reader."""

    def __init__(self, ids: SchemaIds) -> None:
        self.ids = ids
        self._writers: dict[int, Any] = {}

    def encode(self, name: str, datum: dict[str, Any], topic: str) -> bytes:
        buf = io.BytesIO()
        buf.write(HEADER.pack(MAGIC, self.ids.id_for(name, topic)))
        try:
            fastavro.schemaless_writer(buf, parsed_schema(name), datum)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise EncodeError(f"{name}: {exc}") from exc
        return buf.getvalue()

    def decode(self, data: bytes | None, name: str) -> dict[str, Any]:
        if not data or len(data) < HEADER.size:
            raise DecodeError("undecodable", f"{len(data or b'')} bytes is shorter than the wire header")
        magic, schema_id = HEADER.unpack_from(data)
        if magic != MAGIC:
            raise DecodeError("undecodable", f"magic byte {magic} is not 0 (not Confluent wire format)")
        writer = self._writer(schema_id)
        reader = parsed_schema(name)
        if writer is None:
            raise DecodeError("schema_violation", f"unknown schema id {schema_id}")
        body = io.BytesIO(data)
        body.seek(HEADER.size)
        try:
            # Same object = same version: skip schema resolution, the costly path.
            datum = fastavro.schemaless_reader(body, writer, None if writer is reader else reader)
        except Exception as exc:  # fastavro raises many types on corrupt bodies
            raise DecodeError("schema_violation", f"{type(exc).__name__}: {exc}") from exc
        if body.tell() != len(data):
            raise DecodeError("schema_violation", f"{len(data) - body.tell()} trailing bytes after the {name} body")
        if not isinstance(datum, dict):
            raise DecodeError("schema_violation", f"decoded a {type(datum).__name__}, expected a {name} record")
        return datum

    def _writer(self, schema_id: int) -> Any:
        if schema_id not in self._writers:
            raw = self.ids.writer_schema(schema_id)
            if raw is None:
                return None
            parsed = fastavro.parse_schema(raw, _write_hint=False)
            # The current schema itself: reuse the cached object so decode skips resolution.
            for name in schema_names():
                if fingerprint(raw) == fingerprint(raw_schema(name)):
                    parsed = parsed_schema(name)
            self._writers[schema_id] = parsed
        return self._writers[schema_id]
