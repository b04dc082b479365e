"""The ProGuard model on any Backend: prompts -> engine -> parser -> Verdict."""

from __future__ import annotations

import time
from collections.abc import Sequence

from proguard_core.backends.base import Backend, Conversation, GenerationParams
from proguard_core.models.base import ModelRequest
from proguard_core.parser import parse
from proguard_core.prompts import build_messages
from proguard_core.types import Timings, Verdict

# Qwen2.5-VL reads 32k tokens; a character budget well inside it leaves room for the system
# prompt, an image and 1024 generated tokens while staying cheap on attention.
DEFAULT_MAX_TEXT_CHARS = 24_000


class GenerativeGuard:
    """A guard that asks a ProGuard checkpoint (or any model speaking its format) for a verdict."""

    def __init__(
        self,
        backend: Backend,
        *,
        params: GenerationParams | None = None,
        max_text_chars: int | None = DEFAULT_MAX_TEXT_CHARS,
    ) -> None:
        self.backend = backend
        self.params = params or GenerationParams()
        self._max_text_chars = max_text_chars

    @property
    def name(self) -> str:
        return self.backend.model_name

    @property
    def max_text_chars(self) -> int | None:
        return self._max_text_chars

    def close(self) -> None:
        """Release what the engine holds (GPU memory, HTTP connections); Guard.close() calls this."""
        close = getattr(self.backend, "close", None)
        if callable(close):
            close()

    def conversations(self, requests: Sequence[ModelRequest]) -> list[Conversation]:
        return [build_messages(r.input, r.provided) for r in requests]

    def predict(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        start = time.perf_counter()
        texts = self.backend.generate(self.conversations(requests), self.params)
        return self._verdicts(requests, texts, time.perf_counter() - start)

    async def apredict(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        start = time.perf_counter()
        texts = await self.backend.agenerate(self.conversations(requests), self.params)
        return self._verdicts(requests, texts, time.perf_counter() - start)

    def _verdicts(self, requests: Sequence[ModelRequest], texts: list[str], seconds: float) -> list[Verdict]:
        if len(texts) != len(requests):
            from proguard_core.errors import BackendError

            raise BackendError(f"backend returned {len(texts)} completions for {len(requests)} conversations")
        per_item_ms = 1000 * seconds / max(len(requests), 1)
        verdicts = []
        for request, text in zip(requests, texts, strict=True):
            parsed = parse(
                text,
                modality=request.input.modality,
                provided=request.provided,
                taxonomy=request.taxonomy,
                expect_response=request.input.has_response,
            )
            verdicts.append(
                Verdict(
                    safe=not parsed.is_unsafe,
                    request=parsed.request,
                    response=parsed.response if request.input.has_response else None,
                    categories=parsed.categories,
                    reasoning=parsed.reasoning,
                    raw=text,
                    parse_error=parsed.parse_error,
                    modality=request.input.modality,
                    model=self.name,
                    timings=Timings(total_ms=per_item_ms, model_ms=per_item_ms),
                )
            )
        return verdicts


__all__ = ["DEFAULT_MAX_TEXT_CHARS", "GenerativeGuard"]
