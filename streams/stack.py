"""Start and stop the whole stack: Kafka, Neo4j, topics, one worker per stage, the gateway.

    python -m streams.stack up      # start everything in the background, wait until ready
    python -m streams.stack down    # stop everything this run dir started, by PID
    python -m streams.stack run     # up, scripted conversation, serve until Ctrl-C, down
    python -m streams.stack status
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import typer

from contracts.topics import STAGES
from infra.services import (
    KafkaService,
    Neo4jService,
    ServiceError,
    pid_alive,
    port_open,
    signals_deferred,
    stop_pid,
    stop_pids,
)
from streams.settings import REPO_DIR, Settings, get_settings
from streams.topics import app_id, ensure_topics


def private_settings(run_dir: Path, partitions: int = 4, **over: Any) -> Settings:
    """Settings for a stack of its own (tests, soak, benchmarks): free ports, its own run dir, and
    the models `make setup` trained (trained here when missing)."""
    from infra.services import free_port
    from streams.train import train_backend

    return Settings(
        run_dir=run_dir, log_level=os.environ.get("CS_LOG_LEVEL", "warning"),  # info to debug a test stack
        kafka={"bootstrap": f"127.0.0.1:{free_port()}", "partitions": partitions, "max_payload_bytes": 64 * 1024},
        neo4j={"uri": f"bolt://127.0.0.1:{free_port()}"},
        gateway={"port": free_port(), "reply_timeout_s": 30},
        intent={"backend": "hybrid", "model_dir": train_backend("hybrid")},
        compliance={"learned_layer": True, "model_dir": train_backend("compliance")},
        **over,
    )


def _port_of(hostport: str) -> int:
    return int(hostport.split(",")[0].rsplit(":", 1)[1])


@dataclass
class Stack:
    """The processes of one deployment, all under ``settings.run_dir``."""

    settings: Settings
    stages: tuple[str, ...] = STAGES
    with_neo4j: bool = True
    with_gateway: bool = True
    log: Callable[[str], None] = field(default=lambda msg: typer.echo(msg, err=True))

    def __post_init__(self) -> None:
        run = self.settings.run_dir
        self.kafka = KafkaService(port=_port_of(self.settings.kafka.bootstrap), data_dir=run / "kafka")
        self.neo4j = Neo4jService(port=urlparse(self.settings.neo4j.uri).port or 7687, data_dir=run / "neo4j",
                                  heap=self.settings.neo4j.heap)
        (run / "pids").mkdir(parents=True, exist_ok=True)
        (run / "logs").mkdir(parents=True, exist_ok=True)

    # -- services ------------------------------------------------------------------------
    def start_services(self) -> None:
        for svc in ([self.kafka, self.neo4j] if self.with_neo4j else [self.kafka]):
            if svc.running():
                self.log(f"{svc.name} already running (pid {svc.read_pid()})")
                continue
            t = time.monotonic()
            svc.start()
            self.log(f"{svc.name} ready on 127.0.0.1:{svc.port} in {time.monotonic() - t:.1f}s")
        created = ensure_topics(self.settings)
        self.log(f"topics: {len(created)} created" if created else "topics: all present")
        if self.with_neo4j:
            from streams.catalogue import ensure_catalogue

            loaded = ensure_catalogue(self.settings)
            self.log("knowledge graph: catalogue loaded" if loaded else "knowledge graph: up to date")

    # -- python processes ----------------------------------------------------------------
    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> int:
        pid_file = self.settings.run_dir / "pids" / f"{name}.pid"
        if pid_file.exists() and pid_alive(int(pid_file.read_text())):
            return int(pid_file.read_text())
        env = {**os.environ, **self.settings.child_env(), **(env or {}), "PYTHONPATH": str(REPO_DIR)}
        log = open(self.settings.run_dir / "logs" / f"{name}.log", "ab")
        with signals_deferred():
            proc = subprocess.Popen([sys.executable, *args], env=env, cwd=REPO_DIR, stdout=log,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
            pid_file.write_text(str(proc.pid))
        return proc.pid

    def start_worker(self, stage: str, instance: int = 0, env: dict[str, str] | None = None) -> int:
        """Start a stage worker (``env`` overrides settings for it alone, e.g. an LLM backend)."""
        return self._spawn(f"worker-{stage}-{instance}", ["-m", "streams.worker", stage], env)

    def stop_worker(self, stage: str, instance: int = 0) -> None:
        pid_file = self.settings.run_dir / "pids" / f"worker-{stage}-{instance}.pid"
        if pid_file.exists():
            stop_pid(int(pid_file.read_text()))
            pid_file.unlink(missing_ok=True)

    def worker_pid(self, stage: str, instance: int = 0) -> int | None:
        pid_file = self.settings.run_dir / "pids" / f"worker-{stage}-{instance}.pid"
        return int(pid_file.read_text()) if pid_file.exists() else None

    def wait_workers(self, timeout: float = 120.0) -> None:
        """Ready = every stage's consumer group is Stable with at least one member."""
        from confluent_kafka import ConsumerGroupState
        from confluent_kafka.admin import AdminClient

        admin = AdminClient({"bootstrap.servers": self.settings.kafka.bootstrap})
        groups = [app_id(self.settings, s) for s in self.stages]
        deadline = time.monotonic() + timeout
        pending = list(groups)
        while pending and time.monotonic() < deadline:
            for stage in self.stages:
                pid = self.worker_pid(stage)
                if pid is not None and not pid_alive(pid):
                    raise ServiceError(f"worker {stage} died; see {self.settings.run_dir}/logs/worker-{stage}-0.log")
            futures = admin.describe_consumer_groups(pending, request_timeout=5)
            for group, fut in futures.items():
                try:
                    desc = fut.result()
                except Exception:
                    continue
                if desc.state == ConsumerGroupState.STABLE and desc.members:
                    pending.remove(group)
            if pending:
                time.sleep(0.5)
        if pending:
            raise ServiceError(f"workers not ready after {timeout}s: {', '.join(pending)}")

    def start_gateway(self, timeout: float = 60.0) -> None:
        self._spawn("gateway", ["-m", "streams.gateway"])
        deadline = time.monotonic() + timeout
        import httpx

        url = f"http://{self.settings.gateway.host}:{self.settings.gateway.port}/healthz"
        while time.monotonic() < deadline:
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise ServiceError(f"gateway not healthy at {url} after {timeout}s")

    def up(self) -> None:
        self.start_services()
        t = time.monotonic()
        for stage in self.stages:
            self.start_worker(stage)
        self.wait_workers()
        self.log(f"workers ready: {', '.join(self.stages)} in {time.monotonic() - t:.1f}s")
        if self.with_gateway:
            if port_open(self.settings.gateway.port, self.settings.gateway.host) and not self._running("gateway"):
                raise ServiceError(f"port {self.settings.gateway.port} is taken; set CS_GATEWAY__PORT")
            self.start_gateway()
            self.log(f"gateway on http://{self.settings.gateway.host}:{self.settings.gateway.port}")

    def _running(self, name: str) -> bool:
        pid_file = self.settings.run_dir / "pids" / f"{name}.pid"
        return pid_file.exists() and pid_alive(int(pid_file.read_text()))

    def down(self) -> None:
        """Workers and gateway first (all told at once, then waited for), then Neo4j, then Kafka."""
        pid_files = sorted((self.settings.run_dir / "pids").glob("*.pid"))
        stop_pids([int(p.read_text()) for p in pid_files])
        for pid_file in pid_files:
            pid_file.unlink(missing_ok=True)
        for svc in (self.neo4j, self.kafka):
            svc.stop()

    def status(self) -> dict[str, bool]:
        procs = {p.stem: pid_alive(int(p.read_text())) for p in (self.settings.run_dir / "pids").glob("*.pid")}
        return {"kafka": self.kafka.running(), "neo4j": self.neo4j.running(), **procs}


