"""The embedded default guard: MiniLM (onnxruntime) + small trained heads, OCR and NSFW for images.

Importing this package is cheap; weights load when a guard is constructed, and the image
tools load on the first image.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from proguard_core.models.embedded.model import EmbeddedGuard

__all__ = ["EmbeddedGuard"]


def __getattr__(name: str) -> Any:
    if name == "EmbeddedGuard":
        from proguard_core.models.embedded.model import EmbeddedGuard

        return EmbeddedGuard
    raise AttributeError(name)
