"""Hostile requests to the HTTP service: each gets its typed answer, and nothing is fetched or read.

Image bombs, truncated and polyglot files, URLs (SSRF) and file paths, oversized and malformed
bodies. The guard behind the app is a fake; what is tested is the service's intake.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import socket
import struct
import threading
import zlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from proguard_core import Guard, Verdict
from proguard_core.backends.fake import FakeBackend
from proguard_core.images import decode
from proguard_core.models.base import ModelRequest
from proguard_core.models.generative import GenerativeGuard
from tests.integrations.conftest import judge

pytest.importorskip("fastapi")

from proguard_integrations.server import ServerConfig, create_app


@asynccontextmanager
async def client_for(guard: Guard | None = None, **config: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(guard or Guard(GenerativeGuard(FakeBackend(judge))), ServerConfig(**config))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://proguard.test") as client:
            yield client


def png(size: tuple[int, int] = (16, 16), color: str = "green") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny file whose header claims a huge image: the classic decompression bomb shape."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


async def check_image(image: str, guard: Guard | None = None, **config: Any) -> httpx.Response:
    async with client_for(guard, **config) as client:
        return await client.post("/v1/check", json={"prompt": "what is this?", "images": [image]})


def error_type(reply: httpx.Response) -> str:
    return str(reply.json()["error"]["type"])


# --- image bombs and broken files -----------------------------------------------------------------


@pytest.mark.parametrize("size", [(100_000, 100_000), (2**31 - 1, 1), (7_000, 7_000)])
async def test_image_bomb_is_refused_before_decoding(size: tuple[int, int]) -> None:
    bomb = png_declaring(*size)
    assert len(bomb) < 200
    reply = await check_image(data_url(bomb))
    assert reply.status_code == 400 and error_type(reply) == "image_too_large"


async def test_image_over_the_byte_limit_is_refused_before_base64_decoding() -> None:
    huge = "A" * (30 * 1024 * 1024)  # 22 MB once decoded; the limit is 20 MB
    reply = await check_image(huge, max_body_bytes=64 * 1024 * 1024)
    assert reply.status_code == 400 and error_type(reply) == "image_too_large"


@pytest.mark.parametrize("cut", [8, 40, -20])
async def test_truncated_png_is_refused(cut: int) -> None:
    whole = png((64, 64))
    reply = await check_image(data_url(whole[:cut]))
    assert reply.status_code == 400 and error_type(reply) == "unsupported_image"


class DecodingModel:
    """A model that decodes its images, as real ones do, so decode-time failures surface."""

    name = "decoding"
    max_text_chars = None

    def predict(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        for request in requests:
            for image in request.input.images:
                decode(image)
        return [Verdict(safe=True, request="safe") for _ in requests]

    async def apredict(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        return self.predict(requests)


async def test_truncated_jpeg_passing_the_header_check_fails_at_decode_as_a_400() -> None:
    buffer = io.BytesIO()
    Image.effect_noise((128, 128), 60).convert("RGB").save(buffer, format="JPEG")
    truncated = buffer.getvalue()[:600]
    reply = await check_image(data_url(truncated, "image/jpeg"), guard=Guard(DecodingModel()))
    assert reply.status_code == 400 and error_type(reply) == "unsupported_image"


@pytest.mark.parametrize(
    ("payload", "mime"),
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>&e;</svg>',
            "image/svg+xml",
        ),
        (b"GIF89a<script>alert(1)</script>", "image/gif"),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF", "image/png"),
        (b"\x00" * 64, "image/png"),
    ],
)
async def test_non_images_and_script_polyglots_are_refused(payload: bytes, mime: str) -> None:
    reply = await check_image(data_url(payload, mime))
    assert reply.status_code == 400 and error_type(reply) == "unsupported_image"


async def test_png_with_an_appended_archive_is_judged_as_the_image_it_is() -> None:
    polyglot = png() + b"PK\x03\x04" + b"\x00" * 100 + b"<html><script>x</script></html>"
    seen: list[bytes] = []

    def record(conversation: Any) -> str:
        seen.extend(p["image"].data for p in conversation[-1]["content"] if p["type"] == "image")
        return judge(conversation)

    reply = await check_image(data_url(polyglot), guard=Guard(GenerativeGuard(FakeBackend(record))))
    assert reply.status_code == 200
    assert seen == [polyglot]  # the bytes reach the model as sent; nothing executes or unpacks them


async def test_declared_mime_type_is_not_trusted() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="JPEG")
    mimes: list[str | None] = []

    def record(conversation: Any) -> str:
        mimes.extend(p["image"].mime_type for p in conversation[-1]["content"] if p["type"] == "image")
        return judge(conversation)

    reply = await check_image(
        data_url(buffer.getvalue(), "image/png"), guard=Guard(GenerativeGuard(FakeBackend(record)))
    )
    assert reply.status_code == 200 and mimes == ["image/jpeg"]


# --- no SSRF, no local file reads -----------------------------------------------------------------


@pytest.fixture
def listener() -> Any:
    """A loopback socket that records whether anything connected to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.5)
    connections: list[object] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            connections.append(server.accept())

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    server.close()
    thread.join(2)


