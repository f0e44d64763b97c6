"""One consume->produce hop on the same broker, same message size, same run:

  raw        confluent-kafka consumer + producer loop (the floor)
  faust      a Faust agent forwarding bytes (faust-streaming, as our stages run)
  stage      a Faust agent running our StageRunner: Avro decode, span, Avro encode (a real stage's overhead)
  quix       a quixstreams Application forwarding bytes (if installed)

Each peer runs in its own process; this script produces, and measures on the output topic.
Throughput: a burst of --burst messages. Latency: --paced messages at --rate msg/s.

    python -m benchmarks.transport [--bootstrap HOST:PORT] [--burst 20000] [--size 512]
"""
from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import typer

from benchmarks.pacing import paced

REPO = Path(__file__).resolve().parent.parent
STAMP = re.compile(rb"(\d{19})\|")
PEERS = ("raw", "faust", "stage", "quix")

cli = typer.Typer(add_completion=False, help=__doc__)


# -- driver -----------------------------------------------------------------------------------
@dataclass
class Result:
    peer: str
    burst_rate: float
    p50_ms: float
    p99_ms: float
    delivered: int
    expected: int


def make_payload_factory(size: int):  # type: ignore[no-untyped-def]
    from schemas.codec import EventCodec, LockedSchemaIds

    codec = EventCodec(LockedSchemaIds())
    base = {"session_id": "bench", "turn_id": 1, "customer_id": None, "channel": "web", "received_at_ms": 0,
            "asr_confidence": 1.0, "source": "text", "is_final": True}
    probe = len(codec.encode("Transcript", {**base, "text": f"{time.time_ns()}|"}, "t"))
    filler = "x" * max(0, size - probe)

    def make(i: int) -> tuple[bytes, bytes]:
        value = codec.encode("Transcript", {**base, "turn_id": i, "text": f"{time.time_ns()}|{filler}"}, "t")
        return f"k{i % 64}".encode(), value

    return make


def measure(bootstrap: str, dst: str, src: str, make, count: int, rate: float | None) -> tuple[list[float], float]:  # type: ignore[no-untyped-def]
    """Send ``count`` messages (paced at ``rate`` or as fast as possible); latencies in ms and hop rate."""
    from confluent_kafka import Consumer, Producer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-probe-{uuid.uuid4().hex[:6]}",
                  "enable.auto.commit": False})
    parts = c.list_topics(dst, timeout=10).topics[dst].partitions
    c.assign([TopicPartition(dst, p, c.get_watermark_offsets(TopicPartition(dst, p), timeout=10)[1]) for p in parts])
    latencies: list[float] = []
    last_recv = [0.0]
    done = threading.Event()

    def consume() -> None:
        while len(latencies) < count and not done.is_set():
            # consume(n, timeout) waits for n records or the timeout, which would add to the latency:
            # block on poll() for one, then take what is already fetched.
            first = c.poll(0.1)
            if first is None:
                continue
            now = time.time_ns()
            for m in [first, *c.consume(1000, timeout=0)]:
                if m.error():
                    continue
                stamp = STAMP.search(m.value())
                if stamp:
                    latencies.append((now - int(stamp.group(1))) / 1e6)
                    last_recv[0] = time.perf_counter()

    t = threading.Thread(target=consume, daemon=True)
    t.start()
    p = Producer({"bootstrap.servers": bootstrap, "partitioner": "murmur2_random", "linger.ms": 1})
    start = time.perf_counter()
    for i in paced(count, rate):
        key, value = make(i)
        while True:
            try:
                p.produce(src, value, key)
                break
            except BufferError:
                p.poll(0.01)
        p.poll(0)
    p.flush(30)
    t.join(timeout=60 + count / 500)
    done.set()
    c.close()
    elapsed = (last_recv[0] or time.perf_counter()) - start
    return latencies, len(latencies) / elapsed if elapsed > 0 else 0.0


def wait_ready(bootstrap: str, src: str, dst: str, make, timeout: float = 90) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got, _ = measure(bootstrap, dst, src, make, 1, None)
        if got:
            return
    raise RuntimeError(f"peer on {src} did not forward within {timeout}s")


