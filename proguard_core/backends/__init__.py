"""Engines behind the generative guard. Only ``fake`` is imported eagerly; the others need extras."""

from proguard_core.backends.base import Backend, Conversation, GenerationParams
from proguard_core.backends.fake import FakeBackend

__all__ = ["Backend", "Conversation", "FakeBackend", "GenerationParams"]
