"""Chaos soak: many multi-turn conversations at a fixed rate while workers are killed with
SIGKILL and restarted, the Kafka broker is restarted once and Neo4j once. Afterwards the whole
reply topic is read back and every (session, turn) is counted:

  lost          sent, never answered
  duplicated    answered more than once
  out_of_order  an answer for a turn below one already answered in its session
  wrong         an answer whose figures differ from a fault-free run of the same conversation

    python -m benchmarks.soak                       # full: 2,000 turns, >= 30 kills, broker + Neo4j restart
    python -m benchmarks.soak --turns 200 --kills 5 --no-restart-broker --no-restart-neo4j

It starts a stack of its own (free ports, temporary run dir) and stops it by PID afterwards. The
last line printed is one JSON object: turns, kills, lost, duplicated, out_of_order, wrong.
"""
from __future__ import annotations

import json
import os
import random
import re
import signal
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

# Conversations whose answers are exact and deterministic (figures from the customer's numbers,
# products from the graph, the questionnaire's state); none is handed to a human, whose queue
# place would differ between runs.
SCRIPTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("C-0101", ("我想贷款", "装修用，30万", "年化4.8%，分3年", "等额本息每月还多少")),
    ("C-0102", ("贷款20万分5年年利率5.2%月供多少", "那分3年呢")),
    ("C-0103", ("10万存3年定期，年利率2.75%，到期利息多少",)),
    ("C-0104", ("信用卡账单12000元分12期，每期手续费率0.6%，每期手续费多少", "总共多少手续费")),
    ("C-0105", ("我想做个风险测评", "A", "B", "C", "B")),
    ("C-0106", ("等额本金贷款50万，20年，利率4.2%，首月还多少",)),
    ("C-0107", ("我的信用卡丢了", "怎么挂失")),
    ("C-0108", ("我想买车，贷款15万", "分5年", "利率3.9%")),
    ("C-0109", ("有什么稳健的理财产品推荐", "R2的有哪些")),
    ("C-0110", ("你好", "房贷100万30年利率3.5%每月还多少")),
)
FIGURE = re.compile(r"\d+(?:\.\d+)?")


def figures(text: str) -> tuple[str, ...]:
    """The numbers a reply states, in order (thousands separators removed)."""
    return tuple(FIGURE.findall(text.replace(",", "")))


@dataclass
class Tally:
    turns: int = 0
    sessions: int = 0
    kills: int = 0
    kills_by_stage: Counter = field(default_factory=Counter)
    crashes: int = 0  # workers that died without being killed (restarted by the chaos loop)
    broker_restarts: int = 0
    neo4j_restarts: int = 0
    replies: int = 0
    lost: int = 0
    duplicated: int = 0
    out_of_order: int = 0
    wrong: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)

    def summary(self) -> dict[str, int]:
        return {"turns": self.turns, "kills": self.kills, "lost": self.lost, "duplicated": self.duplicated,
                "out_of_order": self.out_of_order, "wrong": self.wrong}


