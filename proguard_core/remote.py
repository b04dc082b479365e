"""A guard that runs elsewhere: a client for the ``proguard serve`` HTTP API (``POST /v1/check``).

    guard = load_guard("proguard:http://127.0.0.1:8000")                 # or with api_key="..."
    guard.check("How do I pick a lock?")                                 # sync or await acheck()

The server holds the model and splits long text itself, so this model asks for no splitting
(``max_text_chars`` is None); the client Guard still splits multi-image turns into one request per
image. Errors keep their meaning across the wire: a 400 for a bad image raises the same
``ImageError`` subclass a local guard raises, while an unreachable, overloaded or failing server is a
:class:`BackendError`, which the client's :class:`~proguard_core.Policy` turns into a fail-closed
verdict by default. 429 and 503 are retried a few times with backoff (honouring Retry-After).
Category subsets travel as ids, so custom categories must exist in the server's taxonomy.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

from proguard_core._lazy import require
from proguard_core.errors import (
    BackendError,
    GuardTimeoutError,
    ImageTooLargeError,
    InputError,
    ProGuardError,
    RemoteImageRefusedError,
    TaxonomyError,
    UnsupportedImageError,
)
from proguard_core.models.base import ModelRequest
from proguard_core.types import Verdict

API_KEY_ENV = "PROGUARD_API_KEY"
_RETRY_STATUS = frozenset({429, 503})
_MAX_RETRY_AFTER_S = 5.0
_INPUT_ERRORS: dict[str, type[InputError]] = {
    "image_too_large": ImageTooLargeError,
    "unsupported_image": UnsupportedImageError,
    "remote_image_refused": RemoteImageRefusedError,
    "unknown_category": TaxonomyError,
}


class RemoteGuardModel:
    """:class:`~proguard_core.models.base.GuardModel` over HTTP. Thread-safe; one client per mode."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 2,
        max_concurrency: int = 16,
        transport: Any = None,
        async_transport: Any = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise InputError(f"ProGuard server URL must start with http:// or https://, got {url!r}")
        if max_concurrency < 1 or max_retries < 0:
            raise ValueError("max_concurrency must be at least 1 and max_retries not negative")
        self.url = url.rstrip("/")
        self.api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.max_concurrency = max_concurrency
        # Test hooks: httpx.MockTransport / ASGITransport instead of the network.
        self._transport = transport
        self._async_transport = async_transport
        self._client: Any = None
        self._async_client: Any = None
        self._async_loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"proguard:{self.url}"

    @property
    def max_text_chars(self) -> int | None:
        return None

    def __repr__(self) -> str:
        return f"RemoteGuardModel({self.url!r})"

    # --- GuardModel -------------------------------------------------------------------------

    def predict(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        client = self._sync_client()
        if len(requests) <= 1:
            return [self._post_sync(client, r) for r in requests]
        # The server batches concurrent requests, so send a batch's parts side by side.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(
            min(self.max_concurrency, len(requests)), thread_name_prefix="proguard-remote"
        ) as pool:
            return list(pool.map(lambda r: self._post_sync(client, r), requests))

    async def apredict(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        client = self._async_client_get()
        limit = asyncio.Semaphore(self.max_concurrency)

        async def one(request: ModelRequest) -> Verdict:
            async with limit:
                return await self._post_async(client, request)

        return list(await asyncio.gather(*(one(r) for r in requests)))

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
            async_client, self._async_client = self._async_client, None
        if client is not None:
            client.close()
        if async_client is not None:
            # Its connections belong to the loop that opened them; close there if it still runs.
            loop = self._async_loop
            if loop is not None and loop.is_running() and not loop.is_closed():
                asyncio.run_coroutine_threadsafe(async_client.aclose(), loop)

    async def aclose(self) -> None:
        with self._lock:
            async_client, self._async_client = self._async_client, None
        if async_client is not None:
            await async_client.aclose()
        self.close()

    # --- HTTP -------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def _sync_client(self) -> Any:
        httpx = require("httpx", "server")
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(
                    base_url=self.url,
                    headers=self._headers(),
                    timeout=self.timeout_s,
                    transport=self._transport,
                )
            return self._client

    def _async_client_get(self) -> Any:
        httpx = require("httpx", "server")
        loop = asyncio.get_running_loop()
        with self._lock:
            # A client's pooled connections are tied to one event loop (asyncio.run makes a new one).
            if self._async_client is None or self._async_loop is not loop:
                self._async_loop = loop
                self._async_client = httpx.AsyncClient(
                    base_url=self.url,
                    headers=self._headers(),
                    timeout=self.timeout_s,
                    transport=self._async_transport,
                    limits=httpx.Limits(max_connections=self.max_concurrency),
                )
            return self._async_client

    def _post_sync(self, client: Any, request: ModelRequest) -> Verdict:
        httpx = require("httpx", "server")
        payload = request_body(request)
        for attempt in range(self.max_retries + 1):
            try:
                reply = client.post("/v1/check", json=payload)
            except httpx.TimeoutException:
                raise GuardTimeoutError(f"{self.url} gave no verdict within {self.timeout_s} s") from None
            except httpx.HTTPError as exc:
                raise BackendError(f"cannot reach ProGuard server {self.url}: {exc}") from None
            delay = self._retry_delay(reply, attempt)
            if delay is None:
                return verdict_from_reply(reply.status_code, reply.content, self.url)
            time.sleep(delay)
        raise AssertionError("unreachable")

    async def _post_async(self, client: Any, request: ModelRequest) -> Verdict:
        httpx = require("httpx", "server")
        payload = request_body(request)
        for attempt in range(self.max_retries + 1):
            try:
                reply = await client.post("/v1/check", json=payload)
            except httpx.TimeoutException:
                raise GuardTimeoutError(f"{self.url} gave no verdict within {self.timeout_s} s") from None
            except httpx.HTTPError as exc:
                raise BackendError(f"cannot reach ProGuard server {self.url}: {exc}") from None
            delay = self._retry_delay(reply, attempt)
            if delay is None:
                return verdict_from_reply(reply.status_code, reply.content, self.url)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    def _retry_delay(self, reply: Any, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None to take this reply as final."""
        if reply.status_code not in _RETRY_STATUS or attempt >= self.max_retries:
            return None
        try:
            hinted = float(reply.headers.get("retry-after", ""))
        except ValueError:
            hinted = 0.0
        return min(max(hinted, 0.05 * 2**attempt), _MAX_RETRY_AFTER_S)


def request_body(request: ModelRequest) -> dict[str, Any]:
    """The ``/v1/check`` JSON for one prepared request."""
    item = request.input
    body: dict[str, Any] = {
        "prompt": item.prompt,
        "response": item.response,
        "images": [image.data_url() for image in item.images],
        "history": [{"role": t.role, "text": t.text} for t in item.history],
    }
    if request.provided != request.taxonomy:
        body["categories"] = list(request.provided.ids)
    return body


def verdict_from_reply(status: int, content: bytes, url: str) -> Verdict:
    """A Verdict from a 200, or the exception a local guard would raise for the same failure."""
    if status == 200:
        try:
            return Verdict.model_validate_json(content)
        except ValueError as exc:
            raise BackendError(f"{url} answered 200 with no readable verdict: {str(exc)[:200]}") from None
    error_type, message = _error_fields(content)
    detail = f"{url} answered {status} ({error_type}): {message}"
    error: ProGuardError
    if status in (400, 413, 422):
        error = _INPUT_ERRORS.get(error_type, InputError)(detail)
    elif status == 504:
        error = GuardTimeoutError(detail)
    else:  # 401, 429 after retries, 5xx: the service failed, not the content
        error = BackendError(detail)
    raise error


def _error_fields(content: bytes) -> tuple[str, str]:
    import json

    try:
        error = json.loads(content)["error"]
        return str(error.get("type", "unknown")), str(error.get("message", ""))[:300]
    except (ValueError, KeyError, TypeError, AttributeError):
        return "unknown", content[:300].decode("utf-8", "replace")


__all__ = ["API_KEY_ENV", "RemoteGuardModel", "request_body", "verdict_from_reply"]
