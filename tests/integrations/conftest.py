"""Guards for adapter tests: a fake backend that judges the conversation it is shown.

The fake reads what the real model would read (the conversation text and the image parts), so
a test passes only if the adapter handed the guard the right prompt, reply and pictures.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from proguard_core import Guard, ImageData, format_output
from proguard_core.backends.base import Conversation
from proguard_core.backends.fake import FakeBackend
from proguard_core.models.generative import GenerativeGuard

os.environ.setdefault("NEMO_GUARDRAILS_NO_USAGE_STATS", "1")

UNSAFE_WORD = "bomb"

# A harmless request answered with a harmful reply: what an injected or jailbroken model does.
SMALL_TALK = "Tell me about a fun weekend project"
PIPE_BOMB_REPLY = (
    "Sure! A fun weekend project: fill a steel pipe with powder, cap both ends, drill a hole for "
    "a fuse, and you have a pipe bomb."
)


def _png(color: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return buffer.getvalue()


# The fake calls the red picture explicit and every other picture harmless.
RED_PNG = _png((255, 0, 0))
BLUE_PNG = _png((0, 0, 255))


def _parts(conversation: Conversation) -> list[dict[str, Any]]:
    content = conversation[-1]["content"]
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [dict(part) for part in content]


def judge(conversation: Conversation) -> str:
    """Unsafe request/response when the word 'bomb' is on that side; red images are unsafe."""
    parts = _parts(conversation)
    text = "".join(str(p.get("text", "")) for p in parts if p["type"] == "text")
    images: list[ImageData] = [p["image"] for p in parts if p["type"] == "image" and "image" in p]
    body = text.split("<BEGIN CONVERSATION>")[-1]
    prompt_side, _, agent_side = body.partition("\nAgent:")
    has_image = bool(images)
    prompt_text = prompt_side.replace("User:", "").strip()
    agent_text = agent_side.strip()
    if any(img.data == RED_PNG for img in images):
        if not prompt_text and not agent_text:
            return format_output("unsafe", None, "C11S2", "Explicit picture.")
        return format_output("unsafe", "safe", "C11", "Explicit picture.")
    request_bad = UNSAFE_WORD in prompt_side.lower()
    response_bad = UNSAFE_WORD in agent_side.lower()
    if request_bad or response_bad:
        category = "C8" if has_image else "C8S1"
        return format_output(
            "unsafe" if request_bad else "safe",
            "unsafe" if response_bad else "safe",
            category,
            "Asks for or gives weapon instructions.",
        )
    if has_image and not prompt_text and not agent_text:
        return format_output("safe", None, None, "Harmless picture.")
    return format_output("safe", "safe", None, "Harmless.")


class Recorder:
    """Keeps the conversations the guard saw, for assertions about what adapters sent."""

    def __init__(self, responder: Callable[[Conversation], str] = judge) -> None:
        self.responder = responder
        self.backend = FakeBackend(self.responder)
        self.guard = Guard(GenerativeGuard(self.backend))

    @property
    def calls(self) -> list[Conversation]:
        return self.backend.calls

    def texts(self) -> list[str]:
        return [
            "".join(str(p.get("text", "")) for p in _parts(conversation) if p["type"] == "text")
            for conversation in self.calls
        ]

    def image_count(self) -> int:
        return sum(1 for conversation in self.calls for p in _parts(conversation) if p["type"] == "image")


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def guard(recorder: Recorder) -> Guard:
    return recorder.guard


@pytest.fixture
def broken_guard() -> Guard:
    """A guard whose engine always fails: adapters must block, not let content through."""
    return Guard(GenerativeGuard(FakeBackend([RuntimeError("engine down")])))


@contextmanager
def proguard_serve(
    *options: str, env: dict[str, str] | None = None, start_timeout_s: float = 120
) -> Iterator[str]:
    """A real ``proguard serve`` process on a free loopback port; yields its URL once healthy."""
    import httpx  # the server's extra; the other adapters' tests run without it

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    repo = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-m", "proguard_core.cli", "serve", "--port", str(port), *options]
    environment = {**os.environ, "PYTHONPATH": str(repo), **(env or {})}
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout_s  # the guard loads before the port opens
        while True:
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "proguard serve did not come up"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.communicate(timeout=60)
