"""The Backend protocol: chat messages in, generated text out. Engines differ only here."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from proguard_core.errors import InputError
from proguard_core.prompts import ChatMessage
from proguard_core.types import ImageData

Conversation = list[ChatMessage]


@dataclass(frozen=True)
class GenerationParams:
    """Decoding settings. The released checkpoints were evaluated greedily with up to 1024 tokens."""

    max_new_tokens: int = 1024
    temperature: float = 0.0


@runtime_checkable
class Backend(Protocol):
    """An engine that completes chat conversations (system + user with text and image parts)."""

    @property
    def model_name(self) -> str: ...

    def generate(self, conversations: Sequence[Conversation], params: GenerationParams) -> list[str]:
        """One completion per conversation, in order. Raise BackendError on engine failure."""
        ...

    async def agenerate(
        self, conversations: Sequence[Conversation], params: GenerationParams
    ) -> list[str]: ...


class ThreadedAsyncMixin:
    """``agenerate`` for engines that only block: run ``generate`` in a worker thread."""

    def generate(self, conversations: Sequence[Conversation], params: GenerationParams) -> list[str]:
        raise NotImplementedError

    async def agenerate(self, conversations: Sequence[Conversation], params: GenerationParams) -> list[str]:
        return await asyncio.to_thread(self.generate, conversations, params)


def to_chat_dicts(
    conversation: Conversation, image_part: Callable[[ImageData], dict[str, Any]]
) -> list[dict[str, Any]]:
    """Our messages as OpenAI-style dicts; ``image_part`` renders each image for the engine."""
    messages: list[dict[str, Any]] = []
    for message in conversation:
        content = message["content"]
        if isinstance(content, str):
            messages.append({"role": message["role"], "content": content})
            continue
        parts: list[dict[str, Any]] = []
        for part in content:
            if part["type"] == "image":
                image = part.get("image")
                if image is None:
                    raise InputError("image part without image data")
                parts.append(image_part(image))
            else:
                parts.append({"type": "text", "text": part["text"]})
        messages.append({"role": message["role"], "content": parts})
    return messages


def data_url_part(image: ImageData) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": image.data_url()}}


__all__ = [
    "Backend",
    "Conversation",
    "GenerationParams",
    "ThreadedAsyncMixin",
    "data_url_part",
    "to_chat_dicts",
]
