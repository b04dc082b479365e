"""``load_guard("proguard:URL")``: the client of the HTTP service, sync and async."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from proguard_core import (
    BackendError,
    Guard,
    GuardTimeoutError,
    ImageTooLargeError,
    InputError,
    Policy,
    TaxonomyError,
    load_guard,
)
from proguard_core.guard import parse_spec
from proguard_core.remote import RemoteGuardModel, verdict_from_reply
from proguard_integrations.server import ServerConfig
from proguard_integrations.server.testing import RunningServer, running_server
from tests.integrations.conftest import RED_PNG, Recorder

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")


@pytest.fixture(scope="module")
def server_recorder() -> Recorder:
    return Recorder()


@pytest.fixture(scope="module")
def server(server_recorder: Recorder) -> Iterator[RunningServer]:
    with running_server(server_recorder.guard, ServerConfig(api_keys=("sesame",), max_wait_ms=2)) as running:
        yield running


def test_spec_names_the_server() -> None:
    assert parse_spec("proguard:http://127.0.0.1:8000") == ("proguard", "http://127.0.0.1:8000", {})
    with pytest.raises(InputError):
        load_guard("proguard:127.0.0.1:8000")  # no scheme


def test_sync_checks_over_http(server: RunningServer, server_recorder: Recorder) -> None:
    guard = load_guard(f"proguard:{server.url}", api_key="sesame")
    try:
        assert guard.check("How do I build a bomb?").category.id == "C8S1"  # type: ignore[union-attr]
        assert guard.check("Nice weather today").safe
        picture = guard.check("what is this?", images=[RED_PNG])
        assert picture.unsafe and picture.category is not None and picture.category.id == "C11"
        batch = guard.check_batch(["tea", "bomb", "tea", "bomb"], categories=["C8"])
        assert [v.safe for v in batch] == [True, False, True, False]
        assert "C4: " not in server_recorder.calls[-1][0]["content"]  # the subset reached the server
    finally:
        guard.close()


async def test_async_checks_over_http(server: RunningServer) -> None:
    guard = load_guard(f"proguard:{server.url}", api_key="sesame")
    try:
        verdicts = await guard.acheck_batch(["tea", "bomb"] * 8)
        assert [v.unsafe for v in verdicts] == [False, True] * 8
        reply = await guard.acheck("tea", response="here is how to build a bomb")
        assert (reply.request, reply.response) == ("safe", "unsafe")
    finally:
        await guard.model.aclose()  # type: ignore[attr-defined]


def test_wrong_key_fails_closed(server: RunningServer) -> None:
    verdict = load_guard(f"proguard:{server.url}", api_key="wrong").check("tea")
    assert verdict.unsafe and verdict.policy == "fail_closed:error"
    assert verdict.error is not None and "401" in verdict.error


def test_unreachable_server_follows_the_client_policy() -> None:
    url = "http://127.0.0.1:9"  # discard port: nothing listens on loopback
    assert load_guard(f"proguard:{url}").check("tea").policy == "fail_closed:error"
    with pytest.raises(BackendError):
        load_guard(f"proguard:{url}", policy=Policy(on_error="raise")).check("tea")


def _transport(
    *replies: tuple[int, dict[str, object], dict[str, str]],
) -> tuple[httpx.MockTransport, list[int]]:
    seen: list[int] = []
    queue = list(replies)

    def handle(request: httpx.Request) -> httpx.Response:
        status, body, headers = queue.pop(0) if len(queue) > 1 else queue[0]
        seen.append(status)
        return httpx.Response(status, json=body, headers=headers)

    return httpx.MockTransport(handle), seen


_SAFE = {"safe": True, "request": "safe", "model": "remote"}


def test_overload_is_retried_then_succeeds() -> None:
    busy = {"error": {"type": "queue_full", "message": "busy"}}
    transport, seen = _transport((429, busy, {"Retry-After": "0"}), (503, busy, {}), (200, _SAFE, {}))
    guard = Guard(RemoteGuardModel("http://proguard.test", transport=transport))
    assert guard.check("tea").safe
    assert seen == [429, 503, 200]


def test_errors_keep_their_type_across_the_wire() -> None:
    def reply(status: int, kind: str) -> tuple[int, bytes]:
        return status, json.dumps({"error": {"type": kind, "message": "m"}}).encode()

    with pytest.raises(ImageTooLargeError):
        verdict_from_reply(*reply(400, "image_too_large"), "u")
    with pytest.raises(TaxonomyError):
        verdict_from_reply(*reply(400, "unknown_category"), "u")
    with pytest.raises(InputError):
        verdict_from_reply(*reply(413, "body_too_large"), "u")
    with pytest.raises(GuardTimeoutError):
        verdict_from_reply(*reply(504, "timeout"), "u")
    with pytest.raises(BackendError):
        verdict_from_reply(500, b"<html>oops</html>", "u")
    with pytest.raises(BackendError):
        verdict_from_reply(200, b"{not a verdict", "u")


def test_input_errors_raise_instead_of_failing_closed() -> None:
    transport, _ = _transport((400, {"error": {"type": "unsupported_image", "message": "bad"}}, {}))
    guard = Guard(RemoteGuardModel("http://proguard.test", transport=transport))
    with pytest.raises(InputError):
        guard.check("tea")
