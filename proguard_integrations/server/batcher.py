"""Dynamic micro-batching: inputs from concurrent HTTP requests share ``guard.acheck_batch`` calls.

A model judges a batch of 16 for little more than the cost of one (GPU engines, the embedded
encoder), so the batcher waits up to ``max_wait_ms`` after the oldest queued input for others to
join, up to ``max_batch_size``. The queue is bounded: a full queue is refused at once (HTTP 429)
rather than letting latency grow without limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from proguard_core import Guard, GuardInput, ProGuardError, Verdict
from proguard_integrations.server.metrics import ServerMetrics


class QueueFullError(Exception):
    """The batcher's queue cannot take more inputs right now."""


class ShuttingDownError(Exception):
    """The batcher no longer accepts inputs because the server is stopping."""


@dataclass
class _Job:
    item: GuardInput
    categories: tuple[str, ...] | None
    future: asyncio.Future[Verdict]
    enqueued: float = field(default_factory=time.monotonic)


class MicroBatcher:
    def __init__(
        self,
        guard: Guard,
        *,
        max_batch_size: int = 16,
        max_wait_ms: float = 5.0,
        max_queue: int = 1024,
        max_concurrent_batches: int = 1,
        metrics: ServerMetrics | None = None,
    ) -> None:
        if max_batch_size < 1 or max_queue < 1 or max_concurrent_batches < 1:
            raise ValueError("max_batch_size, max_queue and max_concurrent_batches must be at least 1")
        if max_wait_ms < 0:
            raise ValueError("max_wait_ms must not be negative")
        self.guard = guard
        self.max_batch_size = max_batch_size
        self.max_wait_s = max_wait_ms / 1000
        self.max_queue = max_queue
        self.max_concurrent_batches = max_concurrent_batches
        self.metrics = metrics
        self._pending: deque[_Job] = deque()
        self._wakeup: asyncio.Event | None = None
        self._slots: asyncio.Semaphore | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._batches: set[asyncio.Task[None]] = set()
        self._closing = False

    @property
    def depth(self) -> int:
        return len(self._pending)

    @property
    def closing(self) -> bool:
        return self._closing

    async def start(self) -> None:
        if self._loop_task is not None:
            return
        self._wakeup = asyncio.Event()
        self._slots = asyncio.Semaphore(self.max_concurrent_batches)
        self._loop_task = asyncio.create_task(self._run(), name="proguard-batcher")

    def submit(
        self, items: Sequence[GuardInput], categories: Sequence[str] | None = None
    ) -> list[asyncio.Future[Verdict]]:
        """Queue inputs; all or none are accepted, so a request is never half-queued."""
        if self._closing or self._loop_task is None or self._wakeup is None:
            raise ShuttingDownError("the server is shutting down")
        if len(self._pending) + len(items) > self.max_queue:
            raise QueueFullError(f"queue holds {len(self._pending)} of {self.max_queue} inputs")
        loop = asyncio.get_running_loop()
        cats = tuple(categories) if categories is not None else None
        futures: list[asyncio.Future[Verdict]] = []
        for item in items:
            job = _Job(item, cats, loop.create_future())
            self._pending.append(job)
            futures.append(job.future)
        self._wakeup.set()
        return futures

    async def close(self, timeout_s: float | None = None) -> None:
        """Stop accepting, finish what is queued and running; after ``timeout_s`` fail the rest."""
        self._closing = True
        if self._wakeup is not None:
            self._wakeup.set()
        if self._loop_task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._drained()), timeout_s)
        except asyncio.TimeoutError:
            self._loop_task.cancel()
            for task in list(self._batches):
                task.cancel()
            while self._pending:
                job = self._pending.popleft()
                if not job.future.done():
                    job.future.set_exception(
                        ShuttingDownError("the server stopped before this input was judged")
                    )
        with contextlib.suppress(asyncio.CancelledError):
            await self._loop_task

    async def _drained(self) -> None:
        assert self._loop_task is not None
        await self._loop_task
        while self._batches:
            await asyncio.gather(*self._batches, return_exceptions=True)

    # --- the loop -----------------------------------------------------------------------------

    async def _run(self) -> None:
        assert self._slots is not None
        while True:
            # Take a slot first: while every slot is busy, new inputs keep queueing and the next
            # batch leaves full instead of as soon as one input arrives.
            await self._slots.acquire()
            batch = await self._next_batch()
            if batch is None:
                self._slots.release()
                return
            task = asyncio.create_task(self._execute(batch))
            self._batches.add(task)
            task.add_done_callback(self._batches.discard)

    async def _next_batch(self) -> list[_Job] | None:
        assert self._wakeup is not None
        while True:
            self._drop_abandoned()
            if self._pending:
                break
            if self._closing:
                return None
            self._wakeup.clear()
            await self._wakeup.wait()
        # Wait for company, counted from when the oldest input arrived, not from now: an input
        # that already queued behind a running batch should not wait twice.
        deadline = self._pending[0].enqueued + self.max_wait_s
        while len(self._pending) < self.max_batch_size and not self._closing:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._wakeup.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), remaining)
        batch: list[_Job] = []
        while self._pending and len(batch) < self.max_batch_size:
            job = self._pending.popleft()
            if not job.future.done():  # its request timed out or the client went away
                batch.append(job)
        return batch or await self._next_batch()

    def _drop_abandoned(self) -> None:
        while self._pending and self._pending[0].future.done():
            self._pending.popleft()

    async def _execute(self, batch: list[_Job]) -> None:
        assert self._slots is not None
        try:
            groups: dict[tuple[str, ...] | None, list[_Job]] = {}
            for job in batch:
                groups.setdefault(job.categories, []).append(job)
            # One call per category subset: acheck_batch takes one subset for all its items.
            await asyncio.gather(*(self._judge(jobs, cats) for cats, jobs in groups.items()))
        except asyncio.CancelledError:
            for job in batch:
                if not job.future.done():
                    job.future.set_exception(
                        ShuttingDownError("the server stopped before this input was judged")
                    )
            raise
        finally:
            self._slots.release()

    async def _judge(self, jobs: list[_Job], categories: tuple[str, ...] | None) -> None:
        start = time.perf_counter()
        if self.metrics is not None:
            self.metrics.batch_size.observe(len(jobs))
        try:
            verdicts = await self.guard.acheck_batch([j.item for j in jobs], categories=categories)
        except Exception as exc:
            if len(jobs) > 1 and not isinstance(exc, asyncio.CancelledError):
                # One bad input must not fail its neighbours: judge each alone to find it.
                await asyncio.gather(*(self._judge([job], categories) for job in jobs))
                return
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(exc if isinstance(exc, ProGuardError) else _wrap(exc))
            return
        finally:
            if self.metrics is not None:
                self.metrics.batch_latency.observe(time.perf_counter() - start)
        if len(verdicts) != len(jobs):
            error = _wrap(RuntimeError(f"guard returned {len(verdicts)} verdicts for {len(jobs)} inputs"))
            verdicts = []
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(error)
        for job, verdict in zip(jobs, verdicts, strict=False):
            if not job.future.done():
                job.future.set_result(verdict)


def _wrap(exc: BaseException) -> Exception:
    from proguard_core import BackendError

    error = BackendError(f"{type(exc).__name__}: {exc}")
    error.__cause__ = exc
    return error


__all__ = ["MicroBatcher", "QueueFullError", "ShuttingDownError"]
