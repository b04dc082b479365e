"""The service on a real loopback socket: the CLI, graceful shutdown, streamed bodies."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from proguard_core import Guard, Verdict
from proguard_core.backends.base import Conversation
from proguard_core.backends.fake import FakeBackend
from proguard_core.models.generative import GenerativeGuard
from proguard_integrations.server import ServerConfig
from proguard_integrations.server.cli import main as serve_main
from proguard_integrations.server.testing import running_server
from tests.integrations.conftest import judge

pytest.importorskip("uvicorn")

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_cli_serves_and_stops_on_sigterm() -> None:
    port = _free_port()
    env = {**os.environ, "PROGUARD_API_KEYS": "k1,k2", "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "proguard_core.cli", "serve", "--guard", "fake", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.1)
        assert httpx.post(f"{url}/v1/check", json={"prompt": "hi"}).status_code == 401
        reply = httpx.post(f"{url}/v1/check", json={"prompt": "hi"}, headers={"Authorization": "Bearer k2"})
        assert Verdict.model_validate_json(reply.content).safe
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    # uvicorn re-raises the signal after a clean shutdown, so the exit status is the signal's.
    assert process.returncode in (0, -signal.SIGTERM)
    assert "Finished server process" in output


def test_cli_rejects_bad_settings(capsys: pytest.CaptureFixture[str]) -> None:
    assert serve_main(["--guard", "fake", "--max-batch-size", "0"]) == 2
    assert "max_batch_size" in capsys.readouterr().err
    assert serve_main(["--guard", "nonsense:"]) == 2


def test_shutdown_finishes_in_flight_requests() -> None:
    started = threading.Event()

    def slow(conversation: Conversation) -> str:
        started.set()
        time.sleep(0.5)
        return judge(conversation)

    guard = Guard(GenerativeGuard(FakeBackend(slow)))
    with running_server(guard, ServerConfig(max_batch_size=4, max_wait_ms=50)) as server:

        async def load() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
                return await asyncio.gather(
                    *(client.post("/v1/check", json={"prompt": f"bomb {i}"}) for i in range(6))
                )

        results: list[httpx.Response] = []
        worker = threading.Thread(target=lambda: results.extend(asyncio.run(load())))
        worker.start()
        assert started.wait(10)
        stopper = threading.Thread(target=server.stop)
        stopper.start()
        time.sleep(0.1)
        assert server.state.draining
        with pytest.raises(httpx.ConnectError):
            httpx.post(f"{server.url}/v1/check", json={"prompt": "late"}, timeout=2)
        worker.join(30)
        stopper.join(30)
    assert [r.status_code for r in results] == [200] * 6
    assert all(not Verdict.model_validate_json(r.content).safe for r in results)
    assert not server.thread.is_alive()


def test_streamed_body_over_the_limit_is_413() -> None:
    guard = Guard(GenerativeGuard(FakeBackend(judge)))
    with running_server(guard, ServerConfig(max_body_bytes=1000)) as server:

        def chunks():  # type: ignore[no-untyped-def]
            yield b'{"prompt": "'
            for _ in range(50):
                yield b"x" * 100
            yield b'"}'

        # A generator body goes out with Transfer-Encoding: chunked and no Content-Length.
        reply = httpx.post(f"{server.url}/v1/check", content=chunks(), timeout=10)
        assert reply.status_code == 413
        assert reply.json()["error"]["type"] == "body_too_large"
        ok = httpx.post(f"{server.url}/v1/check", json={"prompt": "small"}, timeout=10)
        assert ok.status_code == 200
