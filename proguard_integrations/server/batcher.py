"""Micro-batching of the Guard's parts across HTTP requests, in two lanes, with deadlines.

The Guard splits long text into parts and hands them to its model a batch at a time. In the
server that model is a :class:`ScheduledModel`: it queues each part here under the calling
request's :class:`Flow`, and the batcher builds model calls from the parts of every request.

* **Short lane**: requests whose text fits one part (most traffic). Parts leave in arrival order,
  ``max_batch_size`` per call; the oldest waits up to ``max_wait_ms`` for company, since a model
  judges 16 inputs for little more than the cost of one.
* **Long lane**: larger requests, in calls of their own that run beside the short lane's (their
  own ``long_concurrent_batches`` slots), so a short request never queues behind another
  request's hundreds of parts; on a CPU the OS shares the cores between the two lanes' calls. A
  long call carries at most ``long_batch_chars`` of text, so work stops within one such call of a
  deadline. Parts come from the request with the least text left: a 10,000-character request is
  not stuck behind a megabyte, and of equal ones the oldest finishes first rather than all of
  them missing their deadlines together.
* A part whose request is past its deadline is answered with :class:`GuardTimeoutError` without
  running; one whose request stopped waiting (its deadline hit mid-call, the client left) is
  dropped. Admission is bounded per lane: beyond it, :class:`QueueFullError` (HTTP 429).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal

from proguard_core import GuardTimeoutError, ProGuardError, Verdict
from proguard_core.models.base import GuardModel, ModelRequest
from proguard_integrations.server.metrics import ServerMetrics

Lane = Literal["short", "long"]
LANES: tuple[Lane, ...] = ("short", "long")


class QueueFullError(Exception):
    """The batcher cannot take this request now; ``retry_after_s`` is when it likely can."""

    def __init__(self, message: str, retry_after_s: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ShuttingDownError(ProGuardError):
    """The batcher no longer accepts requests because the server is stopping.

    A ProGuardError so that, raised inside the Guard's model call, it reaches the server as itself
    (HTTP 503) rather than as an engine failure."""


@dataclass(eq=False)
class Flow:
    """One HTTP request's claim on the batcher."""

    lane: Lane
    chars: int
    deadline: float  # time.monotonic(); math.inf for none
    arrived: float = field(default_factory=time.monotonic)
    dispatched_chars: int = 0

    @property
    def remaining_chars(self) -> int:
        return max(self.chars - self.dispatched_chars, 0)


@dataclass(eq=False)
class _Part:
    request: ModelRequest
    flow: Flow
    future: asyncio.Future[Verdict]
    chars: int
    enqueued: float = field(default_factory=time.monotonic)
    # queued -> sent (in a model call), or -> dropped (withdrawn, or past its deadline) unrun.
    state: Literal["queued", "sent", "dropped"] = "queued"


_current_flow: ContextVar[Flow | None] = ContextVar("proguard_server_flow", default=None)


def _text_chars(request: ModelRequest) -> int:
    item = request.input
    return len(item.prompt or "") + len(item.response or "") + sum(len(t.text) for t in item.history)


