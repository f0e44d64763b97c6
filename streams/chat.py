"""Terminal chat: type a turn, read the approved reply.

    python -m streams.chat                      # interactive, straight to Kafka
    python -m streams.chat --gateway URL        # through the web gateway instead
    python -m streams.chat --demo               # the scripted loan conversation, turn by turn
"""
from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Iterable

import typer

from streams.settings import get_settings

DEMO = (
    "你好，我想贷款",
    "装修用，大概30万",
    "年化4.8%，分3年，等额本息每月还多少",
    "这个产品保本保息吗",
    "我的卡丢了，尾号1234",
    "转人工",
)

cli = typer.Typer(add_completion=False, help=__doc__)


def _print(turn: int, text: str, reply: dict) -> None:
    flag = "  [转人工]" if reply["handoff"] else ""
    typer.echo(f"[{turn}] 客户：{text}")
    typer.echo(f"    客服（{reply['intent']}, {reply['status']}）：{reply.get('reply', reply.get('text'))}{flag}")


async def _via_kafka(session: str, lines: Iterable[str], customer: str | None) -> None:
    from streams.tracing import init_tracing
    from streams.turns import TurnClient

    settings = get_settings()
    init_tracing("cs-chat", settings.telemetry.span_log)
    client = TurnClient(settings)
    await client.start()
    try:
        for n, text in enumerate(lines, 1):
            reply = await client.ask(session, text, customer_id=customer, channel="app")
            _print(n, text, reply)
    finally:
        await client.stop()


def _via_gateway(url: str, session: str, lines: Iterable[str], customer: str | None) -> None:
    import httpx

    with httpx.Client(base_url=url, timeout=get_settings().gateway.reply_timeout_s + 5) as http:
        for n, text in enumerate(lines, 1):
            resp = http.post(f"/v1/sessions/{session}/turns", json={"text": text, "customer_id": customer})
            if resp.status_code != 200:
                typer.echo(f"[{n}] gateway answered {resp.status_code}: {resp.text}", err=True)
                raise typer.Exit(1)
            _print(n, text, resp.json())


def _stdin_lines() -> Iterable[str]:
    while True:
        try:
            line = input("> " if sys.stdin.isatty() else "")
        except EOFError:
            return
        if line.strip() in ("exit", "quit", "再见"):
            return
        if line.strip():
            yield line.strip()


@cli.command()
def main(
    demo: bool = typer.Option(False, help="Run the scripted loan conversation and exit"),
    gateway: str | None = typer.Option(None, help="Gateway base URL, e.g. http://127.0.0.1:8080"),
    session: str | None = typer.Option(None, help="Session id (default: a new one)"),
    customer: str | None = typer.Option(None, help="Customer id"),
) -> None:
    """Chat with the pipeline from the terminal."""
    session = session or f"chat-{uuid.uuid4().hex[:8]}"
    lines = DEMO if demo else _stdin_lines()
    typer.echo(f"session {session}")
    if gateway:
        _via_gateway(gateway, session, lines, customer)
    else:
        asyncio.run(_via_kafka(session, lines, customer))


if __name__ == "__main__":
    cli()
