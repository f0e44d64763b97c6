"""Web gateway: publishes UtteranceIn and returns or streams the approved Reply.

    POST /v1/sessions/{session_id}/turns   {"text", "customer_id"?, "channel"?, "turn_id"?}
    WS   /v1/sessions/{session_id}/stream  send {"text", ...}; receive chunk* then reply
    GET  /healthz
Run: ``python -m streams.gateway`` (host/port from settings).
"""
from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Path, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field, ValidationError

from streams.settings import Settings, get_settings
from streams.tracing import init_tracing
from streams.turns import ReplyTimeout, TurnClient

SESSION_ID = Path(..., min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")


class TurnRequest(BaseModel):
    text: str = Field(..., min_length=1, max_length=2000, description="What the customer typed")
    customer_id: str | None = Field(None, max_length=64)
    channel: Literal["web", "app", "phone"] = "web"
    turn_id: int | None = Field(None, ge=0, description="Client-chosen id; a retry with the same id gets the same reply")


class TurnResponse(BaseModel):
    session_id: str
    turn_id: int
    reply: str
    intent: str
    handoff: bool
    status: str
    compliance_flags: list[str]


def to_response(reply: dict[str, Any]) -> TurnResponse:
    return TurnResponse(session_id=reply["session_id"], turn_id=reply["turn_id"], reply=reply["text"],
                        intent=reply["intent"], handoff=reply["handoff"], status=reply["status"],
                        compliance_flags=reply["compliance_flags"])


def create_gateway(settings: Settings) -> FastAPI:
    client = TurnClient(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        init_tracing("cs-gateway", settings.telemetry.span_log)
        await client.start()
        yield
        await client.stop()

    app = FastAPI(title="Financial customer-service gateway", version="1", lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/sessions/{session_id}/turns", response_model=TurnResponse)
    async def post_turn(body: TurnRequest, session_id: str = SESSION_ID) -> TurnResponse:
        try:
            reply = await client.ask(session_id, body.text, customer_id=body.customer_id,
                                     channel=body.channel, turn_id=body.turn_id)
        except ReplyTimeout as exc:
            raise HTTPException(status_code=504, detail=str(exc)) from exc
        return to_response(reply)

    @app.websocket("/v1/sessions/{session_id}/stream")
    async def stream(ws: WebSocket, session_id: str) -> None:
        await ws.accept()
        try:
            while True:
                raw = await ws.receive_json()
                try:
                    body = TurnRequest.model_validate(raw)
                except ValidationError as exc:
                    await ws.send_json({"type": "error", "detail": exc.errors(include_url=False)})
                    continue
                try:
                    async for item in client.stream(session_id, body.text, customer_id=body.customer_id,
                                                    channel=body.channel, turn_id=body.turn_id):
                        if item["type"] == "reply":
                            item = {"type": "reply", **to_response(item).model_dump()}
                        await ws.send_json(item)
                except ReplyTimeout as exc:
                    await ws.send_json({"type": "error", "detail": str(exc)})
        except WebSocketDisconnect:
            return

    app.state.turns = client
    return app


def main(host: str | None = None, port: int | None = None) -> None:
    """Serve the gateway until Ctrl-C (defaults from settings: CS_GATEWAY__HOST / CS_GATEWAY__PORT)."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(create_gateway(settings), host=host or settings.gateway.host, port=port or settings.gateway.port,
                log_level=settings.log_level)


if __name__ == "__main__":
    import typer

    typer.run(main)
