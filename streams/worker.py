"""Run one stage as a Faust worker: ``python -m streams.worker STAGE``.

Start more processes of the same stage to scale it: they join the stage's consumer group and
share its partitions.
"""
from __future__ import annotations

import importlib
import logging

import typer

from contracts.topics import STAGES
from streams import diagnostics
from streams.settings import get_settings

cli = typer.Typer(add_completion=False, help=__doc__)


def build(stage: str):  # type: ignore[no-untyped-def]
    from streams.app import create_app

    settings = get_settings()
    app = create_app(stage, settings)
    importlib.import_module(f"agents.{stage}.agent").register(app, settings)
    return app


def wait_for_broker(bootstrap: str, timeout: float = 180.0) -> None:
    """Start once the broker answers: a worker started while it restarts would otherwise exit at once."""
    import time

    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 0})
    deadline = time.monotonic() + timeout
    while True:
        try:
            admin.list_topics(timeout=5)
            return
        except Exception as exc:  # KafkaException while it is down
            if time.monotonic() > deadline:
                raise SystemExit(f"broker {bootstrap} not reachable after {timeout:.0f}s: {exc}") from exc
            time.sleep(1.0)


def faust_worker(app, loglevel: str):  # type: ignore[no-untyped-def]
    """A Faust worker without the terminal spinner: to spin on every log line, Faust sets the root logger
    to DEBUG, and every debug call in faust and aiokafka then builds a record per message sent (a tenth
    of a forwarding hop's CPU)."""
    from faust.worker import Worker

    worker = Worker(app, loglevel=loglevel, quiet=True)
    worker.spinner = None
    return worker


@cli.command()
def main(stage: str = typer.Argument(..., help=f"one of: {', '.join(STAGES)}")) -> None:
    """Run the Faust agent of STAGE until SIGTERM/SIGINT."""
    if stage not in STAGES:
        raise typer.BadParameter(f"unknown stage {stage!r}; choose from {', '.join(STAGES)}")
    settings = get_settings()
    wait_for_broker(settings.kafka.bootstrap)
    app = build(stage)
    diagnostics.install(app)
    logging.basicConfig(level=settings.log_level.upper())
    faust_worker(app, settings.log_level).execute_from_commandline()


if __name__ == "__main__":
    cli()
