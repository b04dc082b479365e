"""A scripted backend for users' tests: no model, deterministic outputs, recorded calls.

guard = load_guard(backend="fake", outputs=[format_output("unsafe", "safe", "C8S1")])
guard = Guard(GenerativeGuard(FakeBackend(lambda conv: ...)))
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence

from proguard_core.backends.base import Conversation, GenerationParams, ThreadedAsyncMixin
from proguard_core.errors import BackendError
from proguard_core.parser import format_output

Responder = Callable[[Conversation], str]
SAFE_OUTPUT = format_output("safe", "safe", None, "Nothing harmful.")


class FakeBackend(ThreadedAsyncMixin):
    """Returns scripted completions.

    ``outputs`` is a list (cycled), a single string, or a function of the conversation. An item
    that is an exception instance is raised instead, to test failure handling.
    """

    def __init__(
        self,
        outputs: str | Iterable[str | BaseException] | Responder = SAFE_OUTPUT,
        *,
        model_name: str = "fake",
    ) -> None:
        self._model_name = model_name
        self._lock = threading.Lock()
        self.calls: list[Conversation] = []
        if callable(outputs):
            self._responder: Responder | None = outputs
            self._cycle: Iterator[str | BaseException] | None = None
        else:
            self._responder = None
            items = [outputs] if isinstance(outputs, str) else list(outputs)
            if not items:
                raise ValueError("FakeBackend needs at least one output")
            self._cycle = itertools.cycle(items)

    @property
    def model_name(self) -> str:
        return self._model_name

    def generate(self, conversations: Sequence[Conversation], params: GenerationParams) -> list[str]:
        results = []
        with self._lock:
            for conversation in conversations:
                self.calls.append(conversation)
                if self._responder is not None:
                    item: str | BaseException = self._responder(conversation)
                else:
                    assert self._cycle is not None
                    item = next(self._cycle)
                if isinstance(item, BaseException):
                    raise BackendError(f"scripted failure: {item}") from item
                results.append(item)
        return results


__all__ = ["SAFE_OUTPUT", "FakeBackend"]