class MicroBatcher:
    def __init__(
        self,
        model: GuardModel,
        *,
        max_batch_size: int = 16,
        max_wait_ms: float = 5.0,
        max_queue: int = 1024,
        max_concurrent_batches: int = 1,
        long_request_chars: int | None = None,
        long_batch_chars: int | None = None,
        long_concurrent_batches: int = 1,
        max_long_requests: int = 4,
        metrics: ServerMetrics | None = None,
    ) -> None:
        counts = (
            max_batch_size,
            max_queue,
            max_concurrent_batches,
            long_concurrent_batches,
            max_long_requests,
        )
        if min(counts) < 1:
            raise ValueError(
                "max_batch_size, max_queue, max_concurrent_batches, long_concurrent_batches and "
                "max_long_requests must be at least 1"
            )
        if max_wait_ms < 0:
            raise ValueError("max_wait_ms must not be negative")
        self.model = model
        self.max_batch_size = max_batch_size
        self.max_wait_s = max_wait_ms / 1000
        self.max_queue = max_queue
        self.max_long_requests = max_long_requests
        # A request over one model part goes to the long lane, and a long call carries about
        # one part: a model without a text budget gets 4,000 characters, the embedded guard's.
        part = model.max_text_chars or 4000
        self.long_request_chars = long_request_chars or part
        self.long_batch_chars = long_batch_chars or part
        self.metrics = metrics
        self._slot_counts: dict[Lane, int] = {
            "short": max_concurrent_batches,
            "long": long_concurrent_batches,
        }
        self._short: deque[_Part] = deque()
        self._long: dict[Flow, deque[_Part]] = {}
        self._open: set[Flow] = set()
        self._in_flight = 0
        # Characters per second the long lane judged recently (None until it has judged some).
        self._long_rate: float | None = None
        self._wakeups: dict[Lane, asyncio.Event] = {}
        self._slots: dict[Lane, asyncio.Semaphore] = {}
        self._loops: list[asyncio.Task[None]] = []
        self._batches: set[asyncio.Task[None]] = set()
        self._closing = False

    # --- state, for health and metrics ----------------------------------------------------------

    @property
    def depth(self) -> int:
        return self.queued("short") + self.queued("long")

    @property
    def closing(self) -> bool:
        return self._closing

    @property
    def in_flight_parts(self) -> int:
        return self._in_flight

    @property
    def long_requests(self) -> int:
        return sum(1 for flow in self._open if flow.lane == "long")

    def queued(self, lane: Lane) -> int:
        if lane == "short":
            return len(self._short)
        return sum(len(parts) for parts in self._long.values())

    def head_wait(self, lane: Lane) -> float:
        """How long the part this lane sends next has waited (0 when the lane is empty)."""
        head = self._short_head() if lane == "short" else self._long_head()
        return time.monotonic() - head.enqueued if head is not None else 0.0

    # --- requests -------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._loops:
            return
        for lane in LANES:
            self._wakeups[lane] = asyncio.Event()
            self._slots[lane] = asyncio.Semaphore(self._slot_counts[lane])
            self._loops.append(asyncio.create_task(self._run(lane), name=f"proguard-batcher-{lane}"))

    @property
    def long_call_parts(self) -> int:
        """Parts of one request a long-lane call can carry (1 by default)."""
        part = self.model.max_text_chars or self.long_batch_chars
        return max(1, min(self.max_batch_size, self.long_batch_chars // part))

    def lane_for(self, chars: int) -> Lane:
        return "long" if chars > self.long_request_chars else "short"

    def open_flow(self, chars: int, parts: int, deadline: float) -> Flow:
        """Admit a request of ``chars`` characters in ``parts`` inputs, or raise."""
        if self._closing or not self._loops:
            raise ShuttingDownError("the server is shutting down")
        lane = self.lane_for(chars)
        if lane == "short" and len(self._short) + parts > self.max_queue:
            raise QueueFullError(
                f"queue holds {len(self._short)} of {self.max_queue} inputs",
                retry_after_s=self.head_wait("short"),
            )
        if lane == "long":
            self._admit_long(chars, deadline)
        flow = Flow(lane, chars, deadline)
        self._open.add(flow)
        return flow

    def _admit_long(self, chars: int, deadline: float) -> None:
        now = time.monotonic()
        others = [f for f in self._open if f.lane == "long"]
        if len(others) >= self.max_long_requests:
            # A slot frees at the latest when the soonest of the current requests hits its deadline.
            raise QueueFullError(
                f"{len(others)} large requests in progress, the limit",
                retry_after_s=min(f.deadline for f in others) - now,
            )
        if self._long_rate is None:
            # No pace known yet: one request per slot until the lane has judged something.
            if len(others) >= self._slot_counts["long"]:
                raise QueueFullError("the large requests ahead are being judged", retry_after_s=1.0)
            return
        # Requests with less text left go first. If they and this one cannot be judged before its
        # deadline at the lane's recent pace, say so now (429) instead of starting work that the
        # deadline would cut off: that work would only slow down everyone else.
        ahead = sum(f.remaining_chars for f in others if f.remaining_chars <= chars)
        if ahead and (ahead + chars) / self._long_rate > deadline - now:
            raise QueueFullError(
                f"the large requests ahead need about {ahead / self._long_rate:.0f} s",
                retry_after_s=ahead / self._long_rate,
            )

    def close_flow(self, flow: Flow) -> None:
        # ScheduledModel withdraws what its calls leave queued; this only releases the admission.
        self._open.discard(flow)
        for event in self._wakeups.values():
            event.set()  # a closing batcher's loops stop once the last request is done

    @contextlib.contextmanager
    def flow(self, chars: int, parts: int, deadline: float) -> Iterator[Flow]:
        """Admit a request and make it the flow of the Guard's model calls in this context."""
        flow = self.open_flow(chars, parts, deadline)
        token = _current_flow.set(flow)
        try:
            yield flow
        finally:
            _current_flow.reset(token)
            self.close_flow(flow)

    def submit(self, flow: Flow | None, requests: Sequence[ModelRequest]) -> list[_Part]:
        """Queue parts; without a flow (a call outside any request) they go in the short lane."""
        if not self._loops:
            raise ShuttingDownError("the server is shutting down")
        flow = flow or Flow("short", 0, math.inf)
        loop = asyncio.get_running_loop()
        parts = [_Part(r, flow, loop.create_future(), _text_chars(r)) for r in requests]
        if flow.lane == "short":
            self._short.extend(parts)
        else:
            self._long.setdefault(flow, deque()).extend(parts)
        self._wakeups[flow.lane].set()
        return parts

    def withdraw(self, parts: Sequence[_Part]) -> None:
        """Cancel parts nobody waits for any more; those still queued leave the queue unrun."""
        queued = [p for p in parts if p.state == "queued"]
        for part in parts:
            if part.state == "sent" and part.future.cancel():
                self._count_cancelled("running")  # its call finishes; the answer is dropped
            part.future.cancel()
        if not queued:
            return
        for part in queued:
            part.state = "dropped"
            self._count_cancelled("abandoned")
        flow = queued[0].flow
        if flow.lane == "long":
            queue = self._long.get(flow)
            if queue:
                kept = deque(p for p in queue if not p.future.done())
                self._long[flow] = kept
                if not kept:
                    del self._long[flow]
        else:
            gone = {id(p) for p in queued}
            self._short = deque(p for p in self._short if id(p) not in gone)

    async def close(self, timeout_s: float | None = None) -> None:
        """Stop admitting; finish the requests in progress; after ``timeout_s`` fail the rest."""
        self._closing = True
        for event in self._wakeups.values():
            event.set()
        if not self._loops:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._drained()), timeout_s)
        except asyncio.TimeoutError:
            for task in [*self._loops, *self._batches]:
                task.cancel()
            stopped = ShuttingDownError("the server stopped before this input was judged")
            for part in [*self._short, *(p for q in self._long.values() for p in q)]:
                if not part.future.done():
                    part.future.set_exception(stopped)
            self._short.clear()
            self._long.clear()
        for task in self._loops:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _drained(self) -> None:
        await asyncio.gather(*self._loops)
        while self._batches:
            await asyncio.gather(*self._batches, return_exceptions=True)

    # --- the lanes ------------------------------------------------------------------------------

    async def _run(self, lane: Lane) -> None:
        slots = self._slots[lane]
        while True:
            # Take a slot first: while every slot is busy, parts keep queueing and the next call
            # leaves full instead of as soon as one part arrives.
            await slots.acquire()
            batch = await self._next_batch(lane)
            if batch is None:
                slots.release()
                return
            task = asyncio.create_task(self._execute(lane, batch))
            self._batches.add(task)
            task.add_done_callback(self._batches.discard)

    def _finished(self, lane: Lane) -> bool:
        return self._closing and not self._open and self.queued(lane) == 0

    async def _wait(self, lane: Lane, timeout_s: float | None = None) -> None:
        event = self._wakeups[lane]
        event.clear()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(event.wait(), timeout_s)

    async def _next_batch(self, lane: Lane) -> list[_Part] | None:
        while True:
            if self._finished(lane):
                return None
            if self._live_head(lane) is not None:
                break
            await self._wait(lane)
        if lane == "short":
            # Wait for company, counted from when the oldest part arrived, not from now: a part
            # that already queued behind a running call should not wait twice.
            oldest = self._short_head()
            assert oldest is not None
            until = oldest.enqueued + self.max_wait_s
            while len(self._short) < self.max_batch_size and not self._closing:
                remaining = until - time.monotonic()
                if remaining <= 0:
                    break
                await self._wait(lane, remaining)
        batch = self._take_short() if lane == "short" else self._take_long()
        return batch or await self._next_batch(lane)

    def _live_head(self, lane: Lane) -> _Part | None:
        return self._short_head() if lane == "short" else self._long_head()

    def _short_head(self) -> _Part | None:
        while self._short and self._short[0].future.done():
            self._short.popleft()
        return self._short[0] if self._short else None

    def _long_head(self) -> _Part | None:
        flow = self._next_long_flow()
        return self._long[flow][0] if flow is not None else None

    def _next_long_flow(self) -> Flow | None:
        for flow in [f for f, q in self._long.items() if not q or q[0].future.done()]:
            queue = self._long[flow]
            while queue and queue[0].future.done():
                queue.popleft()
            if not queue:
                del self._long[flow]
        if not self._long:
            return None
        return min(self._long, key=lambda f: (f.remaining_chars, f.arrived))

    def _take_short(self) -> list[_Part]:
        batch: list[_Part] = []
        while self._short and len(batch) < self.max_batch_size:
            self._keep(self._short.popleft(), batch)
        return batch

    def _take_long(self) -> list[_Part]:
        batch: list[_Part] = []
        chars = 0
        while len(batch) < self.max_batch_size:
            flow = self._next_long_flow()
            if flow is None:
                break
            queue = self._long[flow]
            if batch and chars + queue[0].chars > self.long_batch_chars:
                break
            part = queue.popleft()
            if not queue:
                del self._long[flow]
            if self._keep(part, batch):
                chars += part.chars
                flow.dispatched_chars += part.chars
        return batch

    def _keep(self, part: _Part, batch: list[_Part]) -> bool:
        """Add ``part`` to ``batch`` unless nobody waits for it or its deadline has passed."""
        if part.state != "queued" or part.future.done():
            return False
        now = time.monotonic()
        if now >= part.flow.deadline:
            part.state = "dropped"
            part.future.set_exception(GuardTimeoutError("the request's deadline passed while queued"))
            self._count_cancelled("deadline")
            return False
        if self.metrics is not None:
            self.metrics.queue_wait.observe(now - part.enqueued, part.flow.lane)
        part.state = "sent"
        batch.append(part)
        return True

    def _count_cancelled(self, reason: str) -> None:
        if self.metrics is not None:
            self.metrics.cancelled_parts.inc(reason)

    async def _execute(self, lane: Lane, batch: list[_Part]) -> None:
        try:
            start = time.perf_counter()
            await self._judge(batch)
            if lane == "long":
                self._pace(sum(p.chars for p in batch), time.perf_counter() - start)
        except asyncio.CancelledError:
            stopped = ShuttingDownError("the server stopped before this input was judged")
            for part in batch:
                if not part.future.done():
                    part.future.set_exception(stopped)
            raise
        finally:
            self._slots[lane].release()

    def _pace(self, chars: int, seconds: float) -> None:
        # All long slots together; recent calls weigh most, so the pace follows the load.
        rate = self._slot_counts["long"] * chars / max(seconds, 1e-6)
        self._long_rate = rate if self._long_rate is None else 0.8 * self._long_rate + 0.2 * rate

    async def _judge(self, batch: list[_Part]) -> None:
        start = time.perf_counter()
        self._in_flight += len(batch)
        if self.metrics is not None:
            self.metrics.batch_size.observe(len(batch))
        try:
            verdicts = await self.model.apredict([p.request for p in batch])
        except Exception as exc:
            if len(batch) > 1:
                # One bad part must not fail its neighbours: judge each alone to find it.
                live = [p for p in batch if not p.future.done()]
                await asyncio.gather(*(self._judge([part]) for part in live))
                return
            for part in batch:
                if not part.future.done():
                    part.future.set_exception(exc if isinstance(exc, ProGuardError) else _wrap(exc))
            return
        finally:
            self._in_flight -= len(batch)
            if self.metrics is not None:
                self.metrics.batch_latency.observe(time.perf_counter() - start)
        if len(verdicts) != len(batch):
            error = _wrap(RuntimeError(f"model returned {len(verdicts)} verdicts for {len(batch)} parts"))
            for part in batch:
                if not part.future.done():
                    part.future.set_exception(error)
            return
        for part, verdict in zip(batch, verdicts, strict=True):
            if not part.future.done():
                part.future.set_result(verdict)


class ScheduledModel:
    """The server's view of a guard's model: every call goes through the batcher as part of the
    calling request's flow. The sync ``predict`` is not scheduled (the server never calls it)."""

    def __init__(self, model: GuardModel, batcher: MicroBatcher) -> None:
        self.model = model
        self.batcher = batcher

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def max_text_chars(self) -> int | None:
        return self.model.max_text_chars

    def predict(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        return self.model.predict(requests)

    async def apredict(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        parts = self.batcher.submit(_current_flow.get(), requests)
        try:
            return list(await asyncio.gather(*(p.future for p in parts)))
        finally:
            # Timed out, failed or done: whatever of this call is still queued must not run.
            self.batcher.withdraw(parts)


def _wrap(exc: BaseException) -> Exception:
    from proguard_core import BackendError

    error = BackendError(f"{type(exc).__name__}: {exc}")
    error.__cause__ = exc
    return error


__all__ = ["LANES", "Flow", "Lane", "MicroBatcher", "QueueFullError", "ScheduledModel", "ShuttingDownError"]