async def test_image_urls_are_refused_and_never_fetched(listener: Any) -> None:
    port, connections = listener
    url = f"http://127.0.0.1:{port}/latest/meta-data/iam.png"
    async with client_for() as client:
        native = await client.post("/v1/check", json={"prompt": "x", "images": [url]})
        parts = [{"type": "text", "text": "x"}, {"type": "image_url", "image_url": {"url": url}}]
        openai = await client.post("/v1/moderations", json={"input": parts})
        https = await client.post("/v1/check", json={"prompt": "x", "images": [url.replace("http", "https")]})
    for reply in (native, openai, https):
        assert reply.status_code == 400 and error_type(reply) == "remote_image_refused"
    threading.Event().wait(0.6)
    assert connections == []


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://127.0.0.1/x.png", "gopher://127.0.0.1:70/x", "FILE:/etc/hosts"]
)
async def test_other_url_schemes_are_refused(url: str) -> None:
    reply = await check_image(url)
    assert reply.status_code == 400 and error_type(reply) == "remote_image_refused"


async def test_file_paths_are_never_read(tmp_path: Path) -> None:
    """A local caller may pass a path; over HTTP it would read the server's disk."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(png())
    for value in (str(secret), "/etc/passwd", "~/.ssh/id_rsa", "../../etc/shadow"):
        reply = await check_image(value)
        assert reply.status_code == 400, value
        assert error_type(reply) == "unsupported_image"
        assert "secret" not in reply.text or value == str(secret)


# --- bodies --------------------------------------------------------------------------------------


async def test_oversized_body_is_413_before_it_is_read() -> None:
    async with client_for(max_body_bytes=1_000) as client:
        declared = await client.post("/v1/moderations", json={"input": "x" * 5_000})

        async def stream() -> AsyncIterator[bytes]:
            yield b'{"input": "'
            for _ in range(100):
                yield b"y" * 100
            yield b'"}'

        chunked = await client.post("/v1/moderations", content=stream())
    for reply in (declared, chunked):
        assert reply.status_code == 413 and error_type(reply) == "body_too_large"


async def test_a_10_mb_string_is_refused_under_the_default_limits_without_a_guard_call() -> None:
    # The report: with the defaults a 10 MB string was checked for 30 s, then flagged.
    backend = FakeBackend(judge)
    async with client_for(Guard(GenerativeGuard(backend))) as client:
        check = await client.post("/v1/check", json={"prompt": "a" * 10_000_000})
        moderation = await client.post("/v1/moderations", json={"input": ["b" * 5_000_000] * 2})
        response = await client.post("/v1/check", json={"prompt": "hi", "response": "c" * 10_000_000})
    for reply in (check, moderation, response):
        assert reply.status_code == 413 and error_type(reply) == "text_too_large"
    assert backend.calls == []


async def test_a_trickled_body_times_out_with_408() -> None:
    async def trickle() -> AsyncIterator[bytes]:
        yield b'{"prompt": "'
        for _ in range(20):
            await asyncio.sleep(0.1)
            yield b"x"
        yield b'"}'

    async with client_for(timeout_s=0.3) as client:
        reply = await client.post("/v1/check", content=trickle())
    assert reply.status_code == 408 and error_type(reply) == "request_timeout"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b'{"input": "x"',
        b"\xff\xfe{}",
        b"null x",
        b'{"input": "\\x"}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
async def test_malformed_json_is_400(body: bytes) -> None:
    async with client_for() as client:
        reply = await client.post(
            "/v1/moderations", content=body, headers={"Content-Type": "application/json"}
        )
    assert reply.status_code == 400 and error_type(reply) == "invalid_json"


@pytest.mark.parametrize(
    ("path", "payload", "param"),
    [
        ("/v1/moderations", [], None),
        ("/v1/moderations", {"input": 42}, "input"),
        ("/v1/moderations", {"input": [{"type": "video", "url": "x"}]}, "input"),
        ("/v1/moderations", {"input": ["x"] * 500}, "input"),
        ("/v1/check", {"prompt": "x", "unexpected": True}, "unexpected"),
        ("/v1/check", {"prompt": "x", "history": [{"role": "system", "text": "y"}]}, "history.0.role"),
        ("/v1/check", {"prompt": "x", "images": ["a"] * 50}, "images"),
    ],
)
async def test_wrong_shapes_are_422_naming_the_field(path: str, payload: object, param: str | None) -> None:
    async with client_for() as client:
        reply = await client.post(path, json=payload)
    assert reply.status_code == 422 and error_type(reply) == "invalid_request"
    if param is not None:
        assert str(reply.json()["error"]["param"]).startswith(param)


async def test_lone_surrogates_and_nul_bytes_do_not_break_the_service() -> None:
    async with client_for() as client:
        reply = await client.post(
            "/v1/check",
            content=b'{"prompt": "bomb \\ud800 \\u0000 end"}',
            headers={"Content-Type": "application/json"},
        )
    assert reply.status_code in (200, 400)
    if reply.status_code == 200:
        assert reply.json()["safe"] is False