class Chaos(threading.Thread):
    """Every ``every`` seconds: SIGKILL a random stage worker and start it again; once each, a broker
    and a Neo4j restart; meanwhile, restart any worker that died on its own (as a supervisor would)."""

    def __init__(self, stack: Any, stages: tuple[str, ...], every: float, tally: Tally, seed: int,
                 broker_at: float | None, neo4j_at: float | None, log: Callable[[str], None]) -> None:
        super().__init__(name="chaos", daemon=True)
        self.stack, self.stages, self.every, self.tally, self.log = stack, stages, every, tally, log
        self.rng = random.Random(seed)
        self.broker_at, self.neo4j_at = broker_at, neo4j_at
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._loop()
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            self.error = exc

    def _loop(self) -> None:
        from infra.services import pid_alive

        start = time.monotonic()
        next_kill = start + self.every
        while not self.stopping.wait(0.2):
            now = time.monotonic() - start
            for stage in self.stages:
                pid = self.stack.worker_pid(stage)
                if pid is None or not pid_alive(pid):
                    self.tally.crashes += 1
                    self.log(f"[{now:6.1f}s] {stage} worker found dead; restarting")
                    self.stack.start_worker(stage)
            if self.broker_at is not None and now >= self.broker_at:
                self.broker_at = None
                self.log(f"[{now:6.1f}s] restarting the Kafka broker")
                self.stack.kafka.stop()
                self.stack.kafka.start()
                self.tally.broker_restarts += 1
                self.log(f"[{time.monotonic() - start:6.1f}s] broker back")
            elif self.neo4j_at is not None and now >= self.neo4j_at:
                self.neo4j_at = None
                self.log(f"[{now:6.1f}s] restarting Neo4j")
                self.stack.neo4j.stop()
                self.stack.neo4j.start()
                self.tally.neo4j_restarts += 1
                self.log(f"[{time.monotonic() - start:6.1f}s] Neo4j back")
            elif time.monotonic() >= next_kill:
                next_kill = time.monotonic() + self.every
                self.kill_one(now)

    def kill_one(self, now: float) -> None:
        from infra.services import pid_alive

        stage = self.rng.choice(self.stages)
        pid = self.stack.worker_pid(stage)
        if pid is None or not pid_alive(pid):
            return
        os.kill(pid, signal.SIGKILL)
        while pid_alive(pid):
            time.sleep(0.05)
        self.tally.kills += 1
        self.tally.kills_by_stage[stage] += 1
        time.sleep(self.rng.uniform(0.0, 1.0))  # sometimes at once, sometimes after a pause
        self.stack.start_worker(stage)
        self.log(f"[{now:6.1f}s] kill -9 {stage} (pid {pid}); restarted")


class ReplyWatch(threading.Thread):
    """Counts distinct answered (session, turn) pairs of this run as they arrive (progress only)."""

    def __init__(self, bootstrap: str, codec: Any, prefix: str) -> None:
        super().__init__(name="reply-watch", daemon=True)
        self.bootstrap, self.codec, self.prefix = bootstrap, codec, prefix
        self.answered: dict[tuple[str, int], dict[str, Any]] = {}
        self.last_at = time.monotonic()
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    def run(self) -> None:
        from confluent_kafka import Consumer

        from contracts.topics import REPLY_OUT

        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": f"soak-watch-{uuid.uuid4().hex}",
                             "auto.offset.reset": "earliest", "enable.auto.commit": False})
        consumer.subscribe([REPLY_OUT])
        try:
            while not self.stopping.is_set():
                msg = consumer.poll(0.2)
                if msg is None or msg.error():
                    continue
                reply = self.codec.decode(msg.value(), "Reply")
                if reply["session_id"].startswith(self.prefix):
                    with self.lock:
                        self.answered.setdefault((reply["session_id"], reply["turn_id"]), reply)
                        self.last_at = time.monotonic()
        finally:
            consumer.close()

    def count(self, expected: set[tuple[str, int]]) -> int:
        with self.lock:
            return sum(1 for k in expected if k in self.answered)


def read_all_replies(bootstrap: str, codec: Any, prefix: str) -> list[dict[str, Any]]:
    """Every reply of this run, in topic order per partition (a session lives on one partition)."""
    from confluent_kafka import Consumer, KafkaError, TopicPartition

    from contracts.topics import REPLY_OUT

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"soak-read-{uuid.uuid4().hex}",
                         "enable.auto.commit": False, "enable.partition.eof": True})
    parts = consumer.list_topics(REPLY_OUT, timeout=30).topics[REPLY_OUT].partitions
    pending = {p for p in parts if consumer.get_watermark_offsets(TopicPartition(REPLY_OUT, p), timeout=30)[1] > 0}
    consumer.assign([TopicPartition(REPLY_OUT, p, 0) for p in pending])
    replies: list[dict[str, Any]] = []
    deadline = time.monotonic() + 120
    try:
        while pending and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    pending.discard(msg.partition())
                continue
            reply = codec.decode(msg.value(), "Reply")
            if reply["session_id"].startswith(prefix):
                replies.append(reply)
    finally:
        consumer.close()
    if pending:
        raise RuntimeError(f"reply partitions {sorted(pending)} not read to their end")
    return replies


