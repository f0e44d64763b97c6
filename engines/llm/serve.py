"""A small OpenAI-compatible server over the transformers engine, for demos and the openai backend's tests.

    python -m engines.llm.serve --model .run/models/tiny-llm --port 8400

Serves ``GET /v1/models``, ``POST /v1/completions`` and ``POST /v1/chat/completions``, streaming (SSE,
ending ``data: [DONE]``) or not. One model, one generation at a time: a stand-in for vLLM or
``trtllm-serve``, not a replacement. The last ``traceparent`` received is kept on ``app.state`` so
tests can see that trace context crossed the wire; a closed connection aborts its generation.
"""
from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import typer
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from engines.llm import GenerationParams, LLMEngine, LLMError, complete

TRACE_HEADERS = ("traceparent", "tracestate")


class Sampling(BaseModel):
    model_config = ConfigDict(extra="ignore")  # OpenAI clients send fields this server has no use for

    model: str | None = None
    max_tokens: int | None = Field(None, ge=1, le=8192)
    max_completion_tokens: int | None = Field(None, ge=1, le=8192)
    temperature: float = Field(1.0, ge=0, le=2)
    top_p: float = Field(1.0, gt=0, le=1)
    stop: str | list[str] | None = None
    seed: int | None = None
    stream: bool = False

    def params(self) -> GenerationParams:
        stop = [self.stop] if isinstance(self.stop, str) else self.stop or []
        return GenerationParams(max_new_tokens=self.max_completion_tokens or self.max_tokens or 16,
                                temperature=self.temperature, top_p=self.top_p, stop=tuple(stop),
                                seed=self.seed)


class CompletionRequest(Sampling):
    prompt: str


class ChatMessage(BaseModel):
    role: str
    content: str


class ChatRequest(Sampling):
    messages: list[ChatMessage] = Field(min_length=1)


def create_app(engine: LLMEngine, model_name: str, *, api_key: str | None = None,
               chat_prompt: Callable[[list[dict[str, str]]], str] | None = None,
               count_tokens: Callable[[str], int] | None = None) -> FastAPI:
    """The app; ``chat_prompt`` renders chat messages (default: contents one per line), ``count_tokens``
    decides ``finish_reason`` ``length`` and fills ``usage`` (default: characters)."""
    render = chat_prompt or (lambda messages: "\n".join(m["content"] for m in messages))
    count = count_tokens or len

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await engine.warm_up()
        yield

    app = FastAPI(title="fincs LLM server", lifespan=lifespan)
    app.state.last_traceparent = None

    def authorised(request: Request) -> None:
        if api_key and request.headers.get("authorization") != f"Bearer {api_key}":
            raise HTTPException(401, "invalid or missing API key")

    def trace_context(request: Request) -> dict[str, str]:
        headers = {h: request.headers[h] for h in TRACE_HEADERS if h in request.headers}
        app.state.last_traceparent = headers.get("traceparent")
        return headers

    def check_model(body: Sampling) -> None:
        if body.model not in (None, model_name):
            raise HTTPException(404, f"model {body.model!r} is not served here; try {model_name!r}")

    def finish_reason(text: str, params: GenerationParams) -> str:
        return "length" if count(text) >= params.max_new_tokens else "stop"

    async def respond(request: Request, body: Sampling, prompt: str, chat: bool,
                      trace: dict[str, str]) -> Any:
        check_model(body)
        params = body.params()
        request_id = request.headers.get("x-request-id") or f"cmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        kind = "chat.completion" if chat else "text_completion"
        if not body.stream:
            try:
                text = await complete(engine, prompt, params, request_id=request_id, trace_headers=trace)
            except LLMError as exc:
                raise HTTPException(500, str(exc)) from exc
            choice: dict[str, Any] = {"index": 0, "finish_reason": finish_reason(text, params)}
            choice.update({"message": {"role": "assistant", "content": text}} if chat else {"text": text})
            usage = {"prompt_tokens": count(prompt), "completion_tokens": count(text)}
            return {"id": request_id, "object": kind, "created": created, "model": model_name,
                    "choices": [choice], "usage": {**usage, "total_tokens": sum(usage.values())}}

        def event(delta: dict[str, str], reason: str | None = None) -> str:
            choice: dict[str, Any] = {"index": 0, "finish_reason": reason}
            choice.update({"delta": delta} if chat else {"text": delta.get("content", ""), "logprobs": None})
            chunk = {"id": request_id, "object": f"{kind}.chunk" if chat else kind, "created": created,
                     "model": model_name, "choices": [choice]}
            return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

        async def events() -> AsyncIterator[str]:
            parts: list[str] = []
            stream = engine.generate(prompt, params, request_id=request_id, trace_headers=trace)
            try:
                if chat:
                    yield event({"role": "assistant"})
                async for text in stream:
                    parts.append(text)
                    yield event({"content": text})
                yield event({}, finish_reason("".join(parts), params))
            except LLMError as exc:
                yield f"data: {json.dumps({'error': {'message': str(exc), 'type': 'server_error'}})}\n\n"
            finally:
                if hasattr(stream, "aclose"):
                    await stream.aclose()  # a client that hung up stops its generation here
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    @app.get("/v1/models", dependencies=[Depends(authorised)])
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": model_name, "object": "model", "owned_by": "fincs"}]}

    @app.post("/v1/completions", dependencies=[Depends(authorised)])
    async def completions(body: CompletionRequest, request: Request,
                          trace: dict[str, str] = Depends(trace_context)) -> Any:
        return await respond(request, body, body.prompt, False, trace)

    @app.post("/v1/chat/completions", dependencies=[Depends(authorised)])
    async def chat_completions(body: ChatRequest, request: Request,
                               trace: dict[str, str] = Depends(trace_context)) -> Any:
        return await respond(request, body, render([m.model_dump() for m in body.messages]), True, trace)

    @app.exception_handler(HTTPException)
    async def openai_error(request: Request, exc: HTTPException) -> JSONResponse:
        # OpenAI clients read errors from {"error": {"message": ...}}.
        return JSONResponse({"error": {"message": exc.detail, "code": exc.status_code}},
                            status_code=exc.status_code)

    return app


cli = typer.Typer(add_completion=False, help=__doc__)


@cli.command()
def main(
    model: Path = typer.Option(..., help="Local causal-LM directory (engines.llm.tiny builds one)"),
    port: int = typer.Option(8400, help="TCP port"),
    host: str = typer.Option("127.0.0.1", help="Interface to bind; 0.0.0.0 exposes it beyond this host"),
    name: str | None = typer.Option(None, help="Model name to serve under (default: the directory name)"),
    device: str = typer.Option("auto", help="auto | cpu | cuda | cuda:N"),
    threads: int | None = typer.Option(None, help="torch CPU threads (1 is fastest for a tiny model)"),
    api_key: str | None = typer.Option(None, envvar="LLM_API_KEY", help="Require this bearer token"),
) -> None:
    """Serve MODEL over the OpenAI completions and chat completions APIs."""
    import uvicorn

    from engines.llm.hf import TransformersEngine

    engine = TransformersEngine(model, device=device, threads=threads)
    app = create_app(engine, name or model.name, api_key=api_key, chat_prompt=engine.chat_prompt,
                     count_tokens=engine.count_tokens)
    uvicorn.run(app, host=host, port=port, log_level="info")


if __name__ == "__main__":
    cli()
