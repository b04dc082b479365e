"""Guards for adapter tests: a fake backend that judges the conversation it is shown.

The fake reads what the real model would read (the conversation text and the image parts), so
a test passes only if the adapter handed the guard the right prompt, reply and pictures.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
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
