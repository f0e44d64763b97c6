"""Start, wait for and stop the project's own Kafka and Neo4j JVMs on 127.0.0.1.

Jars come from Maven Central through the poms beside this file. Every service gets its
own data dir and port; it is stopped by the PID recorded at start, never by name.
"""
from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

INFRA_DIR = Path(__file__).resolve().parent
REPO_DIR = INFRA_DIR.parent
JARS_DIR = REPO_DIR / ".run" / "jars"


class ServiceError(RuntimeError):
    """A service could not be fetched, started or stopped."""


def fetch_jars(name: str) -> Path:
    """Resolve the runtime classpath of ``infra/<name>/pom.xml`` into ``.run/jars/<name>``."""
    out = JARS_DIR / name
    marker = out / ".complete"
    if marker.exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    cmd = [
        "mvn", "-B", "-q", "-f", str(INFRA_DIR / name / "pom.xml"),
        "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies",
        f"-DoutputDirectory={out}", "-DincludeScope=runtime",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise ServiceError(f"maven could not resolve {name} jars:\n{done.stdout}\n{done.stderr}")
    marker.write_text("ok\n")
    return out


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    """A port free now, chosen below Linux's ephemeral range (32768+): an OS-assigned port could be
    handed to some client's outgoing connection before our JVM binds it."""
    import random

    for _ in range(200):
        port = random.randrange(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise ServiceError("no free port found in 20000-32000")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); treat it as gone.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@contextmanager
def signals_deferred() -> Iterator[None]:
    """SIGTERM/SIGINT wait until the block ends, so a process is never started without its pid
    being recorded (a stop in between would leave it running with nobody to stop it)."""
    held = {signal.SIGTERM, signal.SIGINT}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def stop_pid(pid: int, timeout: float = 30.0) -> None:
    """SIGTERM, wait, then SIGKILL: the JVMs shut down cleanly on TERM."""
    stop_pids([pid], timeout)


def stop_pids(pids: list[int], timeout: float = 30.0) -> None:
    """SIGTERM to every process at once, wait for all, then SIGKILL whatever is left."""
    alive = [p for p in pids if pid_alive(p)]
    for pid in alive:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while alive and time.monotonic() < deadline:
        for pid in alive:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        alive = [p for p in alive if pid_alive(p)]
        if alive:
            time.sleep(0.2)
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@dataclass
class JvmService:
    """One JVM service with a data dir, a port, a pid file and a log file."""

    name: ClassVar[str] = "service"
    port: int
    data_dir: Path
    heap: str = "384m"
    pid: int | None = field(default=None, init=False)

    @property
    def pid_file(self) -> Path:
        return self.data_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.data_dir / f"{self.name}.log"

    def command(self, jars: Path) -> list[str]:  # pragma: no cover - overridden
        raise NotImplementedError

    def prepare(self, jars: Path) -> None:
        """Write config and format storage before the first start."""

    def ready(self) -> bool:
        return port_open(self.port)

    def start(self, wait: float = 120.0) -> JvmService:
        if self.running():
            raise ServiceError(f"{self.name} already running with pid {self.read_pid()}")
        if port_open(self.port):
            raise ServiceError(f"port {self.port} is taken; {self.name} cannot bind it")
        jars = fetch_jars(self.name)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.prepare(jars)
        log = open(self.log_file, "ab")
        with signals_deferred():
            proc = subprocess.Popen(
                self.command(jars), stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
            self.pid = proc.pid
            self.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ServiceError(f"{self.name} exited with {proc.returncode}; see {self.log_file}")
            if self.ready():
                return self
            time.sleep(0.5)
        self.stop()
        raise ServiceError(f"{self.name} not ready on port {self.port} after {wait}s; see {self.log_file}")

    def read_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def running(self) -> bool:
        pid = self.read_pid()
        return pid is not None and pid_alive(pid)

    def stop(self) -> None:
        pid = self.read_pid()
        if pid is not None:
            stop_pid(pid)
            self.pid_file.unlink(missing_ok=True)


@dataclass
class KafkaService(JvmService):
    """Single-node KRaft broker+controller; topics are created by the catalog, never auto."""

    name: ClassVar[str] = "kafka"
    controller_port: int = 0

    def __post_init__(self) -> None:
        if not self.controller_port:
            self.controller_port = free_port()

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def properties(self) -> str:
        logs = self.data_dir / "log"
        return "\n".join([
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
            f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            f"log.dirs={logs}",
            "auto.create.topics.enable=false",
            "num.partitions=1",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "transaction.state.log.num.partitions=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "log.cleaner.dedupe.buffer.size=8388608",
            "num.network.threads=2",
            "num.io.threads=2",
            "num.recovery.threads.per.data.dir=1",
            "message.max.bytes=1048588",
            "",
        ])

    def prepare(self, jars: Path) -> None:
        conf = self.data_dir / "server.properties"
        conf.write_text(self.properties())
        if (self.data_dir / "log" / "meta.properties").exists():
            return
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        # controller.quorum.voters is a static quorum, so no --standalone / --initial-controllers.
        done = subprocess.run(
            ["java", "-Xmx128m", "-cp", f"{jars}/*", "kafka.tools.StorageTool", "format",
             f"--cluster-id={cid}", "-c", str(conf), "--ignore-formatted"],  # an id may begin with "-"
            capture_output=True, text=True,
        )
        if done.returncode != 0:
            raise ServiceError(f"kafka storage format failed:\n{done.stdout}\n{done.stderr}")

    def command(self, jars: Path) -> list[str]:
        log4j = INFRA_DIR / "kafka" / "log4j2.properties"
        return [
            "java", f"-Xmx{self.heap}", f"-Xms{self.heap}", "-XX:+UseSerialGC",
            f"-Dlog4j2.configurationFile={log4j}",
            "-cp", f"{jars}/*", "kafka.Kafka", str(self.data_dir / "server.properties"),
        ]

    def ready(self) -> bool:
        if not port_open(self.port):
            return False
        from confluent_kafka.admin import AdminClient

        try:
            AdminClient({"bootstrap.servers": self.bootstrap}).list_topics(timeout=2)
        except Exception:
            return False
        return True


@dataclass
class Neo4jService(JvmService):
    """Embedded Neo4j Community with Bolt, launched from a single-file Java launcher."""

    name: ClassVar[str] = "neo4j"
    heap: str = "512m"

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    def command(self, jars: Path) -> list[str]:
        return [
            "java", f"-Xmx{self.heap}", "-XX:+UseSerialGC",
            "-cp", f"{jars}/*", str(INFRA_DIR / "neo4j" / "Launcher.java"),
            str(self.data_dir / "db"), str(self.port),
        ]
