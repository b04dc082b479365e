"""The Guard facade: the one object users hold.

A Guard turns what the caller has (text, a response, any number of images, a category subset)
into requests a model can judge, asks the model, and merges the answers under a policy:

* several images in one turn are each checked with the text; long text is split into overlapping
  parts that are all checked; the worst part decides (an unsafe tail is still unsafe);
* a guard that cannot decide (engine error, timeout, unparseable output) fails closed by default.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from proguard_core.engines import EngineSettings, build_engine, parse_spec
from proguard_core.errors import (
    BackendError,
    GuardTimeoutError,
    InputError,
    ProGuardError,
    RemoteImageRefusedError,
    UnparseableOutputError,
)
from proguard_core.images import DEFAULT_LIMITS, ImageLimits, fetch_remote, image_items
from proguard_core.inputs import CheckItem, to_guard_input
from proguard_core.models.base import GuardModel, ModelRequest
from proguard_core.taxonomy import Taxonomy, default_taxonomy
from proguard_core.types import CategoryVerdict, GuardInput, ImageData, Label, Timings, Turn, Verdict

FailureAction = Literal["block", "allow", "raise"]


class Policy(BaseModel):
    """What the Guard does when the model cannot decide.

    ``block`` (default) reports the content unsafe, ``allow`` reports it safe, ``raise`` raises
    the error to the caller. The verdict's ``policy`` field records which rule fired.

    ``timeout_s`` is the budget of one ``check``/``check_batch`` call, all its parts together.
    When it runs out, no further model call starts: parts not yet judged are answered by
    ``on_error`` with a :class:`GuardTimeoutError`, and the call returns. A model call already
    running finishes in its thread (Python cannot stop it) but its answer is not waited for, so
    at most one batch of ``max_batch_size`` parts outlives the deadline.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    on_error: FailureAction = "block"
    on_parse_error: FailureAction = "block"
    timeout_s: float | None = None


@dataclass(frozen=True)
class _Part:
    owner: int
    request: ModelRequest


@dataclass(frozen=True)
class _Outcome:
    verdict: Verdict | None
    error: ProGuardError | None = None


@dataclass(frozen=True)
class _Deadline:
    """When one check call runs out of time (``time.monotonic()``), and the budget it was given."""

    at: float
    budget_s: float

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def error(self) -> GuardTimeoutError:
        return GuardTimeoutError(f"no verdict within {self.budget_s:g} s")


