"""The HTTP service: OpenAI-compatible moderation, native checks, health and Prometheus metrics.

Importing this module needs the ``server`` extra (FastAPI).

Every error is JSON in OpenAI's shape, ``{"error": {"type", "message", "param", "code"}}``, with
``type`` one of: invalid_json (400), invalid_input (400), image_too_large (400),
unsupported_image (400), remote_image_refused (400), unknown_category (400), unauthorized (401),
not_found (404), method_not_allowed (405), request_timeout (408), body_too_large (413),
text_too_large (413), invalid_request (422, schema), queue_full (429), internal_error (500),
backend_error (502), shutting_down (503), timeout (504).
"""

from __future__ import annotations

import asyncio
import copy
import json
import math
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from proguard_core import (
    BackendError,
    Guard,
    GuardInput,
    GuardTimeoutError,
    ImageTooLargeError,
    InputError,
    ProGuardError,
    RemoteImageRefusedError,
    TaxonomyError,
    UnparseableOutputError,
    UnsupportedImageError,
    Verdict,
    __version__,
)
from proguard_integrations.server.auth import ApiKeys, presented_key
from proguard_integrations.server.batcher import (
    LANES,
    Lane,
    MicroBatcher,
    QueueFullError,
    ScheduledModel,
    ShuttingDownError,
)
from proguard_integrations.server.config import ServerConfig
from proguard_integrations.server.metrics import CONTENT_TYPE, ServerMetrics
from proguard_integrations.server.moderation import empty_result, moderation_result
from proguard_integrations.server.schemas import (
    CheckRequest,
    ModerationRequest,
    check_input,
    moderation_inputs,
    text_chars,
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

ENDPOINTS = ("/v1/moderations", "/v1/check", "/healthz", "/livez", "/metrics")
# Where a body carries images: /v1/check's "images", a moderation content part's "image_url".
_IMAGE_FIELD = re.compile(rb'"(images|image_url)"')
_MAX_REQUEST_ID = 128


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        *,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.param = param
        self.headers = headers or {}


def api_error_for(exc: BaseException) -> ApiError:
    """The HTTP answer for an exception raised while serving a request."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, ImageTooLargeError):
        return ApiError(400, "image_too_large", str(exc))
    if isinstance(exc, RemoteImageRefusedError):
        return ApiError(400, "remote_image_refused", str(exc))
    if isinstance(exc, UnsupportedImageError):
        return ApiError(400, "unsupported_image", str(exc))
    if isinstance(exc, TaxonomyError):
        return ApiError(400, "unknown_category", str(exc), param="categories")
    if isinstance(exc, InputError):
        return ApiError(400, "invalid_input", str(exc))
    if isinstance(exc, QueueFullError):
        retry_after = str(min(max(math.ceil(exc.retry_after_s), 1), 60))
        return ApiError(
            429,
            "queue_full",
            f"server is at capacity ({exc}); retry shortly",
            headers={"Retry-After": retry_after},
        )
    if isinstance(exc, ShuttingDownError):
        return ApiError(503, "shutting_down", str(exc), headers={"Retry-After": "1", "Connection": "close"})
    if isinstance(exc, GuardTimeoutError):
        return ApiError(504, "timeout", str(exc))
    if isinstance(exc, (BackendError, UnparseableOutputError)):
        return ApiError(502, "backend_error", str(exc))
    return ApiError(500, "internal_error", "unexpected server error")


class ServerState:
    def __init__(self, guard: Guard, config: ServerConfig) -> None:
        self.guard = guard
        self.config = config
        self.keys = ApiKeys(config.api_keys)
        self.body_limit = config.body_limit(guard.image_limits.max_bytes)
        self.batcher: MicroBatcher
        self.metrics = ServerMetrics(queue_depth=lambda: float(self.batcher.depth), on_scrape=self._gauges)
        self.batcher = MicroBatcher(
            guard.model,
            max_batch_size=config.max_batch_size,
            max_wait_ms=config.max_wait_ms,
            max_queue=config.max_queue,
            max_concurrent_batches=config.max_concurrent_batches,
            long_request_chars=config.long_request_chars,
            long_batch_chars=config.long_batch_chars,
            long_concurrent_batches=config.long_concurrent_batches,
            max_long_requests=config.max_long_requests,
            metrics=self.metrics,
        )
        # The Guard waits for each of its model calls before the next, and a call cut short by the
        # deadline returns nothing, so for the long lane it sends as many parts as one long-lane
        # call carries: then what was judged before a deadline still counts (an unsafe part).
        scheduled = ScheduledModel(guard.model, self.batcher)
        self.serving: dict[Lane, Guard] = {
            "short": serving_guard(guard, scheduled, guard.max_batch_size),
            "long": serving_guard(guard, scheduled, self.batcher.long_call_parts),
        }
        # Set when a stop signal arrives, before uvicorn stops taking connections, so health
        # checks fail and load balancers move traffic away while in-flight work finishes.
        self.draining = False

    def health(self) -> tuple[str, dict[str, Any]]:
        waits = {lane: self.batcher.head_wait(lane) for lane in LANES}
        if self.draining or self.batcher.closing:
            status = "draining"
        elif waits["short"] > self.config.overload_wait_s or waits["long"] > self.config.timeout_s / 2:
            status = "overloaded"
        else:
            status = "ok"
        return status, {
            "status": status,
            "model": self.guard.model_name,
            "version": __version__,
            "queue_depth": self.batcher.depth,
            "queue_wait_s": {lane: round(wait, 3) for lane, wait in waits.items()},
            "parts_in_flight": self.batcher.in_flight_parts,
            "long_requests": self.batcher.long_requests,
        }

    def _gauges(self) -> None:
        for lane in LANES:
            self.metrics.queued_parts.set(self.batcher.queued(lane), lane)
            self.metrics.head_wait.set(self.batcher.head_wait(lane), lane)
        self.metrics.parts_in_flight.set(self.batcher.in_flight_parts)
        self.metrics.long_requests.set(self.batcher.long_requests)

    def error_response(self, error: ApiError) -> Response:
        self.metrics.errors.inc(error.type)
        body = {
            "error": {"type": error.type, "message": error.message, "param": error.param, "code": error.type}
        }
        return Response(
            json.dumps(body, ensure_ascii=False),
            status_code=error.status,
            headers=error.headers,
            media_type="application/json",
        )


def serving_guard(guard: Guard, model: ScheduledModel, max_batch_size: int) -> Guard:
    """``guard`` judging through the batcher, raising where it cannot decide: the server then
    tells a timeout from an engine error and applies ``guard``'s own policy to each input."""
    serving = copy.copy(guard)
    serving.model = model
    serving.max_batch_size = max_batch_size
    serving.policy = guard.policy.model_copy(update={"on_error": "raise", "timeout_s": None})
    return serving


class _Instrument:
    """ASGI middleware: request counts, latency, in-flight gauge, and an echoed ``X-Request-ID``."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], state: ServerState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        metrics = self.state.metrics
        path = scope.get("path", "")
        endpoint = path if path in ENDPOINTS else "other"
        request_id = _request_id(scope)
        status = 500
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id)]
            await send(message)

        metrics.in_flight.add(1)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            metrics.in_flight.add(-1)
            metrics.requests.inc(endpoint, str(status))
            metrics.latency.observe(time.perf_counter() - start, endpoint)


def _request_id(scope: Scope) -> bytes:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            # Echo only what is safe in a header and a log line.
            if 0 < len(value) <= _MAX_REQUEST_ID and all(33 <= b < 127 for b in value):
                return bytes(value)
            break
    return uuid.uuid4().hex.encode()


def create_app(guard: Guard, config: ServerConfig | None = None) -> FastAPI:
    """The ASGI app serving ``guard``. Run it with uvicorn, or ``proguard serve``."""
    config = config or ServerConfig()
    state = ServerState(guard, config)

    @asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        await state.batcher.start()
        try:
            yield
        finally:
            state.draining = True
            await state.batcher.close(config.shutdown_grace_s)

    app = FastAPI(
        title="ProGuard",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.proguard = state

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> Response:
        return state.error_response(exc)

    @app.exception_handler(HTTPException)
    async def _http_error(_: Request, exc: HTTPException) -> Response:
        kinds = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}
        return state.error_response(
            ApiError(
                exc.status_code,
                kinds.get(exc.status_code, "http_error"),
                str(exc.detail),
                headers=dict(exc.headers or {}),
            )
        )

    @app.exception_handler(ProGuardError)
    @app.exception_handler(QueueFullError)
    @app.exception_handler(ShuttingDownError)
    async def _known_error(_: Request, exc: Exception) -> Response:
        return state.error_response(api_error_for(exc))

    # Anything else is a bug: starlette's outermost handler logs it and this answers 500 without
    # leaking the exception text.
    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> Response:
        return state.error_response(api_error_for(exc))

    def authorize(request: Request) -> None:
        if not state.keys.allows(presented_key(request.headers)):
            raise ApiError(
                401, "unauthorized", "missing or invalid API key", headers={"WWW-Authenticate": "Bearer"}
            )

    def accepting() -> None:
        if state.draining or state.batcher.closing:
            raise api_error_for(ShuttingDownError("the server is shutting down"))

    async def read_json(request: Request, deadline: float) -> Any:
        # A client trickling its body a byte at a time must not hold a connection forever.
        try:
            return await asyncio.wait_for(_read_json(request), max(deadline - time.monotonic(), 0.0))
        except asyncio.TimeoutError:
            raise ApiError(408, "request_timeout", "request body not received in time") from None

    async def _read_json(request: Request) -> Any:
        limit = state.body_limit
        declared = request.headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                raise ApiError(400, "invalid_json", "Content-Length is not a number")
            if int(declared) > limit:
                raise ApiError(
                    413, "body_too_large", f"request body is {declared} bytes; the limit is {limit}"
                )
        chunks, size = [], 0
        text_room, looked = config.text_body_bytes(), False
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:  # chunked uploads declare no length: count as they arrive
                raise ApiError(413, "body_too_large", f"request body is over the limit of {limit} bytes")
            chunks.append(chunk)
            if not looked and size > text_room:
                # Past the room the text limit needs, a body without an image field so far is
                # text over the limit: refuse now rather than read (and parse) megabytes more.
                looked = True
                if not _IMAGE_FIELD.search(b"".join(chunks)):
                    raise too_much_text(f"over {config.max_text_chars:,}")
        try:
            return json.loads(b"".join(chunks))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ApiError(400, "invalid_json", f"request body is not valid JSON: {exc}") from None
        except RecursionError:  # "[[[[..." nested deeper than the decoder's stack
            raise ApiError(400, "invalid_json", "request body is nested too deeply") from None

    def validated(model: type[Any], payload: Any) -> Any:
        try:
            return model.model_validate(payload)
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_input=False)
            first = errors[0] if errors else {"loc": (), "msg": "invalid"}
            param = ".".join(str(p) for p in first["loc"]) or None
            detail = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in errors[:5]
            )
            raise ApiError(422, "invalid_request", detail, param=param) from None

    def too_much_text(chars: str) -> ApiError:
        return ApiError(
            413,
            "text_too_large",
            f"the request has {chars} characters of text; this server checks at most "
            f"{config.max_text_chars:,} per request (--max-text-chars)",
        )

    def within_text_limit(chars: int) -> int:
        if chars > config.max_text_chars:
            raise too_much_text(f"{chars:,}")
        return chars

    async def judge(
        items: list[GuardInput], categories: list[str] | None, deadline: float, chars: int
    ) -> list[Verdict]:
        if categories is not None:
            guard.taxonomy.subset(categories)  # unknown ids: 400 now, not a failed batch later
        with state.batcher.flow(chars, len(items), deadline) as flow:
            serving = state.serving[flow.lane]
            budget = deadline - time.monotonic()
            # One Guard call per input, so that one input's timeout leaves the others' verdicts.
            # Their parts meet again in the batcher, which batches across inputs and requests.
            outcomes = await asyncio.gather(
                *(serving.acheck_batch([i], categories=categories, timeout_s=budget) for i in items),
                return_exceptions=True,
            )
        verdicts = [answer(item, outcome) for item, outcome in zip(items, outcomes, strict=True)]
        if any(isinstance(o, GuardTimeoutError) for o in outcomes):
            state.metrics.timeouts.inc(flow.lane)
        for verdict in verdicts:
            record(verdict)
        return verdicts

    def answer(item: GuardInput, outcome: list[Verdict] | BaseException) -> Verdict:
        if not isinstance(outcome, BaseException):
            return outcome[0]
        if isinstance(outcome, GuardTimeoutError):
            return failure_verdict(item, "timeout", outcome, f"no verdict within {config.timeout_s:g} s")
        parse_error_raised = (
            isinstance(outcome, UnparseableOutputError) and guard.policy.on_parse_error == "raise"
        )
        if isinstance(outcome, (InputError, ShuttingDownError)) or parse_error_raised:
            raise api_error_for(outcome)
        if isinstance(outcome, ProGuardError):
            return failure_verdict(item, "error", outcome, str(outcome))
        raise outcome

    def failure_verdict(item: GuardInput, reason: str, error: ProGuardError, message: str) -> Verdict:
        # The guard's own failure policy decides, so a timeout is treated like any engine error.
        action = guard.policy.on_error
        if action == "raise":
            raise ApiError(504, "timeout", message) if reason == "timeout" else api_error_for(error)
        safe = action == "allow"
        return Verdict(
            safe=safe,
            error=message,
            policy=f"{'fail_open' if safe else 'fail_closed'}:{reason}",
            modality=item.modality,
            model=guard.model_name,
        )

    def record(verdict: Verdict) -> None:
        state.metrics.verdicts.inc("true" if verdict.unsafe else "false")
        if verdict.unsafe:
            for category in verdict.categories or ():
                state.metrics.flagged.inc(category.id or "ood")
            if not verdict.categories:
                state.metrics.flagged.inc("none")

    async def to_inputs(build: Callable[[], Any], has_images: bool) -> Any:
        try:
            # Image headers are parsed and verified: keep that off the event loop.
            return await asyncio.to_thread(build) if has_images else build()
        except ProGuardError as exc:
            raise api_error_for(exc) from None
        except ValidationError as exc:
            raise ApiError(400, "invalid_input", str(exc)) from None

    @app.post("/v1/moderations")
    async def moderations(request: Request) -> Response:
        deadline = time.monotonic() + config.timeout_s
        authorize(request)
        accepting()
        body: ModerationRequest = validated(ModerationRequest, await read_json(request, deadline))
        chars = within_text_limit(text_chars(body))
        count = (
            len(body.input)
            if isinstance(body.input, list) and body.input and isinstance(body.input[0], str)
            else 1
        )
        if count > config.max_inputs_per_request:
            raise ApiError(
                422,
                "invalid_request",
                f"{count} inputs; the limit is {config.max_inputs_per_request}",
                param="input",
            )
        images = [p for p in body.input if not isinstance(p, str)] if isinstance(body.input, list) else []
        image_count = sum(1 for p in images if getattr(p, "type", "") == "image_url")
        if image_count > config.max_images_per_input:
            raise ApiError(
                422,
                "invalid_request",
                f"{image_count} images; the limit is {config.max_images_per_input}",
                param="input",
            )
        entries = await to_inputs(lambda: moderation_inputs(body, guard.image_limits), image_count > 0)
        to_check = [item for item, _ in entries if item is not None]
        verdicts = iter(await judge(to_check, None, deadline, chars) if to_check else [])
        results = [
            empty_result() if item is None else moderation_result(next(verdicts), types)
            for item, types in entries
        ]
        payload = {"id": f"modr-{uuid.uuid4().hex}", "model": guard.model_name, "results": results}
        return JSONResponse(payload)

    @app.post("/v1/check")
    async def check(request: Request) -> Response:
        deadline = time.monotonic() + config.timeout_s
        authorize(request)
        accepting()
        body: CheckRequest = validated(CheckRequest, await read_json(request, deadline))
        chars = within_text_limit(text_chars(body))
        if len(body.images) > config.max_images_per_input:
            raise ApiError(
                422,
                "invalid_request",
                f"{len(body.images)} images; the limit is {config.max_images_per_input}",
                param="images",
            )
        item = await to_inputs(lambda: check_input(body, guard.image_limits), bool(body.images))
        verdict = (await judge([item], body.categories, deadline, chars))[0]
        return Response(verdict.model_dump_json(), media_type="application/json")

    @app.get("/healthz")
    async def healthz() -> Response:
        """Readiness: 503 while draining or overloaded, so a balancer sends traffic elsewhere."""
        status, body = state.health()
        return JSONResponse(body, status_code=200 if status == "ok" else 503)

    @app.get("/livez")
    async def livez() -> Response:
        """Liveness: the process answers. An overloaded server is alive; restarting it helps nobody."""
        return JSONResponse({"status": "alive", "version": __version__})

    @app.get("/metrics")
    async def metrics(request: Request) -> Response:
        authorize(request)
        return PlainTextResponse(state.metrics.exposition(), media_type=CONTENT_TYPE)

    app.add_middleware(_Instrument, state=state)
    return app


__all__ = ["ENDPOINTS", "ApiError", "ServerState", "api_error_for", "create_app"]
