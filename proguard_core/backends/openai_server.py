"""Any OpenAI-compatible chat-completions server (``vllm serve``, SGLang, TGI, a proxy...).

    guard = load_guard(backend="openai", model="ProGuard-7B", base_url="http://127.0.0.1:8000/v1")

Images travel inline as ``data:`` URLs in ``image_url`` parts, so the server never fetches
anything. Connection failures, 429 and 5xx are retried with exponential backoff; other 4xx are
the caller's mistake and are not. The async path uses ``httpx.AsyncClient`` (no threads), bounded
by ``max_concurrency`` requests in flight, which is also the sync path's thread-pool width.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Sequence
from typing import Any

from proguard_core._lazy import require
from proguard_core.backends.base import Conversation, GenerationParams, data_url_part, to_chat_dicts
from proguard_core.errors import BackendError, GuardTimeoutError

_RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
_BODY_EXCERPT_CHARS = 300
# A server's Retry-After is honoured, within reason: a guard must not sleep for minutes.
_MAX_RETRY_AFTER_S = 10.0


class OpenAIServerBackend:
    """Chat completions over HTTP. ``model`` is the name the server knows the checkpoint by."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str = "http://127.0.0.1:8000/v1",
        api_key: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        max_concurrency: int = 16,
        extra_body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self._httpx = require("httpx", "openai")
        self._model = model
        self.base_url = base_url.rstrip("/")
        self.url = f"{self.base_url}/chat/completions"
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_concurrency = max_concurrency
        # Server-specific request fields, e.g. {"chat_template_kwargs": ...} or vLLM's
        # {"mm_processor_kwargs": {"max_pixels": ...}}.
        self.extra_body = dict(extra_body or {})
        self._headers = {"Content-Type": "application/json", **(headers or {})}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._client: Any = None
        self._client_lock = threading.Lock()
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        # An AsyncClient belongs to the event loop that first used it; keep one per loop.
        self._async_clients: dict[asyncio.AbstractEventLoop, tuple[Any, asyncio.Semaphore]] = {}

    @property
    def model_name(self) -> str:
        return self._model

    # --- request building -------------------------------------------------------------------------

    def request_body(self, conversation: Conversation, params: GenerationParams) -> dict[str, Any]:
        """The JSON body for one conversation (public so callers and tests can inspect it)."""
        return {
            "model": self._model,
            "messages": to_openai_messages(conversation),
            "max_tokens": params.max_new_tokens,
            "temperature": params.temperature,
            **self.extra_body,
        }

    # --- sync -------------------------------------------------------------------------------------

    def generate(self, conversations: Sequence[Conversation], params: GenerationParams) -> list[str]:
        bodies = [self.request_body(c, params) for c in conversations]
        if len(bodies) == 1:
            return [self._post_sync(bodies[0])]
        pool = self._thread_pool()
        return list(pool.map(self._post_sync, bodies))

    def _sync_client(self) -> Any:
        with self._client_lock:
            if self._client is None:
                httpx = self._httpx
                self._client = httpx.Client(
                    timeout=self.timeout_s,
                    headers=self._headers,
                    limits=httpx.Limits(max_connections=self.max_concurrency),
                )
            return self._client

    def _thread_pool(self) -> concurrent.futures.ThreadPoolExecutor:
        with self._client_lock:
            if self._pool is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(
                    self.max_concurrency, thread_name_prefix="proguard-openai"
                )
            return self._pool

    def _post_sync(self, body: dict[str, Any]) -> str:
        client = self._sync_client()
        attempt = 0
        while True:
            try:
                reply = client.post(self.url, json=body)
            except self._httpx.HTTPError as exc:
                delay = self._retry_delay(attempt, exc, None)
                if delay is None:
                    raise self._transport_error(exc) from exc
            else:
                delay = self._retry_delay(attempt, None, reply)
                if delay is None:
                    return self._completion_text(reply)
            time.sleep(delay)
            attempt += 1

    # --- async ------------------------------------------------------------------------------------

    async def agenerate(self, conversations: Sequence[Conversation], params: GenerationParams) -> list[str]:
        bodies = [self.request_body(c, params) for c in conversations]
        client, semaphore = self._async_client()

        async def one(body: dict[str, Any]) -> str:
            async with semaphore:
                return await self._post_async(client, body)

        return list(await asyncio.gather(*(one(b) for b in bodies)))

    def _async_client(self) -> tuple[Any, asyncio.Semaphore]:
        loop = asyncio.get_running_loop()
        # Loops that have closed (each asyncio.run() makes a new one) can never be used again.
        for stale in [other for other in self._async_clients if other.is_closed()]:
            del self._async_clients[stale]
        entry = self._async_clients.get(loop)
        if entry is None:
            httpx = self._httpx
            client = httpx.AsyncClient(
                timeout=self.timeout_s,
                headers=self._headers,
                limits=httpx.Limits(max_connections=self.max_concurrency),
            )
            entry = (client, asyncio.Semaphore(self.max_concurrency))
            self._async_clients[loop] = entry
        return entry

    async def _post_async(self, client: Any, body: dict[str, Any]) -> str:
        attempt = 0
        while True:
            try:
                reply = await client.post(self.url, json=body)
            except self._httpx.HTTPError as exc:
                delay = self._retry_delay(attempt, exc, None)
                if delay is None:
                    raise self._transport_error(exc) from exc
            else:
                delay = self._retry_delay(attempt, None, reply)
                if delay is None:
                    return self._completion_text(reply)
            await asyncio.sleep(delay)
            attempt += 1

    async def aclose(self) -> None:
        """Close the async client of the running loop and the sync resources."""
        entry = self._async_clients.pop(asyncio.get_running_loop(), None)
        if entry is not None:
            await entry[0].aclose()
        self.close()

    def close(self) -> None:
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None
            if self._pool is not None:
                self._pool.shutdown(wait=False)
                self._pool = None

    # --- shared policy ----------------------------------------------------------------------------

    def _retry_delay(self, attempt: int, error: BaseException | None, reply: Any) -> float | None:
        """Seconds to wait before the next try, or None when this outcome is final."""
        httpx = self._httpx
        if error is not None:
            # Only failures before the request reached the server are safe and useful to repeat;
            # a read timeout means the server is busy with it, and repeating doubles the wait.
            retryable = isinstance(
                error, (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError)
            )
        else:
            retryable = reply.status_code in _RETRY_STATUS
        if not retryable or attempt >= self.max_retries:
            return None
        delay = self.backoff_s * (2**attempt)
        if reply is not None:
            retry_after = _seconds(reply.headers.get("retry-after"))
            if retry_after is not None:
                delay = max(delay, min(retry_after, _MAX_RETRY_AFTER_S))
        return float(delay)

    def _transport_error(self, exc: BaseException) -> BackendError:
        httpx = self._httpx
        if isinstance(exc, httpx.TimeoutException):
            return GuardTimeoutError(f"{self.url}: no reply within {self.timeout_s} s ({type(exc).__name__})")
        return BackendError(f"{self.url}: {type(exc).__name__}: {exc}")

    def _completion_text(self, reply: Any) -> str:
        if reply.status_code >= 400:
            excerpt = " ".join(reply.text[:_BODY_EXCERPT_CHARS].split())
            raise BackendError(f"{self.url} returned HTTP {reply.status_code}: {excerpt}")
        try:
            message = reply.json()["choices"][0]["message"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            excerpt = " ".join(reply.text[:_BODY_EXCERPT_CHARS].split())
            raise BackendError(f"{self.url}: not a chat completion ({exc!r}): {excerpt}") from None
        content = message.get("content") or ""
        # Servers run with a reasoning parser move <think> text out of the content; put it back
        # so the verdict keeps the model's reasoning and the output stays in the trained format.
        reasoning = message.get("reasoning_content") or message.get("reasoning")
        if reasoning and "<think>" not in content:
            content = f"<think>{reasoning}</think>\n{content.lstrip()}"
        if not content:
            raise BackendError(f"{self.url}: the completion has no content")
        return str(content)


def to_openai_messages(conversation: Conversation) -> list[dict[str, Any]]:
    """Our chat messages as OpenAI chat messages, images inline as data URLs."""
    return to_chat_dicts(conversation, data_url_part)


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None  # an HTTP date: rare from inference servers, not worth parsing


__all__ = ["OpenAIServerBackend", "to_openai_messages"]
