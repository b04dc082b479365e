"""``ProGuardCheck``: a LangChain runnable that checks what flows through a chain.

    chain = ProGuardCheck.wrap(prompt | llm, guard=guard)            # checks both sides
    chain = ProGuardCheck(stage="input") | prompt | llm | ProGuardCheck(stage="output")

How the output check knows the prompt
-------------------------------------
A reply is judged against the prompt that produced it. An input-stage check records the turn it
checked under the id of the run that contains it (the enclosing ``RunnableSequence``); an
output-stage check in the same sequence picks it up from there. ``|`` flattens sequences, so this
holds however the chain is built, and batch items each have their own run, so prompts never
cross. ``ProGuardCheck.wrap(runnable)`` builds exactly that sequence. An output check with no
paired input check judges the reply alone, unless its value is a message list ending with the
reply, whose preceding user turn is then the prompt.

Modes
-----
``mode="block"`` (default) raises :class:`proguard_core.GuardViolation`; ``mode="annotate"`` lets
the value through with the verdict attached (``get_verdict(value)``). A step after the check that
turns the message into text (``StrOutputParser()``) drops what was attached: the verdict is still
in the run's callbacks, which ``collect_verdicts()`` and ``VerdictLog`` read (see
:mod:`proguard_integrations.langchain.verdicts`). An output check in annotate mode that is
handed text warns once when nothing collects its verdicts. (An input check's text goes on to the
model; the output check's verdict repeats the request's label.)

What blocks
-----------
The input stage blocks an unsafe verdict. The output stage blocks when the *reply* is unsafe (or
the guard could not decide, or gave no reply label): a safe refusal to an unsafe request passes,
since judging the request is the input stage's job. The verdict attached in annotate mode is the
guard's full verdict either way (``verdict.request`` / ``verdict.response``).

Streaming
---------
The input stage checks the whole input before anything moves (inputs arrive whole anyway).
The output stage checks the reply in windows of ``stream_window_chars`` characters, each
including the last ``stream_overlap_chars`` of the text before it so a phrase cut by a window
boundary is still seen whole. In ``block`` mode chunks are held back until the window containing
them has passed, so a blocked reply never shows its unsafe part; in ``annotate`` mode chunks
flow at once and a final empty chunk carries the verdict (``AIMessageChunk`` streams only).
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal
from uuid import UUID

from langchain_core.callbacks.manager import AsyncCallbackManagerForChainRun, CallbackManagerForChainRun
from langchain_core.messages import AIMessageChunk
from langchain_core.runnables import Runnable, RunnableConfig, RunnableSequence, RunnableSerializable
from langchain_core.runnables.config import (
    ensure_config,
    get_async_callback_manager_for_config,
    get_callback_manager_for_config,
)
from pydantic import ConfigDict, Field, PrivateAttr

from proguard_core import Guard, GuardInput, GuardViolation, Verdict
from proguard_integrations._shared import BoundedStore, blocks, resolve_guard, verdict_payload
from proguard_integrations.langchain._convert import (
    annotate,
    carries_verdict,
    chunk_text,
    input_stage,
    output_stage,
)
from proguard_integrations.langchain._convert import get_verdict as _read_verdict
from proguard_integrations.langchain.verdicts import EVENT_NAME, VerdictLog

Stage = Literal["input", "output"]
Mode = Literal["block", "annotate"]

# Prompts checked by an input stage, waiting for the output stage of the same sequence run.
_PROMPTS: BoundedStore[UUID, GuardInput] = BoundedStore()


class ProGuardCheck(RunnableSerializable[Any, Any]):
    """Checks the value passing through: ``stage="input"`` before a model, ``"output"`` after.

    ``mode="block"`` raises :class:`proguard_core.GuardViolation` (``.verdict`` says why);
    ``mode="annotate"`` passes the value on with the verdict in
    ``message.response_metadata["proguard"]`` (dicts get a ``"proguard"`` key; read it back with
    :func:`get_verdict`). Every check also emits the custom callback event ``proguard_verdict``,
    which :func:`collect_verdicts` and :class:`VerdictLog` read whatever follows the check.
    ``categories`` lists the taxonomy ids in scope for every check (``None``: all).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    guard: Guard | None = Field(default=None, exclude=True)
    stage: Stage = "input"
    mode: Mode = "block"
    categories: list[str] | None = None
    stream_window_chars: int = Field(default=400, gt=0)
    stream_overlap_chars: int = Field(default=120, ge=0)
    _warned_text: bool = PrivateAttr(default=False)

    def __init__(self, guard: Guard | None = None, **kwargs: Any) -> None:
        super().__init__(guard=guard, **kwargs)  # type: ignore[call-arg]
        if self.name is None:
            self.name = f"ProGuardCheck[{self.stage}]"

    @classmethod
    def wrap(
        cls,
        runnable: Runnable[Any, Any],
        guard: Guard | None = None,
        *,
        mode: Mode = "block",
        categories: list[str] | None = None,
        check_input: bool = True,
        check_output: bool = True,
    ) -> Runnable[Any, Any]:
        """``input check | runnable | output check``, the output judged against the input."""
        steps: list[Runnable[Any, Any]] = []
        if check_input:
            steps.append(cls(guard, stage="input", mode=mode, categories=categories))
        steps.append(runnable)
        if check_output:
            steps.append(cls(guard, stage="output", mode=mode, categories=categories))
        if len(steps) == 1:
            return runnable
        return RunnableSequence(*steps, name="ProGuarded")

    # --- invoke ---------------------------------------------------------------------------------

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        # What _call_with_config does, minus its per-call signature inspection of the target,
        # which cost more than the rest of this adapter together.
        config = ensure_config(config)
        run_manager = get_callback_manager_for_config(config).on_chain_start(
            None,
            input,
            run_type="chain",
            name=config.get("run_name") or self.get_name(),
            run_id=config.pop("run_id", None),
        )
        try:
            output = self._invoke(input, run_manager)
        except BaseException as exc:
            run_manager.on_chain_error(exc)
            raise
        run_manager.on_chain_end(output)
        return output

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        config = ensure_config(config)
        run_manager = await get_async_callback_manager_for_config(config).on_chain_start(
            None,
            input,
            run_type="chain",
            name=config.get("run_name") or self.get_name(),
            run_id=config.pop("run_id", None),
        )
        try:
            output = await self._ainvoke(input, run_manager)
        except BaseException as exc:
            await run_manager.on_chain_error(exc)
            raise
        await run_manager.on_chain_end(output)
        return output

    def _invoke(self, value: Any, run_manager: CallbackManagerForChainRun) -> Any:
        item = self._prepare(value, run_manager.parent_run_id)
        if item is None:
            return value
        verdict = resolve_guard(self.guard).check(item, categories=self.categories)
        self._emit(run_manager, verdict)
        self._warn_if_lost(carries_verdict(value), type(value).__name__, run_manager.handlers)
        return self._finish(value, item, verdict, run_manager.parent_run_id)

    async def _ainvoke(self, value: Any, run_manager: AsyncCallbackManagerForChainRun) -> Any:
        item = self._prepare(value, run_manager.parent_run_id)
        if item is None:
            return value
        verdict = await resolve_guard(self.guard).acheck(item, categories=self.categories)
        await self._aemit(run_manager, verdict)
        self._warn_if_lost(carries_verdict(value), type(value).__name__, run_manager.handlers)
        return self._finish(value, item, verdict, run_manager.parent_run_id)

    def _emit(self, run_manager: CallbackManagerForChainRun, verdict: Verdict) -> None:
        # dispatch_custom_event(config=child) does exactly this; building the payload is skipped
        # when nobody listens.
        if run_manager.handlers:
            run_manager.get_child().on_custom_event(
                EVENT_NAME, self._event(verdict), run_id=run_manager.run_id
            )

    async def _aemit(self, run_manager: AsyncCallbackManagerForChainRun, verdict: Verdict) -> None:
        if run_manager.handlers:
            await run_manager.get_child().on_custom_event(
                EVENT_NAME, self._event(verdict), run_id=run_manager.run_id
            )

    # --- batch: one guard call for all items ----------------------------------------------------

    def batch(
        self,
        inputs: list[Any],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        return self._batch_with_config(
            self._batch, list(inputs), config, return_exceptions=return_exceptions, run_type="chain"
        )

    async def abatch(
        self,
        inputs: list[Any],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        return await self._abatch_with_config(
            self._abatch, list(inputs), config, return_exceptions=return_exceptions, run_type="chain"
        )

    def _batch(self, values: list[Any], run_manager: list[CallbackManagerForChainRun]) -> list[Any]:
        parents = [rm.parent_run_id for rm in run_manager]
        items = [self._safe_prepare(v, p) for v, p in zip(values, parents, strict=True)]
        todo = {i: item for i, item in enumerate(items) if isinstance(item, GuardInput)}
        verdicts = resolve_guard(self.guard).check_batch(list(todo.values()), categories=self.categories)
        results: list[Any] = [
            item if isinstance(item, Exception) else values[i] for i, item in enumerate(items)
        ]
        for (i, item), verdict in zip(todo.items(), verdicts, strict=True):
            self._emit(run_manager[i], verdict)
            results[i] = self._safe_finish(values[i], item, verdict, parents[i])
        return results

    async def _abatch(
        self, values: list[Any], run_manager: list[AsyncCallbackManagerForChainRun]
    ) -> list[Any]:
        parents = [rm.parent_run_id for rm in run_manager]
        items = [self._safe_prepare(v, p) for v, p in zip(values, parents, strict=True)]
        todo = {i: item for i, item in enumerate(items) if isinstance(item, GuardInput)}
        guard = resolve_guard(self.guard)
        verdicts = await guard.acheck_batch(list(todo.values()), categories=self.categories)
        results: list[Any] = [
            item if isinstance(item, Exception) else values[i] for i, item in enumerate(items)
        ]
        for (i, item), verdict in zip(todo.items(), verdicts, strict=True):
            await self._aemit(run_manager[i], verdict)
            results[i] = self._safe_finish(values[i], item, verdict, parents[i])
        return results

    # --- streaming ------------------------------------------------------------------------------

    def transform(
        self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        if self.stage == "input":
            yield from super().transform(input, config, **kwargs)
            return
        yield from self._transform_stream_with_config(input, self._stream_output, config, run_type="chain")

    async def atransform(
        self, input: AsyncIterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        if self.stage == "input":
            async for chunk in super().atransform(input, config, **kwargs):
                yield chunk
            return
        async for chunk in self._atransform_stream_with_config(
            input, self._astream_output, config, run_type="chain"
        ):
            yield chunk

    def stream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[Any]:
        if self.stage == "input":
            # The base transform buffers the input, then comes back here with it whole.
            yield self.invoke(input, config, **kwargs)
            return
        yield from self.transform(iter([input]), config, **kwargs)

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        if self.stage == "input":
            yield await self.ainvoke(input, config, **kwargs)
            return

        async def once() -> AsyncIterator[Any]:
            yield input

        async for chunk in self.atransform(once(), config, **kwargs):
            yield chunk

    def _stream_output(self, chunks: Iterator[Any], run_manager: CallbackManagerForChainRun) -> Iterator[Any]:
        window = _Window(self, _PROMPTS.pop(run_manager.parent_run_id) if run_manager.parent_run_id else None)
        guard = resolve_guard(self.guard)
        for chunk in chunks:
            for item in window.add(chunk):
                verdict = guard.check(item, categories=self.categories)
                self._emit(run_manager, verdict)
                yield from window.passed(verdict)
            yield from window.release_if_annotating()
        rest = window.rest()
        if rest is not None:
            verdict = guard.check(rest, categories=self.categories)
            self._emit(run_manager, verdict)
            yield from window.passed(verdict)
        self._warn_if_lost(window.message_chunks, "stream of text", run_manager.handlers)
        yield from window.closing()

    async def _astream_output(
        self, chunks: AsyncIterator[Any], run_manager: AsyncCallbackManagerForChainRun
    ) -> AsyncIterator[Any]:
        window = _Window(self, _PROMPTS.pop(run_manager.parent_run_id) if run_manager.parent_run_id else None)
        guard = resolve_guard(self.guard)
        async for chunk in chunks:
            for item in window.add(chunk):
                verdict = await guard.acheck(item, categories=self.categories)
                await self._aemit(run_manager, verdict)
                for out in window.passed(verdict):
                    yield out
            for out in window.release_if_annotating():
                yield out
        rest = window.rest()
        if rest is not None:
            verdict = await guard.acheck(rest, categories=self.categories)
            await self._aemit(run_manager, verdict)
            for out in window.passed(verdict):
                yield out
        self._warn_if_lost(window.message_chunks, "stream of text", run_manager.handlers)
        for out in window.closing():
            yield out

    # --- shared steps ---------------------------------------------------------------------------

    def _prepare(self, value: Any, parent: UUID | None) -> GuardInput | None:
        if self.stage == "input":
            return input_stage(value)
        context = _PROMPTS.pop(parent) if parent is not None else None
        return output_stage(value, context)

    def _warn_if_lost(self, carried: bool, kind: str, handlers: list[Any]) -> None:
        # Text cannot carry a verdict; say so once, unless the run's callbacks collect it. An input
        # check's text goes on to the model, and the output check judges the request again.
        if self.mode != "annotate" or self.stage != "output" or self._warned_text or carried:
            return
        if any(isinstance(h, VerdictLog) for h in handlers):
            return
        self._warned_text = True
        warnings.warn(
            f"{self.get_name()} in annotate mode got a {kind}, which cannot carry "
            "the verdict; read it with proguard_integrations.langchain.collect_verdicts() or a "
            "VerdictLog callback, or put the check before the step that makes text",
            UserWarning,
            stacklevel=2,
        )

    def _safe_prepare(self, value: Any, parent: UUID | None) -> GuardInput | Exception | None:
        try:
            return self._prepare(value, parent)
        except Exception as exc:  # reported per item, like any other batch failure
            return exc

    def _finish(self, value: Any, item: GuardInput, verdict: Verdict, parent: UUID | None) -> Any:
        if self.stage == "input" and parent is not None and (verdict.safe or self.mode == "annotate"):
            _PROMPTS.put(parent, item)
        if self.mode == "block" and blocks(verdict, self.stage):
            raise GuardViolation(verdict, f"ProGuard blocked the {self.stage}: {verdict.summary()}")
        return annotate(value, verdict) if self.mode == "annotate" else value

    def _safe_finish(self, value: Any, item: GuardInput, verdict: Verdict, parent: UUID | None) -> Any:
        try:
            return self._finish(value, item, verdict, parent)
        except GuardViolation as exc:
            return exc

    def _event(self, verdict: Verdict) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "mode": self.mode,
            "safe": verdict.safe,
            "verdict": verdict_payload(verdict),
        }


class _Window:
    """Cuts a streamed reply into overlapping windows and decides which chunks may leave."""

    def __init__(self, check: ProGuardCheck, context: GuardInput | None) -> None:
        self.check = check
        self.context = context
        self.held: list[Any] = []
        self.pending = ""
        self.tail = ""
        self.seen_any = False
        self.worst: Verdict | None = None
        self.message_chunks = True

    def add(self, chunk: Any) -> list[GuardInput]:
        self.held.append(chunk)
        self.message_chunks = self.message_chunks and isinstance(chunk, AIMessageChunk)
        self.pending += chunk_text(chunk)
        if len(self.pending) < self.check.stream_window_chars:
            return []
        item = self._window_input()
        return [item] if item is not None else []

    def rest(self) -> GuardInput | None:
        if self.pending or not self.seen_any:
            return self._window_input()
        return None

    def _window_input(self) -> GuardInput | None:
        text = self.tail + self.pending
        overlap = self.check.stream_overlap_chars
        self.tail = text[-overlap:] if overlap else ""
        self.pending = ""
        self.seen_any = True
        return output_stage(text, self.context)

    def passed(self, verdict: Verdict) -> list[Any]:
        blocked = blocks(verdict, "output")
        if self.worst is None or (blocked and not blocks(self.worst, "output")):
            self.worst = verdict
        if blocked and self.check.mode == "block":
            raise GuardViolation(verdict, f"ProGuard blocked the streamed output: {verdict.summary()}")
        if self.check.mode == "block":
            released, self.held = self.held, []
            return released
        return []

    def release_if_annotating(self) -> list[Any]:
        if self.check.mode == "annotate":
            released, self.held = self.held, []
            return released
        return []

    def closing(self) -> list[Any]:
        released, self.held = self.held, []
        if self.check.mode == "annotate" and self.worst is not None and self.message_chunks:
            # Chunks are summed by whoever reads the stream; metadata dicts merge, so the verdict
            # lands on the final message.
            released.append(
                AIMessageChunk(content="", response_metadata={"proguard": verdict_payload(self.worst)})
            )
        return released


def get_verdict(value: Any) -> Verdict | None:
    """The verdict an ``annotate`` check attached to a message, prompt value, list or dict.

    ``None`` when nothing was attached; a ``TypeError`` for text, which cannot carry one (read
    the verdict with :func:`collect_verdicts` then).
    """
    return _read_verdict(value)


__all__ = ["EVENT_NAME", "Mode", "ProGuardCheck", "Stage", "get_verdict"]