def judge(replies: list[dict[str, Any]], sent: dict[tuple[str, int], tuple[int, int]],
          expected_figures: dict[tuple[int, int], tuple[str, ...]], tally: Tally) -> None:
    """Count lost, duplicated, out-of-order and wrong answers (``sent``: (session, turn) -> (script, step))."""
    seen: Counter = Counter()
    highest: dict[str, int] = {}
    for reply in replies:
        if reply.get("proactive") or reply.get("effect_id"):
            continue
        key = (reply["session_id"], reply["turn_id"])
        seen[key] += 1
        if seen[key] == 2:
            tally.duplicated += 1
            tally.examples.setdefault("duplicated", []).append(f"{key}")
        if reply["turn_id"] < highest.get(reply["session_id"], -1):
            tally.out_of_order += 1
            tally.examples.setdefault("out_of_order", []).append(f"{key} after turn {highest[reply['session_id']]}")
        highest[reply["session_id"]] = max(highest.get(reply["session_id"], -1), reply["turn_id"])
        if key in sent and seen[key] == 1:
            want = expected_figures.get(sent[key])
            if want is not None and figures(reply["text"]) != want:
                tally.wrong += 1
                tally.examples.setdefault("wrong", []).append(f"{key}: {reply['text'][:80]}")
    tally.replies = sum(seen.values())
    for key in sent:
        if key not in seen:
            tally.lost += 1
            tally.examples.setdefault("lost", []).append(f"{key}")


HOPS = (("cs.utterance.text.v1", "Transcript"), ("cs.nlu.v1", "Understanding"),
        ("cs.dialogue.state.v1", "DialogueState"), ("cs.context.v1", "Context"),
        ("cs.reply.draft.v1", "DraftReply"), ("cs.reply.checked.v1", "Reply"))


def furthest_hops(bootstrap: str, codec: Any, lost: set[tuple[str, int]]) -> Counter:
    """For turns never answered: the last pipeline topic each reached (where to look)."""
    from confluent_kafka import Consumer, KafkaError, TopicPartition

    reached: dict[tuple[str, int], str] = {}
    for topic, schema in HOPS:
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"soak-trace-{uuid.uuid4().hex}",
                             "enable.auto.commit": False, "enable.partition.eof": True})
        parts = consumer.list_topics(topic, timeout=30).topics[topic].partitions
        pending = set(parts)
        consumer.assign([TopicPartition(topic, p, 0) for p in parts])
        deadline = time.monotonic() + 60
        while pending and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    pending.discard(msg.partition())
                continue
            datum = codec.decode(msg.value(), schema)
            key = (datum["session_id"], datum["turn_id"])
            if key in lost:
                reached[key] = topic
        consumer.close()
    return Counter(reached.get(k, "cs.utterance.in.v1 only") for k in lost)


def publisher(bootstrap: str) -> Any:
    from confluent_kafka import Producer

    # murmur2 like Faust; idempotent so a broker restart cannot duplicate an utterance on the way in.
    return Producer({"bootstrap.servers": bootstrap, "partitioner": "murmur2_random", "linger.ms": 2,
                     "enable.idempotence": True})


def utterance(codec: Any, session: str, turn: int, text: str, customer: str) -> bytes:
    from contracts.topics import UTTERANCE_IN

    datum = {"session_id": session, "turn_id": turn, "customer_id": customer, "channel": "app", "text": text,
             "audio_ref": None, "audio_format": None, "locale": "zh-CN", "received_at_ms": int(time.time() * 1000)}
    return codec.encode("UtteranceIn", datum, UTTERANCE_IN)


