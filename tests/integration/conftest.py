"""One real stack per test session: Kafka + Neo4j from infra/, topics, seven workers, gateway.

Every port is free-picked and the run dir is temporary, so tests never touch a developer's
`make up` stack. Teardown stops everything by PID and fails if a process survives.
"""
from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from infra.services import pid_alive
from schemas.codec import EventCodec, LockedSchemaIds
from streams.settings import Settings
from streams.stack import Stack, private_settings


def pytest_collection_modifyitems(items):
    for item in items:
        if "integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    run = tmp_path_factory.mktemp("stack")
    return private_settings(run, telemetry={"span_log": run / "spans.jsonl"})


@pytest.fixture(scope="session")
def stack(settings):
    s = Stack(settings, log=lambda msg: print(msg))
    try:
        s.up()
        yield s
    finally:
        pids = [int(p.read_text()) for p in (settings.run_dir / "pids").glob("*.pid")]
        jvms = [svc.read_pid() for svc in (s.kafka, s.neo4j)]
        s.down()
        deadline = time.monotonic() + 30
        survivors = [p for p in pids + jvms if p and pid_alive(p)]
        while survivors and time.monotonic() < deadline:
            time.sleep(0.5)
            survivors = [p for p in survivors if pid_alive(p)]
        assert not survivors, f"processes still alive after stop: {survivors}"


@pytest.fixture(scope="session")
def codec() -> EventCodec:
    return EventCodec(LockedSchemaIds())


@pytest.fixture
def session_id() -> str:
    return f"it-{uuid.uuid4().hex[:10]}"


def spans(settings: Settings) -> list[dict]:
    import json

    path = Path(settings.telemetry.span_log)
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
