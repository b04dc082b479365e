"""The GuardModel protocol: turns prepared requests into verdicts.

The :class:`~proguard_core.guard.Guard` prepares requests (one image at most, text within
``max_text_chars``, the provided category subset), so a model never splits or merges; it only
judges. Policy (fail closed, merging parts) stays in the Guard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from proguard_core.taxonomy import Taxonomy
from proguard_core.types import GuardInput, Verdict


@dataclass(frozen=True)
class ModelRequest:
    input: GuardInput
    provided: Taxonomy
    taxonomy: Taxonomy


@runtime_checkable
class GuardModel(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def max_text_chars(self) -> int | None:
        """Longest prompt + response (characters) judged in one pass; None for no limit."""
        ...

    def predict(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        """One verdict per request, in order. Raise BackendError when the engine fails."""
        ...

    async def apredict(self, requests: Sequence[ModelRequest]) -> list[Verdict]: ...


__all__ = ["GuardModel", "ModelRequest"]
