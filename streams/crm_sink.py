"""Example downstream consumer: the CRM keeps every approved reply in SQLite.

Upserts by (session_id, turn_id, effect) — effect is "turn" for the answer to a customer turn, or
the reply's ``effect_id`` (a desk message, a review outcome, advice) — and commits offsets only
after the row is stored, so a restart re-reads at most a few replies and never stores one twice.
A record it cannot decode goes to the dead-letter topic before its offset is committed.

    python -m streams.crm_sink --db crm.sqlite
"""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import typer

from contracts.topics import DEADLETTER, REPLY_OUT
from schemas.codec import DecodeError, EventCodec, schema_ids_for
from streams.deadletter import dead_letter
from streams.settings import get_settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    session_id TEXT NOT NULL, turn_id INTEGER NOT NULL, effect TEXT NOT NULL, customer_id TEXT, channel TEXT,
    intent TEXT, text TEXT, status TEXT, handoff INTEGER, compliance_flags TEXT, replied_at_ms INTEGER,
    PRIMARY KEY (session_id, turn_id, effect))
"""

cli = typer.Typer(add_completion=False, help=__doc__)


def store(db: sqlite3.Connection, reply: dict) -> None:
    db.execute(
        "INSERT INTO replies VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(session_id, turn_id, effect) DO UPDATE SET "
        "text=excluded.text, status=excluded.status, handoff=excluded.handoff",
        (reply["session_id"], reply["turn_id"], reply.get("effect_id") or "turn", reply["customer_id"],
         reply["channel"], reply["intent"],
         reply["text"], reply["status"], int(reply["handoff"]), json.dumps(reply["compliance_flags"]),
         reply["replied_at_ms"]))


@cli.command()
def main(
    db: Path = typer.Option(Path("crm.sqlite"), help="SQLite file to append replies to"),
    group: str = typer.Option("crm-sink", help="Consumer group id"),
    idle_exit: float = typer.Option(0.0, help="Exit after this many idle seconds (0 = run forever)"),
) -> None:
    """Consume cs.reply.out.v1 into SQLite until Ctrl-C."""
    from confluent_kafka import Consumer, Producer

    settings = get_settings()
    codec = EventCodec(schema_ids_for(settings.schema_registry_url))
    conn = sqlite3.connect(db)
    conn.execute(SCHEMA)
    consumer = Consumer({"bootstrap.servers": settings.kafka.bootstrap, "group.id": group,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([REPLY_OUT])
    dlq = Producer({"bootstrap.servers": settings.kafka.bootstrap, "partitioner": "murmur2_random"})
    stored, last = 0, time.monotonic()
    try:
        while not idle_exit or time.monotonic() - last < idle_exit:
            msg = consumer.poll(0.5)
            if msg is None or msg.error():
                continue
            last = time.monotonic()
            try:
                store(conn, codec.decode(msg.value(), "Reply"))
                stored += 1
            except DecodeError as exc:
                typer.echo(f"dead-lettered {msg.topic()}[{msg.partition()}]@{msg.offset()}: {exc}", err=True)
                letter = dead_letter(msg.topic(), msg.partition(), msg.offset(), exc.reason, exc.detail, "crm_sink",
                                     msg.key(), msg.value())
                dlq.produce(DEADLETTER, key=msg.key(), value=codec.encode("DeadLetter", letter, DEADLETTER))
                if dlq.flush(30) > 0:
                    typer.echo(f"dead letter for offset {msg.offset()} not delivered; stopping uncommitted", err=True)
                    raise typer.Exit(1) from exc
            conn.commit()
            consumer.commit(message=msg, asynchronous=False)
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()
        conn.close()
    typer.echo(f"stored {stored} replies in {db}")


if __name__ == "__main__":
    cli()
