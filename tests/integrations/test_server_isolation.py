"""One client's huge inputs must not stall everyone else (issue 22), with a fake slow model.

Each failure quoted in the issue is reproduced here at test scale: the model sleeps a fixed time
per part instead of computing, so the budgets (size, deadline, cancellation, health under
overload) are checked in seconds. Before the fix, the head-of-line, cancellation and health tests
failed: a short request waited for a huge one's every part, expired work ran to its end, and
``/healthz`` said "ok" with requests stuck in the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from proguard_core import Guard, Policy, Verdict
from proguard_core.models.base import ModelRequest
from proguard_integrations.server import ServerConfig, create_app

pytest.importorskip("fastapi")

PART = 100  # characters per model part


class SlowParts:
    """A GuardModel that takes ``delay_s`` per part, counts what it starts, and can be held
    at a gate. Texts containing "bomb" are unsafe."""

    name = "slow-parts"
    max_text_chars = PART

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.gate = threading.Event()
        self.gate.set()
        self.calls = 0
        self.texts: list[str] = []
        self._lock = threading.Lock()

    @property
    def parts(self) -> int:
        return len(self.texts)

    def predict(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        with self._lock:
            self.calls += 1
            self.texts += [r.input.prompt or "" for r in requests]
        self.gate.wait(10)
        time.sleep(self.delay_s * len(requests))
        return [
            Verdict(safe=False, request="unsafe")
            if "bomb" in (r.input.prompt or "")
            else Verdict(safe=True, request="safe")
            for r in requests
        ]

    async def apredict(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        return await asyncio.to_thread(self.predict, requests)


@asynccontextmanager
async def serve(
    model: SlowParts, policy: Policy | None = None, **config: Any
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Guard(model, policy=policy, overlap_chars=0), ServerConfig(**config))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://proguard.test", timeout=30
        ) as client:
            yield client


def long_text(parts: int) -> str:
    """Harmless text the Guard splits into ``parts`` parts of PART characters."""
    return "word " * (PART * parts // 5)


def check(client: httpx.AsyncClient, prompt: str) -> Any:
    return client.post("/v1/check", json={"prompt": prompt})


# --- size -------------------------------------------------------------------------------------


async def test_text_over_the_limit_is_413_before_any_work() -> None:
    model = SlowParts()
    async with serve(model, max_text_chars=1_000) as client:
        huge = await check(client, "x" * 10_000_000)
        over = await check(client, "x" * 5_000)
        at_limit = await check(client, "y" * 1_000)
        listed = await client.post("/v1/moderations", json={"input": ["z" * 600, "z" * 600]})
        history = await client.post(
            "/v1/check", json={"prompt": "hi", "history": [{"role": "user", "text": "h" * 999}]}
        )
    assert huge.status_code == 413
    assert huge.json()["error"]["type"] == "text_too_large"  # refused before most of it was read
    error = over.json()["error"]
    assert over.status_code == 413 and error["type"] == "text_too_large"
    assert "has 5,000 characters" in error["message"] and "at most 1,000" in error["message"]
    assert at_limit.status_code == 200
    # The limit is per request: the inputs of a list and the history turns count together.
    assert listed.status_code == 413 and history.status_code == 413
    assert model.texts == ["y" * 100] * 10  # only the request at the limit reached the model


def test_the_default_body_limit_follows_the_text_limit() -> None:
    config = ServerConfig(max_text_chars=1_000)
    # 12 bytes per character (an escaped surrogate pair), 64 KiB of JSON, one image as base64.
    assert config.text_body_bytes() == 12_000 + 64 * 1024
    assert config.body_limit(image_bytes=3_000) == 12_000 + 64 * 1024 + 4_000
    assert ServerConfig(max_text_chars=1_000, max_body_bytes=10).body_limit(3_000) == 10
    with pytest.raises(ValueError, match="max_text_chars"):
        ServerConfig(max_text_chars=0)


async def test_a_body_over_the_derived_limit_is_413_unread() -> None:
    model = SlowParts()
    async with serve(model, max_text_chars=1_000) as client:
        limit = client._transport.app.state.proguard.body_limit  # type: ignore[attr-defined]
        reply = await client.post(
            "/v1/check",
            content=b"{}",
            headers={"Content-Length": str(limit + 1), "Content-Type": "application/json"},
        )
    assert reply.status_code == 413 and reply.json()["error"]["type"] == "body_too_large"


async def test_a_text_only_body_past_the_texts_room_is_refused_before_the_rest_is_read() -> None:
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"prompt": "'
        for _ in range(1_000):  # 10 MB in all
            sent += 1
            yield b"x" * 10_000
        yield b'"}'

    async with serve(SlowParts(), max_text_chars=1_000) as client:
        reply = await client.post("/v1/check", content=body())
    assert reply.status_code == 413 and reply.json()["error"]["type"] == "text_too_large"
    assert "over 1,000 characters" in reply.json()["error"]["message"]
    assert sent < 20  # about 77 KB of the 10 MB were read


async def test_a_body_with_an_image_may_pass_the_texts_room() -> None:
    import base64
    import io
    import random

    from PIL import Image

    noise = random.Random(0).randbytes(160 * 160 * 3)  # incompressible: a PNG of about 77 KB
    buffer = io.BytesIO()
    Image.frombytes("RGB", (160, 160), noise).save(buffer, format="PNG")
    image = base64.b64encode(buffer.getvalue()).decode()
    model = SlowParts()
    async with serve(model, max_text_chars=1_000) as client:
        room = ServerConfig(max_text_chars=1_000).text_body_bytes()
        assert len(image) > room
        reply = await client.post("/v1/check", json={"prompt": "what is this?", "images": [image]})
        parts = [{"type": "text", "text": "and this?"}, {"type": "image_url", "image_url": {"url": image}}]
        moderation = await client.post("/v1/moderations", json={"input": parts})
    assert reply.status_code == 200 and moderation.status_code == 200
    assert model.parts == 2


# --- head-of-line blocking --------------------------------------------------------------------


async def test_a_short_request_is_not_queued_behind_a_huge_ones_parts() -> None:
    model = SlowParts(delay_s=0.02)  # 100 parts: 2 s of work
    async with serve(model, max_text_chars=100_000) as client:
        huge = asyncio.create_task(check(client, long_text(100)))
        await asyncio.sleep(0.2)  # the huge request is being judged
        started = time.monotonic()
        short = await check(client, "What is the capital of France?")
        waited = time.monotonic() - started
        assert not huge.done()  # answered while the huge request still runs
        assert (await huge).status_code == 200
    verdict = Verdict.model_validate_json(short.content)
    assert verdict.safe and verdict.policy is None
    assert waited < 1.0  # it ran beside the huge one, not after its remaining ~1.8 s


async def test_of_two_long_requests_the_one_with_less_left_goes_first() -> None:
    model = SlowParts(delay_s=0.02)
    async with serve(model, max_text_chars=100_000) as client:
        huge = asyncio.create_task(check(client, long_text(100)))
        await asyncio.sleep(0.2)
        medium = asyncio.create_task(check(client, long_text(5)))
        done, _ = await asyncio.wait({huge, medium}, return_when=asyncio.FIRST_COMPLETED)
        assert done == {medium}
        await huge


async def test_full_long_lane_answers_429_with_retry_after_and_short_requests_pass() -> None:
    model = SlowParts(delay_s=0.02)
    async with serve(model, max_text_chars=100_000, max_long_requests=1, timeout_s=5) as client:
        first = asyncio.create_task(check(client, long_text(50)))
        await asyncio.sleep(0.1)
        refused = await check(client, long_text(50))
        short = await check(client, "hello")
        await first
    assert refused.status_code == 429
    assert refused.json()["error"]["type"] == "queue_full"
    assert 1 <= int(refused.headers["retry-after"]) <= 5  # by the running request's deadline
    assert short.status_code == 200


async def test_a_long_request_that_could_not_make_its_deadline_behind_others_gets_429_at_once() -> None:
    model = SlowParts(delay_s=0.02)  # 5,000 characters a second
    async with serve(model, max_text_chars=100_000, timeout_s=1.0) as client:
        first = asyncio.create_task(check(client, long_text(30)))  # 0.6 s of work
        await asyncio.sleep(0.2)  # the lane's pace is known; about 2,000 characters are left
        started = time.monotonic()
        refused = await check(client, long_text(40))  # 2,000 + 4,000 characters: 1.2 s > 1 s
        waited = time.monotonic() - started
        alone = await first
        lone = await check(client, long_text(80))  # nobody ahead: tried, though it cannot fit
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
    assert "large requests ahead" in refused.json()["error"]["message"]
    assert waited < 0.5
    assert alone.status_code == 200 and Verdict.model_validate_json(alone.content).policy is None
    assert Verdict.model_validate_json(lone.content).policy == "fail_closed:timeout"


async def test_before_the_long_lane_has_a_pace_it_admits_one_request_per_slot() -> None:
    model = SlowParts(delay_s=0.02)
    async with serve(model, max_text_chars=100_000) as client:
        first = asyncio.create_task(check(client, long_text(10)))
        await asyncio.sleep(0.01)  # admitted, its first part not judged yet
        second = await check(client, long_text(10))
        await first
        third = await check(client, long_text(10))  # the pace is known now, and nobody is ahead
    assert second.status_code == 429 and second.headers["retry-after"] == "1"
    assert third.status_code == 200


# --- deadlines and cancellation ---------------------------------------------------------------


async def test_expired_work_stops_instead_of_running_to_its_end() -> None:
    model = SlowParts(delay_s=0.02)  # 200 parts: 4 s of work, in calls of one part
    async with serve(model, max_text_chars=100_000, timeout_s=0.5) as client:
        started = time.monotonic()
        reply = await check(client, long_text(200))
        answered = time.monotonic() - started
        calls_then = model.calls
        await asyncio.sleep(0.5)
        metrics = (await client.get("/metrics")).text
    verdict = Verdict.model_validate_json(reply.content)
    assert not verdict.safe and verdict.policy == "fail_closed:timeout"
    assert verdict.error == "no verdict within 0.5 s"
    assert answered < 1.5
    assert model.calls <= calls_then + 1  # at most the call running at the deadline finishes
    assert model.parts < 60  # of 200
    assert 'proguard_timeouts_total{lane="long"} 1' in metrics


async def test_a_request_queued_past_its_deadline_is_answered_without_running() -> None:
    model = SlowParts()
    model.gate.clear()  # the model is stuck on the first call
    async with serve(model, timeout_s=0.3, max_wait_ms=0) as client:
        blocker = asyncio.create_task(check(client, "first"))
        await asyncio.sleep(0.1)
        queued = await check(client, "second")
        model.gate.set()
        await blocker
        metrics = (await client.get("/metrics")).text
    verdict = Verdict.model_validate_json(queued.content)
    assert verdict.policy == "fail_closed:timeout" and not verdict.safe
    assert model.texts == ["first"]
    assert 'proguard_cancelled_parts_total{reason="abandoned"} 1' in metrics
    assert 'proguard_timeouts_total{lane="short"} 2' in metrics  # the blocked one timed out too


async def test_timeout_with_allow_policy_fails_open_and_raise_is_504() -> None:
    model = SlowParts(delay_s=0.02)
    async with serve(model, Policy(on_error="allow"), max_text_chars=100_000, timeout_s=0.2) as client:
        allowed = Verdict.model_validate_json((await check(client, long_text(50))).content)
    assert allowed.safe and allowed.policy == "fail_open:timeout"
    async with serve(model, Policy(on_error="raise"), max_text_chars=100_000, timeout_s=0.2) as client:
        raised = await check(client, long_text(50))
    assert raised.status_code == 504 and raised.json()["error"]["type"] == "timeout"


async def test_an_unsafe_part_found_before_the_deadline_decides() -> None:
    model = SlowParts(delay_s=0.02)
    async with serve(model, Policy(on_error="allow"), max_text_chars=100_000, timeout_s=0.3) as client:
        reply = await check(client, "bomb " + long_text(100))
    verdict = Verdict.model_validate_json(reply.content)
    assert not verdict.safe and verdict.request == "unsafe"


# --- health and metrics -----------------------------------------------------------------------


async def test_health_reports_overload_when_the_queue_waits_too_long() -> None:
    model = SlowParts()
    model.gate.clear()
    async with serve(model, overload_wait_s=0.2, max_wait_ms=0, max_batch_size=1) as client:
        assert (await client.get("/healthz")).status_code == 200
        stuck = [asyncio.create_task(check(client, f"prompt {i}")) for i in range(5)]
        await asyncio.sleep(0.4)
        health = await client.get("/healthz")
        live = await client.get("/livez")
        metrics = (await client.get("/metrics")).text
        model.gate.set()
        await asyncio.gather(*stuck)
        recovered = await client.get("/healthz")
    assert health.status_code == 503
    body = health.json()
    assert body["status"] == "overloaded"
    assert body["queue_wait_s"]["short"] >= 0.2 and body["queue_depth"] == 4
    assert body["parts_in_flight"] == 1
    assert live.status_code == 200  # overloaded is not dead: no restart for it
    assert 'proguard_queued_parts{lane="short"} 4' in metrics
    assert "proguard_parts_in_flight 1" in metrics
    assert recovered.status_code == 200 and recovered.json()["status"] == "ok"


async def test_metrics_show_queue_wait_per_lane() -> None:
    model = SlowParts(delay_s=0.001)
    async with serve(model, max_text_chars=100_000) as client:
        _, long_reply = await asyncio.gather(check(client, "short"), check(client, long_text(5)))
        text = (await client.get("/metrics")).text
    parts = Verdict.model_validate_json(long_reply.content).parts
    assert parts >= 5
    assert 'proguard_queue_wait_seconds_count{lane="short"} 1' in text
    assert f'proguard_queue_wait_seconds_count{{lane="long"}} {parts}' in text
    assert "# TYPE proguard_cancelled_parts_total counter" in text
    assert "# TYPE proguard_timeouts_total counter" in text


# --- the batcher's own bookkeeping ------------------------------------------------------------


async def test_a_client_that_leaves_has_its_queued_parts_withdrawn() -> None:
    from proguard_core import default_taxonomy
    from proguard_core.types import GuardInput
    from proguard_integrations.server.batcher import MicroBatcher, ScheduledModel
    from proguard_integrations.server.metrics import ServerMetrics

    model = SlowParts()
    model.gate.clear()
    metrics = ServerMetrics()
    batcher = MicroBatcher(model, max_batch_size=1, max_wait_ms=0, metrics=metrics)
    scheduled = ScheduledModel(model, batcher)
    await batcher.start()
    taxonomy = default_taxonomy()

    def request(text: str) -> ModelRequest:
        return ModelRequest(GuardInput(prompt=text), taxonomy, taxonomy)

    async def call(text: str) -> list[Verdict]:
        with batcher.flow(len(text), 1, time.monotonic() + 10):
            return await scheduled.apredict([request(text)])

    first = asyncio.create_task(call("first"))
    await asyncio.sleep(0.1)
    gone = asyncio.create_task(call("gone"))
    await asyncio.sleep(0.1)
    assert batcher.depth == 1
    gone.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await gone
    assert batcher.depth == 0
    model.gate.set()
    assert (await first)[0].safe
    await batcher.close(1)
    assert model.texts == ["first"]
    assert metrics.cancelled_parts.value("abandoned") == 1


async def test_shutdown_lets_a_long_request_in_progress_finish() -> None:
    model = SlowParts(delay_s=0.01)
    async with serve(model, max_text_chars=100_000) as client:
        state = client._transport.app.state.proguard  # type: ignore[attr-defined]
        running = asyncio.create_task(check(client, long_text(30)))
        await asyncio.sleep(0.1)
        closing = asyncio.create_task(state.batcher.close(10))
        await asyncio.sleep(0.05)
        late = await check(client, "too late")
        reply = await running
        await closing
    assert late.status_code == 503
    verdict = Verdict.model_validate_json(reply.content)
    assert reply.status_code == 200 and verdict.safe and verdict.parts >= 30


def test_the_new_flags_reach_the_config() -> None:
    from proguard_integrations.server.cli import build_parser, config_from_arguments

    flags = ["--max-text-chars", "1234", "--max-long-requests", "2", "--overload-wait-s", "0.5"]
    config = config_from_arguments(build_parser().parse_args([*flags, "--long-batch-chars", "8000"]))
    assert (config.max_text_chars, config.max_long_requests, config.overload_wait_s) == (1234, 2, 0.5)
    assert (config.long_batch_chars, config.long_request_chars, config.max_body_bytes) == (8000, None, None)
    assert config.long_concurrent_batches == 1