class Guard:
    """Checks prompts, responses and images for risks.

    Build one with :func:`load_guard`; ``Guard(model)`` works with any :class:`GuardModel`.
    All methods are safe to call from several threads; ``acheck*`` are their asyncio twins.
    """

    def __init__(
        self,
        model: GuardModel,
        *,
        taxonomy: Taxonomy | None = None,
        policy: Policy | None = None,
        image_limits: ImageLimits = DEFAULT_LIMITS,
        allow_remote_images: bool = False,
        max_batch_size: int = 16,
        overlap_chars: int = 200,
    ) -> None:
        if max_batch_size < 1:
            raise ValueError("max_batch_size must be at least 1")
        self.model = model
        self.taxonomy = taxonomy or default_taxonomy()
        self.policy = policy or Policy()
        self.image_limits = image_limits
        self.allow_remote_images = allow_remote_images
        self.max_batch_size = max_batch_size
        self.overlap_chars = overlap_chars
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None

    def __repr__(self) -> str:
        return f"Guard(model={self.model.name!r}, policy={self.policy!r})"

    @property
    def model_name(self) -> str:
        return self.model.name

    # --- public API -------------------------------------------------------------------------------

    def check(
        self,
        prompt: CheckItem | None = None,
        response: str | None = None,
        *,
        images: Iterable[Any] = (),
        history: Iterable[Turn | Mapping[str, str]] = (),
        categories: Iterable[str] | None = None,
        timeout_s: float | None = None,
    ) -> Verdict:
        """Check one turn: ``check(prompt, response, images=...)``, or one item in ``prompt``.

        The item may be a :class:`GuardInput`, a ``(prompt, response)`` pair, a dict of GuardInput
        fields, a chat message or a list of chat messages (see :mod:`proguard_core.inputs`).
        ``images`` is one image (a path, bytes, PIL image, data URL) or a list of them.
        ``timeout_s`` replaces ``Policy.timeout_s`` for this call.
        """
        item = self._coerce(prompt, response, images, history)
        return self.check_batch([item], categories=categories, timeout_s=timeout_s)[0]

    async def acheck(
        self,
        prompt: CheckItem | None = None,
        response: str | None = None,
        *,
        images: Iterable[Any] = (),
        history: Iterable[Turn | Mapping[str, str]] = (),
        categories: Iterable[str] | None = None,
        timeout_s: float | None = None,
    ) -> Verdict:
        item = self._coerce(prompt, response, images, history)
        return (await self.acheck_batch([item], categories=categories, timeout_s=timeout_s))[0]

    def check_batch(
        self,
        items: Sequence[CheckItem],
        *,
        categories: Iterable[str] | None = None,
        timeout_s: float | None = None,
    ) -> list[Verdict]:
        """Check many turns, one verdict each; an item is anything :meth:`check` takes as one.

        ``timeout_s`` replaces ``Policy.timeout_s`` for this call (the budget of all its parts).
        """
        start = time.perf_counter()
        deadline = self._deadline(timeout_s)
        inputs, parts = self._plan(items, categories)
        outcomes: list[_Outcome] = []
        for batch in _chunks(parts, self.max_batch_size):
            outcomes.extend(self._run_sync([p.request for p in batch], deadline))
        return self._merge(inputs, parts, outcomes, start)

    async def acheck_batch(
        self,
        items: Sequence[CheckItem],
        *,
        categories: Iterable[str] | None = None,
        timeout_s: float | None = None,
    ) -> list[Verdict]:
        start = time.perf_counter()
        deadline = self._deadline(timeout_s)
        inputs, parts = self._plan(items, categories)
        outcomes: list[_Outcome] = []
        for batch in _chunks(parts, self.max_batch_size):
            outcomes.extend(await self._run_async([p.request for p in batch], deadline))
        return self._merge(inputs, parts, outcomes, start)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        close = getattr(self.model, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> Guard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- preparing requests -----------------------------------------------------------------------

    def _coerce(
        self,
        prompt: CheckItem | None,
        response: str | None,
        images: Iterable[Any],
        history: Iterable[Turn | Mapping[str, str]],
    ) -> CheckItem:
        image_list, turns = image_items(images), tuple(history)
        if prompt is None or isinstance(prompt, str):
            return {"prompt": prompt, "response": response, "images": image_list, "history": turns}
        if response is not None or image_list or turns:
            kind = type(prompt).__name__
            raise InputError(
                f"a {kind} is a whole item: pass response, images and history inside it, or give "
                "the prompt as text"
            )
        return prompt

    def _to_input(self, item: CheckItem) -> GuardInput:
        guard_input = to_guard_input(item)
        images = tuple(self._resolve_image(image) for image in guard_input.images)
        return (
            guard_input.model_copy(update={"images": images}) if images != guard_input.images else guard_input
        )

    def _resolve_image(self, image: ImageData) -> ImageData:
        if image.data is not None:
            return image
        if not self.allow_remote_images:
            raise RemoteImageRefusedError(
                f"refusing to fetch {image.url!r}: pass the image bytes, or build the Guard with "
                "allow_remote_images=True"
            )
        return fetch_remote(image, self.image_limits)

    def _provided(self, categories: Iterable[str] | None) -> Taxonomy:
        if categories is None:
            return self.taxonomy
        ids = [categories] if isinstance(categories, str) else list(categories)
        return self.taxonomy.subset(ids)

    def _plan(
        self, items: Sequence[CheckItem], categories: Iterable[str] | None
    ) -> tuple[list[GuardInput], list[_Part]]:
        if isinstance(items, (str, GuardInput)) or not isinstance(items, Sequence):
            raise InputError("check_batch takes a sequence of items; use check() for one")
        provided = self._provided(categories)
        inputs = [self._to_input(item) for item in items]
        parts = [
            _Part(owner, ModelRequest(piece, provided, self.taxonomy))
            for owner, guard_input in enumerate(inputs)
            for piece in self._pieces(guard_input)
        ]
        return inputs, parts

    def _pieces(self, guard_input: GuardInput) -> list[GuardInput]:
        """Split into inputs the model can take: one image each, text within its budget."""
        texts = self._text_pieces(guard_input)
        if not guard_input.images:
            return texts
        if len(texts) == 1:
            return [texts[0].model_copy(update={"images": (image,)}) for image in guard_input.images]
        # Long text with images: every text piece alone, then each image with the text nearest
        # the question (the end of the prompt) so image-text combinations are still judged.
        anchor = texts[-1].model_copy(update={"response": None}) if guard_input.has_response else texts[-1]
        return texts + [anchor.model_copy(update={"images": (image,)}) for image in guard_input.images]

    def _text_pieces(self, guard_input: GuardInput) -> list[GuardInput]:
        budget = self.model.max_text_chars
        prompt, response = guard_input.prompt or "", guard_input.response or ""
        history_chars = sum(len(t.text) for t in guard_input.history)
        if budget is None or len(prompt) + len(response) + history_chars <= budget:
            return [guard_input.model_copy(update={"images": ()})]
        # Over budget, earlier turns are judged as parts of their own rather than as context.
        # Whitespace-only windows carry nothing to judge (and GuardInput rejects them).
        pieces: list[GuardInput] = [
            GuardInput(prompt=chunk)
            for turn in guard_input.history
            for chunk in split_text(turn.text, budget, self.overlap_chars)
            if chunk.strip()
        ]
        if not response:
            return pieces + [
                GuardInput(prompt=c) for c in split_text(prompt, budget, self.overlap_chars) if c.strip()
            ]
        half = max(budget // 2, 1)
        prompt_chunks = split_text(prompt, half, self.overlap_chars) if prompt else [""]
        pieces += [GuardInput(prompt=c) for c in prompt_chunks if c.strip()]
        context = prompt_chunks[-1]
        pieces += [
            GuardInput(prompt=context, response=c) for c in split_text(response, half, self.overlap_chars)
        ]
        return pieces

    # --- running the model ------------------------------------------------------------------------

    def _deadline(self, timeout_s: float | None) -> _Deadline | None:
        budget = self.policy.timeout_s if timeout_s is None else timeout_s
        return None if budget is None else _Deadline(time.monotonic() + budget, budget)

    def _run_sync(self, requests: list[ModelRequest], deadline: _Deadline | None) -> list[_Outcome]:
        try:
            if deadline is None:
                verdicts = self.model.predict(requests)
            else:
                remaining = deadline.remaining()
                if remaining <= 0:  # out of time: the rest is answered without a model call
                    raise deadline.error()
                if self._executor is None:
                    self._executor = concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="proguard")
                future = self._executor.submit(self.model.predict, requests)
                try:
                    verdicts = future.result(timeout=remaining)
                except concurrent.futures.TimeoutError:
                    future.cancel()
                    raise deadline.error() from None
        except ProGuardError as exc:
            if isinstance(exc, InputError):
                raise
            return [_Outcome(None, exc)] * len(requests)
        except Exception as exc:  # an engine bug must not let content through
            return [_Outcome(None, BackendError(f"{type(exc).__name__}: {exc}"))] * len(requests)
        return self._check_count(requests, verdicts)

    async def _run_async(self, requests: list[ModelRequest], deadline: _Deadline | None) -> list[_Outcome]:
        try:
            if deadline is None:
                verdicts = await self.model.apredict(requests)
            else:
                remaining = deadline.remaining()
                if remaining <= 0:
                    raise deadline.error()
                try:
                    # On expiry wait_for cancels the call, so a model that awaits (a remote
                    # engine, the server's batcher) drops the parts it has not started.
                    verdicts = await asyncio.wait_for(self.model.apredict(requests), remaining)
                except asyncio.TimeoutError:
                    raise deadline.error() from None
        except ProGuardError as exc:
            if isinstance(exc, InputError):
                raise
            return [_Outcome(None, exc)] * len(requests)
        except Exception as exc:
            return [_Outcome(None, BackendError(f"{type(exc).__name__}: {exc}"))] * len(requests)
        return self._check_count(requests, verdicts)

    @staticmethod
    def _check_count(requests: list[ModelRequest], verdicts: list[Verdict]) -> list[_Outcome]:
        if len(verdicts) != len(requests):
            error = BackendError(f"model returned {len(verdicts)} verdicts for {len(requests)} requests")
            return [_Outcome(None, error)] * len(requests)
        return [_Outcome(v) for v in verdicts]

    # --- merging and policy -----------------------------------------------------------------------

    def _merge(
        self, inputs: list[GuardInput], parts: list[_Part], outcomes: list[_Outcome], start: float
    ) -> list[Verdict]:
        grouped: list[list[_Outcome]] = [[] for _ in inputs]
        for part, outcome in zip(parts, outcomes, strict=True):
            grouped[part.owner].append(outcome)
        elapsed_ms = 1000 * (time.perf_counter() - start) / max(len(inputs), 1)
        return [
            self._decide(guard_input, group, elapsed_ms)
            for guard_input, group in zip(inputs, grouped, strict=True)
        ]

    def _decide(self, guard_input: GuardInput, outcomes: list[_Outcome], elapsed_ms: float) -> Verdict:
        verdicts = [o.verdict for o in outcomes if o.verdict is not None]
        errors = [o.error for o in outcomes if o.error is not None]
        request = _worst(v.request for v in verdicts)
        response = _worst(v.response for v in verdicts) if guard_input.has_response else None
        categories = _union(c for v in verdicts if not v.safe for c in v.categories)
        parse_error = any(v.parse_error for v in verdicts)
        scores: dict[str, float] = {}
        for v in verdicts:
            for key, value in v.scores.items():
                scores[key] = max(value, scores.get(key, value))
        unsafe_parts = [v for v in verdicts if not v.safe]
        shown = unsafe_parts or verdicts
        labelled_unsafe = "unsafe" in (request, response) or bool(unsafe_parts)
        safe, policy, error = not labelled_unsafe, None, None
        if not labelled_unsafe and errors:
            error = "; ".join(dict.fromkeys(str(e) for e in errors))
            safe, policy = self._apply(self.policy.on_error, "error", errors[0])
        elif not labelled_unsafe and parse_error:
            safe, policy = self._apply(self.policy.on_parse_error, "parse_error", None)
        elif unsafe_parts and len({v.policy for v in unsafe_parts}) == 1:
            # A model's own rule decided every unsafe part (the embedded guard's fail-closed
            # reading of text it cannot read): the verdict says so.
            policy = unsafe_parts[0].policy
        return Verdict(
            safe=safe,
            request=request,
            response=response,
            categories=categories,
            reasoning="\n\n".join(v.reasoning for v in shown if v.reasoning),
            raw="\n\n".join(v.raw for v in verdicts if v.raw),
            parse_error=parse_error,
            error=error,
            policy=policy,
            scores=scores,
            modality=guard_input.modality,
            parts=len(outcomes),
            model=self.model.name,
            timings=Timings(total_ms=elapsed_ms, model_ms=sum(v.timings.model_ms for v in verdicts)),
        )

    @staticmethod
    def _apply(action: FailureAction, reason: str, error: ProGuardError | None) -> tuple[bool, str]:
        if action == "raise":
            if error is not None:
                raise error
            raise UnparseableOutputError("guard output could not be parsed")
        if action == "allow":
            return True, f"fail_open:{reason}"
        return False, f"fail_closed:{reason}"


def split_text(text: str, size: int, overlap: int = 200) -> list[str]:
    """Cover ``text`` with windows of at most ``size`` characters that overlap by ``overlap``.

    Cuts prefer whitespace near the window end so words are not broken; no character is dropped.
    """
    if size <= 0:
        raise ValueError("size must be positive")
    if len(text) <= size:
        return [text]
    overlap = min(overlap, size // 2)
    chunks, begin = [], 0
    while begin < len(text):
        end = min(begin + size, len(text))
        if end < len(text):
            cut = text.rfind(" ", begin + size - max(size // 10, 1), end)
            if cut > begin:
                end = cut
        chunks.append(text[begin:end])
        if end >= len(text):
            break
        begin = max(end - overlap, begin + 1)
    return chunks


def _worst(labels: Iterable[Label | None]) -> Label | None:
    seen = set(labels)
    if "unsafe" in seen:
        return "unsafe"
    return "safe" if "safe" in seen else None


def _union(categories: Iterable[CategoryVerdict]) -> tuple[CategoryVerdict, ...]:
    merged: dict[tuple[str | None, str], CategoryVerdict] = {}
    for cat in categories:
        key = (cat.id, cat.name.lower() if cat.id is None else "")
        kept = merged.get(key)
        if kept is None or (cat.score or 0) > (kept.score or 0):
            merged[key] = cat
    return tuple(merged.values())


def _chunks(parts: list[_Part], size: int) -> Iterable[list[_Part]]:
    for begin in range(0, len(parts), size):
        yield parts[begin : begin + size]


__all__ = ["FailureAction", "Guard", "Policy", "split_text"]


# --- construction -----------------------------------------------------------------------------------


def load_guard(
    spec: str | None = None,
    *,
    backend: str | None = None,
    model: str | None = None,
    policy: Policy | None = None,
    taxonomy: Taxonomy | None = None,
    allow_remote_images: bool = False,
    max_batch_size: int | None = None,
    max_new_tokens: int = 1024,
    **backend_options: Any,
) -> Guard:
    """Build a Guard.

    * ``load_guard()`` or ``load_guard("embedded")``: the embedded CPU guard (no download).
    * ``load_guard(backend="transformers", model="yushaohan/ProGuard-7B")`` (local dir or hub id),
      likewise ``backend="vllm"`` and ``backend="openai", model=..., base_url=...``.
    * ``load_guard(backend="fake", outputs=[...])``: scripted outputs for tests.
    * ``load_guard("proguard:http://127.0.0.1:8000", api_key=...)``: a ``proguard serve`` service.
    * A spec string joins these for CLIs and configs: ``"transformers:path/to/model"``,
      ``"openai:ProGuard-7B@http://127.0.0.1:8000/v1"``, ``"fake"``.

    Other keywords are the engine's own options (:data:`proguard_core.engines.ENGINES` lists them).
    ``max_batch_size`` (default 16) is how many inputs the Guard sends per model call; given
    explicitly, it also caps the transformers engine's own batches (8 by default).
    """
    engine = build_engine(
        spec,
        backend=backend,
        model=model,
        options=backend_options,
        settings=EngineSettings(max_new_tokens=max_new_tokens, max_batch_size=max_batch_size),
    )
    return Guard(
        engine,
        policy=policy,
        taxonomy=taxonomy,
        allow_remote_images=allow_remote_images,
        max_batch_size=16 if max_batch_size is None else max_batch_size,
    )


__all__ += ["load_guard", "parse_spec"]
