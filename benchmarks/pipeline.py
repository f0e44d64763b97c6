"""The whole pipeline under load: open-loop turns at fixed rates through Kafka, each timed from its
publication on ``cs.utterance.in.v1`` to its Reply on ``cs.reply.out.v1``, on a stack of its own.

Per rate: answered/s, p50/p99/max end-to-end, and CPU milliseconds per answered turn for every
process (each stage worker, the gateway, Kafka, Neo4j) read from /proc before and after. Then a
burst (all turns at once), the floor — the same turns through every stage's logic in one process,
no Kafka — so transport and framework cost is a ratio, and the top rate again with two workers per
stage.

    python -m benchmarks.pipeline                                  # rates 5,15,30,60, 300 turns each
    python -m benchmarks.pipeline --rates 5 --turns 20 --burst 0 --no-scale    # a smoke run

The turns cycle through a few dozen questions, so caches keyed by text (the compliance verdicts, the
FAQ question embeddings) hit more often than on real traffic. The last line printed is one JSON object.
"""
from __future__ import annotations

import json
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from benchmarks.pacing import paced
from benchmarks.soak import SCRIPTS, publisher, utterance

# Single-turn questions across the business (each in its own session, so turns are independent).
TEXTS = tuple(dict.fromkeys(text for _, turns in SCRIPTS for text in turns if len(text) > 2)) + (
    "信用卡年费怎么收", "转账限额是多少", "我的卡被盗刷了怎么办", "有人让我把钱转到安全账户", "我要投诉你们乱扣费",
    "你好", "谢谢", "大额存单起存金额多少", "基金怎么赎回", "保险怎么退保",
)
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Arrivals(threading.Thread):
    """When each (session, turn) of this run first got its Reply."""

    def __init__(self, bootstrap: str, codec: Any, prefix: str) -> None:
        super().__init__(name="arrivals", daemon=True)
        self.bootstrap, self.codec, self.prefix = bootstrap, codec, prefix
        self.at: dict[tuple[str, int], float] = {}
        self.ready, self.stopping, self.lock = threading.Event(), threading.Event(), threading.Lock()

    def run(self) -> None:
        from confluent_kafka import Consumer

        from contracts.topics import REPLY_OUT

        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": f"bench-pipeline-{uuid.uuid4().hex}",
                             "auto.offset.reset": "earliest", "enable.auto.commit": False,
                             "fetch.wait.max.ms": 5})
        consumer.subscribe([REPLY_OUT], on_assign=lambda c, parts: self.ready.set())
        try:
            while not self.stopping.is_set():
                msg = consumer.poll(0.05)
                if msg is None or msg.error():
                    continue
                now = time.monotonic()
                reply = self.codec.decode(msg.value(), "Reply")
                if reply["session_id"].startswith(self.prefix):
                    with self.lock:
                        self.at.setdefault((reply["session_id"], reply["turn_id"]), now)
        finally:
            consumer.close()

    def count(self, keys: list[tuple[str, int]]) -> int:
        with self.lock:
            return sum(k in self.at for k in keys)


@dataclass
class Step:
    name: str
    sent: int
    answered: int
    per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    cpu_ms: dict[str, float]  # per answered turn, by process
    sustained: bool = True  # every turn answered and no backlog built up (see ``load_step``)

    @property
    def cpu_total(self) -> float:
        return sum(self.cpu_ms.values())


def processes(stack: Any) -> dict[str, int]:
    """Name -> PID of every process of the stack that is running."""
    found = {p.stem.removeprefix("worker-"): int(p.read_text()) for p in (stack.settings.run_dir / "pids").glob("*.pid")}
    for name, svc in (("kafka", stack.kafka), ("neo4j", stack.neo4j)):
        pid = svc.read_pid()
        if pid:
            found[name] = pid
    return {name: pid for name, pid in found.items() if Path(f"/proc/{pid}").exists()}


