"""The web gateway, the CRM sink and Neo4j over Bolt, against the running stack."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import httpx
import pytest
from websockets.sync.client import connect

from contracts.topics import REPLY_OUT
from streams.settings import REPO_DIR
from tests.integration.kafka_io import collect, tail_consumer


@pytest.fixture
def http(stack, settings):
    with httpx.Client(base_url=f"http://{settings.gateway.host}:{settings.gateway.port}", timeout=40) as client:
        yield client


def test_health_and_openapi(http):
    assert http.get("/healthz").json() == {"status": "ok"}
    spec = http.get("/openapi.json").json()
    assert "/v1/sessions/{session_id}/turns" in spec["paths"]
    assert "/healthz" in spec["paths"]


def test_post_turn_returns_the_approved_reply(http, session_id):
    r = http.post(f"/v1/sessions/{session_id}/turns", json={"text": "贷30万，年化4.8%，分3年，等额本息每月还多少",
                                                             "customer_id": "c-7", "channel": "app"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["session_id"] == session_id and body["turn_id"] > 0
    assert body["intent"] == "repayment_calc" and body["handoff"] is False
    assert "8,964.36" in body["reply"]
    r = http.post(f"/v1/sessions/{session_id}/turns", json={"text": "给我转人工"})
    assert r.json()["handoff"] is True and r.json()["intent"] == "human_agent"


@pytest.mark.parametrize("body", [{"text": ""}, {"text": "hi", "channel": "fax"}, {"channel": "web"},
                                  {"text": "x" * 2001}])
def test_bad_requests_are_rejected(http, session_id, body):
    assert http.post(f"/v1/sessions/{session_id}/turns", json=body).status_code == 422


def test_client_retry_with_the_same_turn_id_gets_the_same_single_reply(http, settings, codec, session_id):
    out = tail_consumer(settings.kafka.bootstrap, REPLY_OUT)
    first = http.post(f"/v1/sessions/{session_id}/turns", json={"text": "信用卡年费", "turn_id": 7}).json()
    again = http.post(f"/v1/sessions/{session_id}/turns", json={"text": "信用卡年费", "turn_id": 7}).json()
    assert first == again and first["turn_id"] == 7
    replies = collect(out, codec, "Reply", lambda r: r["session_id"] == session_id, 1, settle=3.0)
    assert len(replies) == 1


def test_websocket_streams_chunks_then_the_reply(stack, settings, session_id):
    url = f"ws://{settings.gateway.host}:{settings.gateway.port}/v1/sessions/{session_id}/stream"
    with connect(url, open_timeout=10) as ws:
        ws.send(json.dumps({"text": "我的卡丢了，怎么挂失"}))
        chunks = []
        while True:
            msg = json.loads(ws.recv(timeout=40))
            if msg["type"] == "chunk":
                chunks.append(msg["text"])
            else:
                break
        assert msg["type"] == "reply" and msg["intent"] == "card_security"
        assert chunks and "".join(chunks) == msg["reply"]
        ws.send(json.dumps({"text": "", "channel": "web"}))
        assert json.loads(ws.recv(timeout=10))["type"] == "error"


def test_crm_sink_stores_each_reply_once(http, settings, session_id, tmp_path):
    for text in ("你好", "信用卡年费怎么收"):
        assert http.post(f"/v1/sessions/{session_id}/turns", json={"text": text}).status_code == 200
    db = tmp_path / "crm.sqlite"
    env = {**os.environ, **settings.child_env(), "PYTHONPATH": str(REPO_DIR)}

    def sink(group: str) -> None:
        subprocess.run([sys.executable, "-m", "streams.crm_sink", "--db", str(db), "--group", group,
                        "--idle-exit", "4"], env=env, check=True, timeout=120, capture_output=True)

    sink("crm-a")
    sink("crm-b")  # a second group re-reads everything: the upsert keeps one row per turn
    rows = sqlite3.connect(db).execute(
        "SELECT turn_id, intent FROM replies WHERE session_id = ? ORDER BY turn_id", (session_id,)).fetchall()
    assert [intent for _, intent in rows] == ["other", "credit_card"]


def test_neo4j_answers_over_bolt(stack, settings):
    from neo4j import GraphDatabase

    with GraphDatabase.driver(settings.neo4j.uri, auth=None) as driver:
        driver.verify_connectivity()
        driver.execute_query("MERGE (p:Product {id: $id}) SET p.name = $name", id="it-1", name="装修贷")
        records, _, _ = driver.execute_query("MATCH (p:Product {id: $id}) RETURN p.name AS name", id="it-1")
        assert [r["name"] for r in records] == ["装修贷"]
        version = driver.execute_query("CALL dbms.components() YIELD versions RETURN versions[0] AS v")[0][0]["v"]
        assert version.startswith("5.26")