def wait_for_leaders(admin, topics: tuple[str, ...], partitions: int, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    """Until every partition of ``topics`` has a leader: a topic just created may still have none, and the
    first produce or watermark query then fails with NOT_LEADER_FOR_PARTITION."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        meta = admin.list_topics(timeout=5)
        led = [meta.topics.get(t) for t in topics]
        if all(m is not None and m.error is None and len(m.partitions) == partitions
               and all(p.leader >= 0 for p in m.partitions.values()) for m in led):
            return
        time.sleep(0.2)
    raise RuntimeError(f"no leader for every partition of {topics} within {timeout}s")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_peer(peer: str, bootstrap: str, make, burst: int, paced: int, rate: float, partitions: int) -> Result:  # type: ignore[no-untyped-def]
    from confluent_kafka.admin import AdminClient, NewTopic

    src, dst = f"bench.{peer}.in.{uuid.uuid4().hex[:6]}", f"bench.{peer}.out.{uuid.uuid4().hex[:6]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for fut in admin.create_topics([NewTopic(t, partitions, 1) for t in (src, dst)]).values():
        fut.result()
    wait_for_leaders(admin, (src, dst), partitions)
    log = open(Path(tempfile.gettempdir()) / f"bench-{peer}.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.peers", peer, bootstrap, src, dst],
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready(bootstrap, src, dst, make)
        time.sleep(1.0)  # let the warm-up drain
        latencies, _ = measure(bootstrap, dst, src, make, paced, rate)
        _, burst_rate = measure(bootstrap, dst, src, make, burst, None)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        admin.delete_topics([src, dst])
    return Result(peer, burst_rate, statistics.median(latencies) if latencies else float("nan"),
                  percentile(latencies, 0.99), len(latencies), paced)


@cli.command()
def main(
    bootstrap: str | None = typer.Option(None, help="Existing broker; default: start a private one"),
    burst: int = typer.Option(20000, help="Messages in the throughput burst"),
    paced: int = typer.Option(1000, help="Messages in the latency run"),
    rate: float = typer.Option(500.0, help="Messages/s in the latency run"),
    size: int = typer.Option(512, help="Approximate message size in bytes"),
    partitions: int = typer.Option(1, help="Partitions of the bench topics"),
    peers: str = typer.Option(",".join(PEERS), help="Comma-separated subset of raw,faust,stage,quix"),
) -> None:
    """Measure one consume->produce hop for each peer and print a table."""
    from infra.services import KafkaService, free_port

    kafka = None
    if bootstrap is None:
        kafka = KafkaService(port=free_port(), data_dir=Path(tempfile.mkdtemp(prefix="bench-kafka-")))
        kafka.start()
        bootstrap = kafka.bootstrap
    try:
        run_transport(bootstrap, burst, paced, rate, size, partitions, [p.strip() for p in peers.split(",") if p.strip()],
                      typer.echo)
    finally:
        if kafka:
            kafka.stop()


def run_transport(bootstrap: str, burst: int, paced: int, rate: float, size: int, partitions: int,
                  peers: list[str], echo) -> list[Result]:  # type: ignore[no-untyped-def]
    """Each peer's hop on ``bootstrap``, printed as a table through ``echo``; the results."""
    make = make_payload_factory(size)
    results = []
    for peer in peers:
        if peer == "quix":
            try:
                import quixstreams  # noqa: F401
            except ImportError:
                echo("quix: quixstreams not installed, skipped")
                continue
        echo(f"{peer}: running …")
        results.append(run_peer(peer, bootstrap, make, burst, paced, rate, partitions))
    raw = next((r for r in results if r.peer == "raw"), None)
    echo(f"\nOne consume->produce hop, {size}-byte messages, {partitions} partition(s), "
         f"burst {burst}, latency at {rate:.0f} msg/s over {paced} messages")
    echo(f"{'peer':8s} {'msgs/s':>10s} {'vs raw':>8s} {'p50 ms':>8s} {'p99 ms':>8s} {'p50 vs raw':>11s} {'delivered':>10s}")
    for r in results:
        ratio = f"{r.burst_rate / raw.burst_rate:.2f}x" if raw and raw.burst_rate else "-"
        lat = f"{r.p50_ms / raw.p50_ms:.2f}x" if raw and raw.p50_ms else "-"
        echo(f"{r.peer:8s} {r.burst_rate:10.0f} {ratio:>8s} {r.p50_ms:8.2f} {r.p99_ms:8.2f} {lat:>11s} "
             f"{r.delivered:>5d}/{r.expected}")
    return results


if __name__ == "__main__":
    cli()
