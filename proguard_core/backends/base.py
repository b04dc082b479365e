"""The Backend protocol: chat messages in, generated text out. Engines differ only here."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from proguard_core.prompts import ChatMessage

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


__all__ = ["Backend", "Conversation", "GenerationParams", "ThreadedAsyncMixin"]