def baseline(stack: Any, codec: Any, prefix: str, log: Callable[[str], None],
             timeout: float = 180.0) -> dict[tuple[int, int], tuple[str, ...]]:
    """Figures of every script's every answer, from one fault-free run of each script."""
    from contracts.topics import UTTERANCE_IN

    watch = ReplyWatch(stack.settings.kafka.bootstrap, codec, prefix)
    watch.start()
    producer = publisher(stack.settings.kafka.bootstrap)
    want: dict[tuple[str, int], tuple[int, int]] = {}
    for i, (customer, turns) in enumerate(SCRIPTS):
        session = f"{prefix}{i}"
        for step, text in enumerate(turns):
            producer.produce(UTTERANCE_IN, key=session.encode(), value=utterance(codec, session, step + 1, text,
                                                                                customer))
            want[(session, step + 1)] = (i, step)
    producer.flush(30)
    deadline = time.monotonic() + timeout
    while watch.count(set(want)) < len(want) and time.monotonic() < deadline:
        time.sleep(0.5)
    watch.stopping.set()
    missing = [k for k in want if k not in watch.answered]
    if missing:
        raise RuntimeError(f"fault-free run left {len(missing)} turns unanswered: {missing[:5]}")
    for key, reply in sorted(watch.answered.items()):
        if reply.get("handoff"):
            raise RuntimeError(f"script turn {key} was handed off; soak scripts must stay with the bot")
    log(f"fault-free run: {len(want)} answers of {len(SCRIPTS)} scripts recorded")
    return {want[k]: figures(r["text"]) for k, r in watch.answered.items() if k in want}


def run_soak(stack: Any, turns: int = 2000, rate: float = 8.0, kill_every: float = 7.0, min_kills: int = 30,
             restart_broker: bool = True, restart_neo4j: bool = True, window: int = 24, seed: int = 20261207,
             drain_idle_s: float = 120.0, log: Callable[[str], None] = print) -> Tally:
    """Run the soak against a started ``stack`` (every stage worker up); returns the tally."""
    from contracts.topics import TURN_STAGES, UTTERANCE_IN
    from schemas.codec import EventCodec, LockedSchemaIds

    codec = EventCodec(LockedSchemaIds())
    run_id = uuid.uuid4().hex[:6]
    expected = baseline(stack, codec, f"soak-{run_id}-base-", log)
    rng = random.Random(seed)
    # Sessions are scripts picked at random; a window of them is open at once, each sending its next
    # turn in round-robin, so a session's turns are spaced by window / rate seconds.
    plan: list[tuple[str, int]] = []
    total = 0
    while total < turns:
        script = rng.randrange(len(SCRIPTS))
        plan.append((f"soak-{run_id}-{len(plan)}", script))
        total += len(SCRIPTS[script][1])
    tally = Tally(turns=total, sessions=len(plan))
    duration = total / rate
    chaos = Chaos(stack, TURN_STAGES, kill_every, tally, seed,
                  broker_at=duration * 0.35 if restart_broker else None,
                  neo4j_at=duration * 0.65 if restart_neo4j else None, log=log)
    watch = ReplyWatch(stack.settings.kafka.bootstrap, codec, f"soak-{run_id}-")
    watch.start()
    producer = publisher(stack.settings.kafka.bootstrap)
    sent: dict[tuple[str, int], tuple[int, int]] = {}
    queue = list(plan)
    open_sessions: list[list[Any]] = []  # [session, script, next step]
    from tqdm import tqdm

    chaos.start()
    t0 = time.monotonic()
    with tqdm(total=total, desc="turns sent", unit="turn", disable=None) as bar:
        for n in range(total):
            while len(open_sessions) < window and queue:
                session, script = queue.pop(0)
                open_sessions.append([session, script, 0])
            entry = open_sessions[n % len(open_sessions)]
            session, script, step = entry
            customer, texts = SCRIPTS[script]
            producer.produce(UTTERANCE_IN, key=session.encode(),
                             value=utterance(codec, session, step + 1, texts[step], customer))
            producer.poll(0)
            sent[(session, step + 1)] = (script, step)
            entry[2] += 1
            if entry[2] == len(texts):
                open_sessions.remove(entry)
            bar.update(1)
            pause = t0 + (n + 1) / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
    producer.flush(120)
    # Keep the faults coming until the kill target is met, then let the pipeline drain.
    while chaos.is_alive() and (tally.kills < min_kills or chaos.broker_at is not None or chaos.neo4j_at is not None):
        time.sleep(0.5)
    chaos.stopping.set()
    chaos.join(120)
    if chaos.error is not None:
        raise RuntimeError(f"chaos loop failed: {chaos.error!r}") from chaos.error
    stack.wait_workers(timeout=180)
    log(f"sent {total} turns in {time.monotonic() - t0:.0f}s; {tally.kills} kills; draining")
    with tqdm(total=len(sent), desc="turns answered", unit="turn", disable=None) as bar:
        while True:
            done = watch.count(set(sent))
            bar.n = done
            bar.refresh()
            if done >= len(sent) or time.monotonic() - watch.last_at > drain_idle_s:
                break
            time.sleep(1.0)
    time.sleep(5.0)  # any duplicate still in flight lands before the count
    watch.stopping.set()
    judge(read_all_replies(stack.settings.kafka.bootstrap, codec, f"soak-{run_id}-"), sent, expected, tally)
    if tally.lost:
        lost = {k for k in sent if k not in watch.answered}
        hops = furthest_hops(stack.settings.kafka.bootstrap, codec, lost)
        tally.examples["lost_reached"] = [f"{topic}: {n}" for topic, n in hops.most_common()]
    return tally


