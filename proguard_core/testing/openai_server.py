"""A small OpenAI-compatible chat-completions server over any Backend, for tests.

    backend = FakeBackend(format_output("unsafe", None, "C8S1"))
    with serve(create_app(backend)) as base_url:          # uvicorn on 127.0.0.1, a free port
        guard = load_guard(backend="openai", model="fake", base_url=base_url)

It speaks the subset of the API the guard uses (``POST /v1/chat/completions`` with text and
``image_url`` data-URL parts, ``GET /v1/models``) and can inject faults: ``state.faults`` is a
queue of HTTP statuses answered before any real completion, ``state.delay_s`` delays each reply.
Needs the ``server`` extra (starlette via fastapi, uvicorn).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from proguard_core._lazy import require
from proguard_core.backends.base import Backend, Conversation, GenerationParams
from proguard_core.errors import BackendError, InputError
from proguard_core.images import image_from
from proguard_core.prompts import ChatMessage, ContentPart, ImagePart, TextPart


@dataclass
class ServerState:
    """What a test controls and observes; mutate it while the server runs."""

    faults: list[int] = field(default_factory=list)
    delay_s: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    # Completions being computed right now, and the most seen at once (concurrency tests).
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self) -> int | None:
        with self.lock:
            return self.faults.pop(0) if self.faults else None


def create_app(backend: Backend, *, model_name: str | None = None, state: ServerState | None = None) -> Any:
    """An ASGI app serving ``backend``; the state is reachable as ``app.state.proguard``."""
    # Plain Starlette routes (FastAPI's own base): the handlers read the raw JSON themselves,
    # which keeps the server as lenient as real ones about extra fields.
    applications = require("starlette.applications", "server")
    responses = require("starlette.responses", "server")
    routing = require("starlette.routing", "server")
    served_name = model_name or backend.model_name
    server_state = state or ServerState()

    def error(status: int, message: str) -> Any:
        return responses.JSONResponse({"error": {"message": message, "code": status}}, status_code=status)

    async def models(request: Any) -> Any:
        data = [{"id": served_name, "object": "model", "owned_by": "proguard"}]
        return responses.JSONResponse({"object": "list", "data": data})

    async def chat_completions(request: Any) -> Any:
        try:
            body = await request.json()
        except ValueError:
            return error(400, "body is not JSON")
        with server_state.lock:
            server_state.requests.append(body)
        fault = server_state.next_fault()
        if fault is not None:
            return error(fault, f"injected fault {fault}")
        with server_state.lock:
            server_state.in_flight += 1
            server_state.max_in_flight = max(server_state.max_in_flight, server_state.in_flight)
        try:
            return await complete(body)
        finally:
            with server_state.lock:
                server_state.in_flight -= 1

    async def complete(body: dict[str, Any]) -> Any:
        if server_state.delay_s:
            await asyncio.sleep(server_state.delay_s)
        try:
            conversation = from_openai_messages(body["messages"])
            params = GenerationParams(
                max_new_tokens=int(body.get("max_tokens") or body.get("max_completion_tokens") or 1024),
                temperature=float(body.get("temperature") or 0.0),
            )
        except (KeyError, TypeError, ValueError) as exc:
            return error(400, f"bad request: {exc}")
        try:
            (text,) = await backend.agenerate([conversation], params)
        except InputError as exc:
            return error(400, str(exc))
        except BackendError as exc:
            return error(500, str(exc))
        return responses.JSONResponse(
            {
                "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": served_name,
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            }
        )

    app = applications.Starlette(
        routes=[
            routing.Route("/v1/models", models, methods=["GET"]),
            routing.Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        ]
    )
    app.state.proguard = server_state
    return app


def from_openai_messages(messages: list[dict[str, Any]]) -> Conversation:
    """OpenAI chat messages back into ours; ``image_url`` parts must be data URLs."""
    conversation: Conversation = []
    for message in messages:
        content = message["content"]
        if isinstance(content, str):
            conversation.append(ChatMessage(role=message["role"], content=content))
            continue
        parts: list[ContentPart] = []
        for part in content:
            if part["type"] == "text":
                parts.append(TextPart(type="text", text=part["text"]))
            elif part["type"] == "image_url":
                url = part["image_url"]["url"] if isinstance(part["image_url"], dict) else part["image_url"]
                if not str(url).startswith("data:"):
                    raise ValueError("the test server only accepts data: image URLs")
                parts.append(ImagePart(type="image", image=image_from(url)))
            else:
                raise ValueError(f"unsupported content part {part['type']!r}")
        conversation.append(ChatMessage(role=message["role"], content=parts))
    return conversation


@contextmanager
def serve(app: Any, host: str = "127.0.0.1", startup_timeout_s: float = 15.0) -> Iterator[str]:
    """Run ``app`` with uvicorn in a daemon thread; yields the ``/v1`` base URL."""
    uvicorn = require("uvicorn", "server")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Binding here and handing uvicorn the socket avoids the race of "find a free port, then bind".
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="proguard-test-server"
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


__all__ = ["ServerState", "create_app", "from_openai_messages", "serve"]
