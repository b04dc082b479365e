"""Pieces every framework adapter needs: the lazily loaded default guard, verdict payloads,
refusal messages, and OpenAI-style content parts.

Nothing here imports a framework; adapters import their framework themselves.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

from proguard_core import Guard, GuardInput, Turn, Verdict, load_guard

# The key under which adapters attach a verdict to framework objects (message metadata, node
# metadata, NeMo output data), so users look in one place whatever the framework.
VERDICT_KEY = "proguard"
DEFAULT_VIOLATION_MESSAGE = "I can't help with that ({category})."

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


def guard_input(
    *,
    prompt: str | None = None,
    response: str | None = None,
    images: Iterable[Any] = (),
    history: Iterable[Turn] = (),
) -> GuardInput:
    """A GuardInput from images in any form its validator accepts (bytes, paths, data URLs...)."""
    return GuardInput.model_validate(
        {"prompt": prompt, "response": response, "images": tuple(images), "history": tuple(history)}
    )


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
    return verdict.model_dump(mode="json")


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


def split_openai_parts(content: Any) -> tuple[str, list[str]]:
    """Text and image references from an OpenAI-style ``content`` (a string or a list of parts).

    Image references are data URLs or http(s) URLs, which ``GuardInput.images`` accepts; the
    Guard refuses remote URLs unless built to fetch them, so nothing is fetched by surprise.
    """
    if content is None:
        return "", []
    if isinstance(content, str):
        return content, []
    texts: list[str] = []
    images: list[str] = []
    for part in content if isinstance(content, Iterable) else [content]:
        if isinstance(part, str):
            texts.append(part)
            continue
        if not isinstance(part, Mapping):
            continue
        kind = part.get("type")
        if kind in ("text", "input_text"):
            texts.append(str(part.get("text", "")))
        elif kind in ("image_url", "input_image"):
            ref = part.get("image_url")
            url = ref.get("url") if isinstance(ref, Mapping) else ref
            if url:
                images.append(str(url))
        elif kind == "image":
            if part.get("base64"):
                images.append(f"data:{part.get('mime_type') or 'image/png'};base64,{part['base64']}")
            elif part.get("url"):
                images.append(str(part["url"]))
    return "\n".join(t for t in texts if t), images


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
    "VERDICT_KEY",
    "BoundedStore",
    "blocks",
    "explanation",
    "guard_input",
    "render_violation",
    "resolve_guard",
    "split_openai_parts",
    "verdict_payload",
    "violated_categories",
]