def report(tally: Tally, wall_s: float) -> None:
    by_stage = ", ".join(f"{s} {n}" for s, n in sorted(tally.kills_by_stage.items()))
    rows = [("turns sent", tally.turns), ("sessions", tally.sessions), ("kill -9", f"{tally.kills} ({by_stage})"),
            ("unplanned worker deaths", tally.crashes), ("broker restarts", tally.broker_restarts),
            ("Neo4j restarts", tally.neo4j_restarts), ("replies read", tally.replies), ("lost", tally.lost),
            ("duplicated", tally.duplicated), ("out of order", tally.out_of_order), ("wrong", tally.wrong),
            ("wall time s", f"{wall_s:.0f}")]
    print("\n| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    for kind, examples in tally.examples.items():
        print(f"{kind}: {len(examples)} e.g. {examples[:5]}")
    print(json.dumps(tally.summary()))


cli = typer.Typer(add_completion=False, help=__doc__)


@cli.command()
def main(
    turns: int = typer.Option(2000, min=10, help="Turns to send (whole conversations, so a few more)"),
    rate: float = typer.Option(8.0, min=0.5, help="Turns per second, open loop"),
    kill_every: float = typer.Option(7.0, min=1.0, help="Seconds between kill -9s"),
    kills: int = typer.Option(30, min=0, help="At least this many kills (faults continue after sending)"),
    restart_broker: bool = typer.Option(True, help="Restart the Kafka broker once, about a third in"),
    restart_neo4j: bool = typer.Option(True, help="Restart Neo4j once, about two thirds in"),
    partitions: int = typer.Option(4, min=1, help="Partitions of the session topics"),
    seed: int = typer.Option(20261207, help="Chooses the scripts and the victims"),
    keep: bool = typer.Option(False, help="Keep the run dir (logs) after the stack stops"),
) -> None:
    """Run the chaos soak on a stack of its own and print the tally."""
    from streams.stack import Stack, private_settings

    run_dir = Path(tempfile.mkdtemp(prefix="cs-soak-"))
    stack = Stack(private_settings(run_dir, partitions), with_gateway=False, log=lambda m: typer.echo(m, err=True))
    t0 = time.monotonic()
    try:
        stack.up()
        tally = run_soak(stack, turns, rate, kill_every, kills, restart_broker, restart_neo4j, seed=seed,
                         log=lambda m: typer.echo(m, err=True))
    finally:
        stack.down()
        if not keep:
            import shutil

            shutil.rmtree(run_dir, ignore_errors=True)
        else:
            typer.echo(f"run dir kept: {run_dir}", err=True)
    report(tally, time.monotonic() - t0)
    if tally.lost or tally.duplicated or tally.out_of_order or tally.wrong:
        raise typer.Exit(1)


if __name__ == "__main__":
    cli()