def load_step(stack: Any, arrivals: Arrivals, codec: Any, producer: Any, name: str, rate: float | None, turns: int,
              drain_s: float) -> Step:
    """``turns`` single-turn sessions published at ``rate``/s (all at once when None) by ``producer``, then
    waited for. The producer is the run's one, already connected: a new one's first records would wait for
    its metadata and producer id, hundreds of milliseconds that are no part of a turn."""
    from contracts.topics import UTTERANCE_IN

    procs = processes(stack)
    before = {n: cpu_seconds(pid) for n, pid in procs.items()}
    keys: list[tuple[str, int]] = []
    sent_at: dict[tuple[str, int], float] = {}
    start = time.monotonic()
    for i in paced(turns, rate):
        session = f"{arrivals.prefix}{name}-{i}"
        producer.produce(UTTERANCE_IN, key=session.encode(),
                         value=utterance(codec, session, 1, TEXTS[i % len(TEXTS)], f"C-{i % 900 + 100:04d}"))
        producer.poll(0)
        sent_at[(session, 1)] = time.monotonic()
        keys.append((session, 1))
    producer.flush(30)
    deadline = time.monotonic() + drain_s
    while arrivals.count(keys) < len(keys) and time.monotonic() < deadline:
        time.sleep(0.05)
    after = {n: cpu_seconds(pid) for n, pid in procs.items() if Path(f"/proc/{pid}").exists()}
    with arrivals.lock:
        done = {k: arrivals.at[k] for k in keys if k in arrivals.at}
    latencies = [1000 * (done[k] - sent_at[k]) for k in keys if k in done]
    span = (max(done.values()) - start) if done else float("inf")
    answered = len(done)
    cpu = {n: 1000 * (after[n] - before[n]) / max(answered, 1) for n in after}
    # Kept up: all answered at (nearly) the offered rate, and the last fifth waited no longer than twice the
    # first fifth (+100 ms) — a queue that grows while turns keep arriving is a rate the stack cannot carry.
    fifth = max(1, len(latencies) // 5)
    rate_kept = rate is None or (answered / span if done else 0.0) >= 0.9 * rate
    sustained = (answered == turns and bool(latencies) and rate_kept and percentile(latencies[-fifth:], 0.5)
                 <= 2 * percentile(latencies[:fifth], 0.5) + 100)
    return Step(name, turns, answered, answered / span if done else 0.0, percentile(latencies, 0.5),
                percentile(latencies, 0.99), max(latencies, default=float("nan")), cpu, sustained)


def floor_step(stack: Any, turns: int) -> Step:
    """The same turns through every stage's logic in this one process: no Kafka, no Faust. Neo4j's CPU
    for the graph calls is counted beside it, as in the loaded runs."""
    from agents.asr.logic import transcribe
    from agents.compliance.agent import default_model
    from agents.compliance.lexicon import default_lexicon
    from agents.compliance.logic import review
    from agents.escalation.decide import SessionView, checked_reply
    from agents.generation.agent import grounding
    from agents.generation.logic import compose
    from agents.intent.logic import remember_embeddings, understand, with_embedding
    from agents.retrieval.faq_index import FaqVectors
    from agents.retrieval.scams import ScamTypology
    from agents.retrieval.stage import RetrievalStage
    from agents.state.logic import advance, with_turn_embedding
    from contracts.topics import REPLY_DRAFT
    from engines.classifiers import load_classifier
    from engines.embeddings import load_embedder
    from engines.graph.neo4j_store import Neo4jKnowledgeGraph

    settings = stack.settings
    classifier = load_classifier(settings.intent.backend, settings.intent_model_dir())
    # as the intent worker does: the embedding its model computes goes on to retrieval
    embedder = remember_embeddings(classifier)
    graph = Neo4jKnowledgeGraph(settings.neo4j.uri, auth=settings.neo4j_auth())
    faqs, scams = FaqVectors(load_embedder()), ScamTypology()
    faqs.refresh(graph)
    scams.refresh(graph)
    retrieval, sources = RetrievalStage(graph, faqs, scams), grounding(settings)
    lexicon, model = default_lexicon(), default_model(settings)

    def turn(i: int) -> dict[str, Any]:
        now = int(time.time() * 1000)
        datum = {"session_id": f"floor-{i}", "turn_id": 1, "customer_id": f"C-{i % 900 + 100:04d}", "channel": "app",
                 "text": TEXTS[i % len(TEXTS)], "audio_ref": None, "audio_format": None, "locale": "zh-CN",
                 "received_at_ms": now}
        [transcript] = transcribe(datum)
        [understood] = with_embedding(understand(transcript.datum, classifier, settings.intent.clarify_below),
                                      embedder, transcript.datum["text"])
        _, states = advance(None, understood.datum)
        [state] = with_turn_embedding(states, understood.datum)
        context = retrieval(state.datum)[0]
        draft = next(e for e in compose(context.datum, sources) if e.topic == REPLY_DRAFT)
        cited = {pid: graph.product(pid) for pid in draft.datum.get("source_ids", []) if pid.startswith("P-")}
        reply = review(draft.datum, lexicon, now, model, settings.compliance.threshold, cited, sources.bureau)[0]
        return checked_reply(reply.datum, SessionView(), now, None).replies

    for i in range(min(turns, 10)):  # first-call costs (lazy imports, caches) are not a turn's
        turn(i)
    latencies = []
    neo4j = stack.neo4j.read_pid()
    neo4j0 = cpu_seconds(neo4j) if neo4j else 0.0
    cpu0, start = time.process_time(), time.monotonic()
    for i in range(turns):
        t = time.monotonic()
        turn(i)
        latencies.append(1000 * (time.monotonic() - t))
    cpu = {"all stages": 1000 * (time.process_time() - cpu0) / turns,
           "neo4j": 1000 * (cpu_seconds(neo4j) - neo4j0) / turns if neo4j else 0.0}
    retrieval.close()
    graph.close()
    return Step("floor (one process)", turns, turns, turns / (time.monotonic() - start), percentile(latencies, 0.5),
                percentile(latencies, 0.99), max(latencies), cpu)


def print_table(steps: list[Step], echo: Callable[[str], None]) -> None:
    echo(f"{'run':22s} {'sent':>5s} {'answered':>8s} {'per s':>7s} {'p50 ms':>8s} {'p99 ms':>8s} {'max ms':>8s} "
         f"{'CPU ms/turn':>11s} {'kept up':>7s}")
    for s in steps:
        echo(f"{s.name:22s} {s.sent:5d} {s.answered:8d} {s.per_s:7.1f} {s.p50_ms:8.0f} {s.p99_ms:8.0f} "
             f"{s.max_ms:8.0f} {s.cpu_total:11.1f} {'yes' if s.sustained else 'no':>7s}")
    names = sorted({n for s in steps if not s.name.startswith("floor") for n in s.cpu_ms})
    if names:
        echo("\nCPU ms per answered turn, by process")
        echo(f"{'run':22s} " + " ".join(f"{n[:11]:>11s}" for n in names))
        for s in steps:
            if not s.name.startswith("floor"):
                echo(f"{s.name:22s} " + " ".join(f"{s.cpu_ms.get(n, 0.0):11.1f}" for n in names))


def run_pipeline(stack: Any, rates: list[float], turns: int, burst: int, scale: bool, floor: bool,
                 drain_s: float = 60.0, echo: Callable[[str], None] = typer.echo) -> dict[str, Any]:
    from contracts.topics import STAGES
    from schemas.codec import EventCodec, LockedSchemaIds

    codec = EventCodec(LockedSchemaIds())
    arrivals = Arrivals(stack.settings.kafka.bootstrap, codec, f"bench-{uuid.uuid4().hex[:6]}-")
    arrivals.start()
    if not arrivals.ready.wait(60):
        raise RuntimeError("the reply consumer was never assigned its partitions")
    steps: list[Step] = []
    producer = publisher(stack.settings.kafka.bootstrap)
    try:
        load_step(stack, arrivals, codec, producer, "warm-up", 10.0, 20, drain_s)  # first-call costs in every worker
        for rate in rates:
            steps.append(load_step(stack, arrivals, codec, producer, f"{rate:g} turns/s", rate, turns, drain_s))
            echo(f"  {steps[-1].name}: {steps[-1].answered}/{steps[-1].sent} answered, p99 {steps[-1].p99_ms:.0f} ms")
        if burst:
            steps.append(load_step(stack, arrivals, codec, producer, f"burst of {burst}", None, burst, drain_s))
        if scale and rates:
            for stage in STAGES:
                stack.start_worker(stage, 1)
            stack.wait_workers()
            time.sleep(5)  # the second members take partitions; the group settles
            steps.append(load_step(stack, arrivals, codec, producer, f"{max(rates):g}/s, 2 per stage", max(rates), turns, drain_s))
            for stage in STAGES:
                stack.stop_worker(stage, 1)
    finally:
        arrivals.stopping.set()
        arrivals.join(5)
    if floor:
        steps.append(floor_step(stack, max(turns, 20)))
    print_table(steps, echo)
    loaded = [s for s in steps if s.name.endswith("turns/s")]
    floor_cpu = next((s.cpu_total for s in steps if s.name.startswith("floor")), None)
    kept_up = [float(s.name.split()[0]) for s in loaded if s.sustained]
    summary = {
        "runs": [{"name": s.name, "sent": s.sent, "answered": s.answered, "per_s": round(s.per_s, 2),
                  "p50_ms": round(s.p50_ms, 1), "p99_ms": round(s.p99_ms, 1), "max_ms": round(s.max_ms, 1),
                  "cpu_ms_per_turn": round(s.cpu_total, 2), "sustained": s.sustained} for s in steps],
        "highest_rate_kept_up": max(kept_up, default=0.0),
        "cpu_ms_per_turn_all_processes": round(statistics.median(s.cpu_total for s in loaded), 2) if loaded else None,
        "floor_cpu_ms_per_turn": round(floor_cpu, 2) if floor_cpu is not None else None,
    }
    if summary["cpu_ms_per_turn_all_processes"] and floor_cpu:
        summary["transport_and_framework_ratio"] = round(summary["cpu_ms_per_turn_all_processes"] / floor_cpu, 2)
    return summary


cli = typer.Typer(add_completion=False, help=__doc__)


@cli.command()
def main(rates: str = typer.Option("5,15,30,60", help="Comma-separated open-loop rates, turns per second"),
         turns: int = typer.Option(300, min=1, help="Turns per rate"),
         burst: int = typer.Option(200, min=0, help="Turns published at once after the rates (0: none)"),
         scale: bool = typer.Option(True, help="Rerun the top rate with two workers per stage"),
         floor: bool = typer.Option(True, help="The same turns through all stage logic in one process"),
         drain_s: float = typer.Option(60.0, help="Seconds to wait for the last answers of a run")) -> None:
    """Start a stack of its own, load it, print the tables, stop it."""
    from streams.stack import Stack, private_settings

    try:
        chosen = [float(r) for r in rates.split(",") if r.strip()]
    except ValueError as exc:
        raise typer.BadParameter(f"--rates wants numbers like 5,15,30: {exc}") from exc
    if any(r <= 0 for r in chosen):
        raise typer.BadParameter("--rates must be positive")
    stack = Stack(private_settings(Path(tempfile.mkdtemp(prefix="cs-bench-pipeline-"))))
    try:
        stack.up()
        summary = run_pipeline(stack, chosen, turns, burst, scale, floor, drain_s)
    finally:
        stack.down()
    typer.echo(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    cli()
