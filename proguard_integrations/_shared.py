"""Pieces every framework adapter needs: the lazily loaded default guard, the one vocabulary of
modes, verdict payloads, refusal messages, and replies joined to the prompt they answer.

Nothing here imports a framework; adapters import their framework themselves.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Generic, Literal, TypeVar

from proguard_core import Guard, GuardInput, Verdict, load_guard
from proguard_core.images import image_from
from proguard_core.inputs import validated

# The key under which adapters attach a verdict to framework objects (message metadata, node
# metadata, NeMo output data), so users look in one place whatever the framework.
VERDICT_KEY = "proguard"
DEFAULT_VIOLATION_MESSAGE = "I can't help with that ({category})."

# What an adapter does with content the guard calls unsafe: one word per behaviour, the same in
# every adapter; each adapter takes the words that fit where it sits.
Mode = Literal["block", "annotate", "drop", "end", "replace"]
MODES: dict[str, str] = {
    "block": "raise proguard_core.GuardViolation, which carries the verdict",
    "annotate": "let the content through with the verdict attached under 'proguard'",
    "drop": "leave the unsafe item out and keep the rest (retrieved nodes)",
    "end": "stop the agent with a refusal in place of the unsafe message",
    "replace": "put a refusal in place of the unsafe message and let the agent go on",
}
# Words earlier releases used for the same behaviours.
RENAMED_MODES: dict[str, str] = {"flag": "annotate", "error": "block"}

_default_guard: Guard | None = None
_default_lock = threading.Lock()


def resolve_guard(guard: Guard | None) -> Guard:
    """The guard an adapter was given, or the process-wide embedded default, loaded on first use.

    Loading is deferred so that building a chain or a config costs nothing until a check runs,
    and shared so that several adapters in one process load the default model once.
    """
    global _default_guard
    if guard is not None:
        return guard
    if _default_guard is None:
        with _default_lock:
            if _default_guard is None:
                _default_guard = load_guard()
    return _default_guard


def resolve_mode(owner: str, mode: str, accepted: Sequence[str]) -> str:
    """``mode`` checked against what ``owner`` accepts; an old word still works, with a warning."""
    renamed = RENAMED_MODES.get(mode)
    if renamed is not None and renamed in accepted:
        warnings.warn(
            f"{owner}: mode {mode!r} is now called {renamed!r}; the old name will go in a later release",
            DeprecationWarning,
            stacklevel=3,
        )
        return renamed
    if mode not in accepted:
        choices = "; ".join(f"{m!r}: {MODES[m]}" for m in accepted)
        raise ValueError(f"{owner} has no mode {mode!r}; choose {choices}")
    return mode


def with_reply(context: GuardInput | None, response: str, images: Sequence[Any] = ()) -> GuardInput | None:
    """A reply, judged against the prompt that produced it; None when it has nothing to judge.

    ``context`` was validated when the prompt was checked, so it is extended, not built again;
    only the reply's own images are read here.
    """
    if not response.strip() and not images:
        return None
    if context is None:
        return validated({"response": response, "images": tuple(images)})
    added = tuple(image_from(image) for image in images)
    return context.model_copy(update={"response": response or None, "images": (*context.images, *added)})


def blocks(verdict: Verdict, stage: str) -> bool:
    """Whether ``verdict`` stops content at ``stage`` ("input", "output", "tool", "retrieval"...).

    At the output stage the reply is what is judged: a safe reply to an unsafe request (a
    refusal, typically) passes, since the request is the input stage's business. A verdict the
    guard could not give (error, unparseable output: the policy failed it closed) or one with no
    reply label (image-only checks) still blocks.
    """
    if verdict.safe:
        return False
    if stage != "output" or verdict.policy is not None:
        return True
    return verdict.response != "safe"


def verdict_payload(verdict: Verdict) -> dict[str, Any]:
    """The verdict as plain JSON data: safe to put in message metadata, traces and logs."""
    return verdict.to_dict()


def violated_categories(verdict: Verdict) -> list[str]:
    """``["C8S1 Weapons", "new risk: ..."]``: what the guard named, readable without the taxonomy."""
    return [f"{c.id} {c.name}" if c.id else c.name for c in verdict.categories]


def explanation(verdict: Verdict) -> str:
    """Why the guard decided: its reasoning when it gave one, else the one-line summary."""
    return verdict.reasoning.strip() or verdict.summary()


def render_violation(template: str, verdict: Verdict, stage: str = "input") -> str:
    """Fill a refusal template; placeholders: {category} {category_id} {categories} {summary} {stage}.

    A verdict without a category (a failed or unparseable check) still renders, so a refusal
    never leaks a raw ``{category}`` to the user.
    """
    first = verdict.category
    if first is not None:
        category, category_id = first.name, first.id or first.name
    elif verdict.error or verdict.parse_error:
        category, category_id = "guard unavailable", "error"
    else:
        category, category_id = "unsafe content", "unsafe"
    fields = {
        "category": category,
        "category_id": category_id,
        "categories": ", ".join(violated_categories(verdict)) or category,
        "summary": verdict.summary(),
        "stage": stage,
    }
    return template.format_map(_Defaulting(fields))


class _Defaulting(dict[str, str]):
    # An unknown placeholder in a user's template must not crash the refusal path.
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


K = TypeVar("K")
V = TypeVar("V")


class BoundedStore(Generic[K, V]):
    """A thread-safe map that forgets its oldest entries past ``maxsize``.

    Adapters use it to carry a prompt from the place it is checked to the place the reply is
    checked; a pair that never completes (an error in between) must not leak memory.
    """

    def __init__(self, maxsize: int = 10_000) -> None:
        self._items: OrderedDict[K, V] = OrderedDict()
        self._maxsize = maxsize
        self._lock = threading.Lock()

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._maxsize:
                self._items.popitem(last=False)

    def pop(self, key: K) -> V | None:
        with self._lock:
            return self._items.pop(key, None)

    def get(self, key: K) -> V | None:
        with self._lock:
            return self._items.get(key)

    def __len__(self) -> int:
        return len(self._items)


__all__ = [
    "DEFAULT_VIOLATION_MESSAGE",
    "MODES",
    "RENAMED_MODES",
    "VERDICT_KEY",
    "BoundedStore",
    "Mode",
    "blocks",
    "explanation",
    "render_violation",
    "resolve_guard",
    "resolve_mode",
    "verdict_payload",
    "violated_categories",
    "with_reply",
]