cli = typer.Typer(add_completion=False, help=__doc__)


@cli.command()
def up() -> None:
    """Start Kafka, Neo4j, topics, all stage workers and the gateway in the background."""
    Stack(get_settings()).up()


@cli.command()
def down() -> None:
    """Stop everything started from this run dir (by PID)."""
    Stack(get_settings()).down()
    typer.echo("stopped", err=True)


@cli.command()
def status() -> None:
    """Show which processes are running."""
    for name, alive in Stack(get_settings()).status().items():
        typer.echo(f"{name:28s} {'running' if alive else 'stopped'}")


class Stopped(BaseException):
    """SIGTERM or SIGINT: leave whatever is running and stop what was started. A BaseException, like
    KeyboardInterrupt, so no ``except Exception`` on the way (a readiness poll, say) swallows it."""


def _stop_on_signal(signum: int, _frame: object) -> None:
    raise Stopped(signal.Signals(signum).name)


@cli.command()
def run() -> None:
    """Start the stack, play the scripted conversation, serve the gateway until Ctrl-C or SIGTERM, stop."""
    settings = get_settings()
    stack = Stack(settings)
    # A supervisor stops us with SIGTERM (make forwards it): everything started must stop too.
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGINT, _stop_on_signal)
    try:
        stack.up()
        url = f"http://{settings.gateway.host}:{settings.gateway.port}"
        subprocess.run([sys.executable, "-m", "streams.chat", "--demo", "--gateway", url], check=True,
                       env={**os.environ, **settings.child_env(), "PYTHONPATH": str(REPO_DIR)})
        typer.echo(f"\nGateway serving on {url} (OpenAPI at {url}/docs). Ctrl-C stops everything.")
        while True:
            time.sleep(3600)
    except (KeyboardInterrupt, Stopped):
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut the shutdown short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stack.down()
        typer.echo("stopped", err=True)


@cli.command()
def topics() -> None:
    """Create every topic of the catalog that is missing (checks partition counts)."""
    created = ensure_topics(get_settings())
    typer.echo(f"created: {', '.join(created) or 'none'}")


if __name__ == "__main__":
    cli()
