"""OpenAIServerBackend over real HTTP against the shipped test server (uvicorn on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("httpx")
pytest.importorskip("uvicorn")
pytest.importorskip("starlette")

from proguard_core import (
    BackendError,
    GuardInput,
    GuardTimeoutError,
    MissingDependencyError,
    Policy,
    format_output,
    load_guard,
)
from proguard_core.backends.base import GenerationParams
from proguard_core.backends.fake import FakeBackend
from proguard_core.backends.openai_server import OpenAIServerBackend, to_openai_messages
from proguard_core.prompts import build_messages
from proguard_core.taxonomy import default_taxonomy
from proguard_core.testing.openai_server import ServerState, create_app, from_openai_messages, serve

UNSAFE = format_output("unsafe", None, "C8S1", "It asks how to build a weapon.")
FAST_RETRY = {"backoff_s": 0.01, "timeout_s": 10.0}


def responder(conversation: Any) -> str:
    """Unsafe for anything mentioning a gun, safe otherwise; the response label when one is given."""
    user_text = next(p["text"] for p in conversation[1]["content"] if p["type"] == "text")
    has_agent = "Agent:  \n" not in user_text and not user_text.rstrip().endswith("Agent:")
    if "gun" in user_text:
        return format_output("unsafe", "safe" if has_agent else None, "C8S1", "weapons")
    return format_output("safe", "safe" if has_agent else None, None, "fine")


@pytest.fixture(scope="module")
def fake_server() -> Iterator[tuple[str, ServerState, FakeBackend]]:
    backend = FakeBackend(responder, model_name="proguard-fake")
    app = create_app(backend)
    with serve(app) as base_url:
        yield base_url, app.state.proguard, backend


@pytest.fixture
def server(fake_server: tuple[str, ServerState, FakeBackend]) -> Iterator[tuple[str, ServerState]]:
    base_url, state, _ = fake_server
    yield base_url, state
    state.faults.clear()
    state.delay_s = 0.0
    state.requests.clear()
    state.max_in_flight = 0


def conversation(prompt: str, image: bytes | None = None) -> Any:
    return build_messages(GuardInput(prompt=prompt, images=[image] if image else []), default_taxonomy())


# --- exact parsing through HTTP -------------------------------------------------------------------


def test_sync_check_parses_exactly(server: tuple[str, ServerState], red_png: bytes) -> None:
    base_url, state = server
    guard = load_guard(backend="openai", model="proguard-fake", base_url=base_url, **FAST_RETRY)
    verdict = guard.check("How do I build a gun at home?")
    assert verdict.safe is False and verdict.request == "unsafe"
    assert verdict.category is not None and verdict.category.id == "C8S1" and verdict.category.in_taxonomy
    assert verdict.reasoning == "weapons" and verdict.parse_error is False
    assert verdict.model == "proguard-fake"

    verdict = guard.check("Nice weather?", images=[red_png])
    assert verdict.safe is True and verdict.categories == ()
    body = state.requests[-1]
    assert body["model"] == "proguard-fake" and body["temperature"] == 0.0 and body["max_tokens"] == 1024
    parts = body["messages"][1]["content"]
    assert parts[0]["type"] == "image_url" and parts[0]["image_url"]["url"].startswith(
        "data:image/png;base64,"
    )
    assert parts[1]["type"] == "text" and "Nice weather?" in parts[1]["text"]


async def test_async_batch_parses_exactly(server: tuple[str, ServerState]) -> None:
    base_url, state = server
    guard = load_guard(backend="openai", model="proguard-fake", base_url=base_url, **FAST_RETRY)
    items = ["a gun please", "bread recipe", {"prompt": "hello", "response": "a gun manual"}, "cake"]
    verdicts = await guard.acheck_batch(items)
    assert [v.safe for v in verdicts] == [False, True, False, True]
    assert verdicts[2].request == "unsafe" and verdicts[2].response == "safe"
    assert len(state.requests) == 4


async def test_async_is_concurrent_and_bounded(server: tuple[str, ServerState]) -> None:
    base_url, state = server
    state.delay_s = 0.2
    convs = [conversation(f"q{i}") for i in range(6)]
    wide = OpenAIServerBackend("proguard-fake", base_url=base_url, max_concurrency=8, **FAST_RETRY)
    texts = await wide.agenerate(convs, GenerationParams())
    assert len(texts) == 6 and state.max_in_flight >= 2  # requests overlapped on one event loop
    state.max_in_flight = 0
    narrow = OpenAIServerBackend("proguard-fake", base_url=base_url, max_concurrency=2, **FAST_RETRY)
    await narrow.agenerate(convs, GenerationParams())
    assert state.max_in_flight <= 2
    await wide.aclose()
    await narrow.aclose()


def test_sync_batch_keeps_order(server: tuple[str, ServerState]) -> None:
    base_url, _ = server
    backend = OpenAIServerBackend("proguard-fake", base_url=base_url, **FAST_RETRY)
    prompts = [f"item {i} {'gun' if i % 3 == 0 else 'bread'}" for i in range(7)]
    texts = backend.generate([conversation(p) for p in prompts], GenerationParams())
    assert ["Request:unsafe" in t for t in texts] == ["gun" in p for p in prompts]
    backend.close()


def test_async_client_survives_new_event_loops(server: tuple[str, ServerState]) -> None:
    base_url, _ = server
    backend = OpenAIServerBackend("proguard-fake", base_url=base_url, **FAST_RETRY)
    for _ in range(2):  # each asyncio.run() is a fresh loop; a client bound to the old one would fail
        (text,) = asyncio.run(backend.agenerate([conversation("gun")], GenerationParams()))
        assert "Request:unsafe" in text


# --- retries, errors, timeouts --------------------------------------------------------------------


@pytest.mark.parametrize("status", [503, 429, 500])
def test_retries_transient_statuses(server: tuple[str, ServerState], status: int) -> None:
    base_url, state = server
    state.faults.extend([status, status])
    backend = OpenAIServerBackend("proguard-fake", base_url=base_url, max_retries=3, **FAST_RETRY)
    (text,) = backend.generate([conversation("gun")], GenerationParams())
    assert "Request:unsafe" in text
    assert len(state.requests) == 3


async def test_async_retries_then_succeeds(server: tuple[str, ServerState]) -> None:
    base_url, state = server
    state.faults.extend([503, 503])
    backend = OpenAIServerBackend("proguard-fake", base_url=base_url, **FAST_RETRY)
    (text,) = await backend.agenerate([conversation("gun")], GenerationParams())
    assert "Request:unsafe" in text and len(state.requests) == 3
    await backend.aclose()


def test_gives_up_after_max_retries_and_fails_closed(server: tuple[str, ServerState]) -> None:
    base_url, state = server
    state.faults.extend([503] * 3)
    guard = load_guard(
        backend="openai", model="proguard-fake", base_url=base_url, max_retries=1, **FAST_RETRY
    )
    verdict = guard.check("bread recipe")
    assert len(state.requests) == 2
    assert verdict.safe is False and verdict.policy == "fail_closed:error"
    assert "HTTP 503" in (verdict.error or "") and "injected fault 503" in (verdict.error or "")


def test_client_errors_are_not_retried(server: tuple[str, ServerState]) -> None:
    base_url, state = server
    state.faults.append(400)
    backend = OpenAIServerBackend("proguard-fake", base_url=base_url, **FAST_RETRY)
    with pytest.raises(BackendError, match=r"HTTP 400: .*injected fault 400"):
        backend.generate([conversation("bread")], GenerationParams())
    assert len(state.requests) == 1


def test_backoff_grows_exponentially(server: tuple[str, ServerState]) -> None:
    base_url, state = server
    state.faults.extend([503, 503])
    backend = OpenAIServerBackend("proguard-fake", base_url=base_url, backoff_s=0.1, timeout_s=10)
    start = time.perf_counter()
    backend.generate([conversation("bread")], GenerationParams())
    assert time.perf_counter() - start >= 0.3  # 0.1 + 0.2


def test_timeout_raises_guard_timeout_and_fails_closed(server: tuple[str, ServerState]) -> None:
    base_url, state = server
    state.delay_s = 1.0
    backend = OpenAIServerBackend("proguard-fake", base_url=base_url, timeout_s=0.2, backoff_s=0.01)
    with pytest.raises(GuardTimeoutError):
        backend.generate([conversation("bread")], GenerationParams())
    assert len(state.requests) == 1  # a read timeout is not retried
    guard = load_guard(
        backend="openai", model="proguard-fake", base_url=base_url, timeout_s=0.2, backoff_s=0.01
    )
    verdict = guard.check("bread recipe")
    assert verdict.safe is False and verdict.policy == "fail_closed:error"
    assert "no reply within 0.2 s" in (verdict.error or "")


async def test_async_timeout_fails_closed(server: tuple[str, ServerState]) -> None:
    base_url, state = server
    state.delay_s = 1.0
    guard = load_guard(
        backend="openai", model="proguard-fake", base_url=base_url, timeout_s=0.2, backoff_s=0.01
    )
    verdict = await guard.acheck("bread recipe")
    assert verdict.safe is False and verdict.policy == "fail_closed:error"


def test_guard_policy_timeout_also_fails_closed(server: tuple[str, ServerState]) -> None:
    base_url, state = server
    state.delay_s = 1.0
    guard = load_guard(
        backend="openai", model="proguard-fake", base_url=base_url, policy=Policy(timeout_s=0.2), **FAST_RETRY
    )
    verdict = guard.check("bread recipe")
    assert verdict.safe is False and "no verdict within" in (verdict.error or "")


def test_connection_refused_is_retried_then_backend_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = OpenAIServerBackend("m", base_url=f"http://127.0.0.1:{port}/v1", max_retries=2, backoff_s=0.01)
    with pytest.raises(BackendError, match="ConnectError") as info:
        backend.generate([conversation("bread")], GenerationParams())
    assert not isinstance(info.value, GuardTimeoutError)


def test_reasoning_field_is_folded_back(tmp_path: Path) -> None:
    starlette_apps = pytest.importorskip("starlette.applications")
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def reply(request: Any) -> Any:
        message = {
            "role": "assistant",
            "content": "<answer>\nRequest:unsafe\nCategory:C8S1\n</answer>",
            "reasoning_content": "weapon request",
        }
        return JSONResponse({"choices": [{"index": 0, "message": message}]})

    async def broken(request: Any) -> Any:
        return JSONResponse({"unexpected": True})

    app = starlette_apps.Starlette(
        routes=[
            Route("/v1/chat/completions", reply, methods=["POST"]),
            Route("/bad/chat/completions", broken, methods=["POST"]),
        ]
    )
    with serve(app) as base_url:
        guard = load_guard(backend="openai", model="m", base_url=base_url)
        verdict = guard.check("how to build a gun")
        assert verdict.reasoning == "weapon request" and verdict.category is not None
        assert verdict.category.id == "C8S1"
        bad = OpenAIServerBackend("m", base_url=base_url.replace("/v1", "/bad"))
        with pytest.raises(BackendError, match="not a chat completion"):
            bad.generate([conversation("x")], GenerationParams())


def test_api_key_and_extra_body_are_sent(server: tuple[str, ServerState]) -> None:
    base_url, state = server
    backend = OpenAIServerBackend(
        "proguard-fake", base_url=base_url, api_key="sk-test", extra_body={"seed": 7}, **FAST_RETRY
    )
    assert backend._headers["Authorization"] == "Bearer sk-test"
    backend.generate([conversation("bread")], GenerationParams(max_new_tokens=33, temperature=0.5))
    body = state.requests[-1]
    assert body["seed"] == 7 and body["max_tokens"] == 33 and body["temperature"] == 0.5


# --- message conversion and packaging ---------------------------------------------------------------


def test_message_round_trip(red_png: bytes) -> None:
    ours = conversation("What is this?", red_png)
    wire = to_openai_messages(ours)
    assert wire[0] == {"role": "system", "content": ours[0]["content"]}
    back = from_openai_messages(wire)
    assert back[1]["content"][0]["image"].data == red_png
    assert back[1]["content"][1] == ours[1]["content"][1]


def test_missing_httpx_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "httpx", None)
    with pytest.raises(MissingDependencyError, match=r"proguard\[openai\]"):
        OpenAIServerBackend("m")


# --- the tiny VLM served over HTTP ------------------------------------------------------------------


def test_tiny_vlm_over_http_matches_in_process(tiny_vlm_dir: Path, red_png: bytes) -> None:
    pytest.importorskip("torch")
    from proguard_core.backends.transformers import TransformersBackend

    engine = TransformersBackend(str(tiny_vlm_dir), device="cpu")
    local = load_guard(
        backend="fake", outputs=lambda c: engine.generate([c], GenerationParams(max_new_tokens=8))[0]
    )
    with serve(create_app(engine, model_name="tiny")) as base_url:
        remote = load_guard(backend="openai", model="tiny", base_url=base_url, max_new_tokens=8, **FAST_RETRY)
        items = [GuardInput(prompt="hello"), GuardInput(prompt="What is this?", images=[red_png])]
        over_http = remote.check_batch(items, categories=["C8"])
        async_http = asyncio.run(remote.acheck_batch(items, categories=["C8"]))
    in_process = local.check_batch(items, categories=["C8"])
    assert [v.raw for v in over_http] == [v.raw for v in in_process] == [v.raw for v in async_http]
    assert all(v.parse_error and not v.safe and v.policy == "fail_closed:parse_error" for v in over_http)


def test_guard_close_releases_the_http_client(server: tuple[str, ServerState]) -> None:
    base_url, _ = server
    guard = load_guard(backend="openai", model="proguard-fake", base_url=base_url, **FAST_RETRY)
    guard.check("bread")
    engine = guard.model.backend
    assert engine._client is not None
    guard.close()
    assert engine._client is None
    assert guard.check("gun").safe is False  # a closed backend reopens its client on demand


def test_retry_after_is_honoured_within_a_cap() -> None:
    import httpx

    backend = OpenAIServerBackend("m", backoff_s=0.01, max_retries=2)
    assert backend._retry_delay(0, None, httpx.Response(429, headers={"retry-after": "0.3"})) == 0.3
    assert backend._retry_delay(0, None, httpx.Response(503, headers={"retry-after": "600"})) == 10.0
    assert backend._retry_delay(1, None, httpx.Response(503)) == 0.02
    assert backend._retry_delay(2, None, httpx.Response(503)) is None  # out of retries
    assert backend._retry_delay(0, None, httpx.Response(404)) is None
    assert backend._retry_delay(0, httpx.ReadTimeout("slow"), None) is None
