"""The Guard's time budget covers a whole call, and work stops when it runs out.

A text over the model's budget is judged in parts, sent to the model ``max_batch_size`` at a time.
Before, ``Policy.timeout_s`` applied to each model call on its own and the Guard went on to the
next batch after a timeout, so a long text ran to its end whatever the budget. Each test here
failed that way before the deadline became per call.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence

import pytest

from proguard_core import Guard, GuardTimeoutError, Policy, Verdict
from proguard_core.models.base import ModelRequest

PART_CHARS = 100


class CountingSlowModel:
    """A GuardModel that takes ``delay_s`` per call and counts the parts it was asked to judge."""

    name = "counting-slow"
    max_text_chars = PART_CHARS

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.calls = 0
        self.parts = 0
        self._lock = threading.Lock()

    def _count(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        with self._lock:
            self.calls += 1
            self.parts += len(requests)
        return [Verdict(safe=True, request="safe") for _ in requests]

    def predict(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        time.sleep(self.delay_s)
        return self._count(requests)

    async def apredict(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        await asyncio.sleep(self.delay_s)
        return self._count(requests)


LONG_TEXT = "word " * (PART_CHARS * 40 // 5)  # about 50 parts of 100 characters


def test_a_long_text_stops_calling_the_model_once_its_budget_is_spent() -> None:
    model = CountingSlowModel(delay_s=0.05)
    guard = Guard(model, policy=Policy(timeout_s=0.3), max_batch_size=1, overlap_chars=0)
    started = time.monotonic()
    verdict = guard.check(LONG_TEXT)
    elapsed = time.monotonic() - started
    assert verdict.parts > 20
    assert not verdict.safe and verdict.policy == "fail_closed:error"
    assert verdict.error == "no verdict within 0.3 s"
    assert elapsed < 1.0  # all parts at 0.05 s each would take over 2 s
    time.sleep(0.3)  # a call still running when time ran out may finish; no new one starts
    assert model.calls <= 8
    assert model.parts < verdict.parts


async def test_async_twin_stops_too() -> None:
    model = CountingSlowModel(delay_s=0.05)
    guard = Guard(model, policy=Policy(timeout_s=0.3), max_batch_size=1, overlap_chars=0)
    started = time.monotonic()
    verdict = await guard.acheck(LONG_TEXT)
    assert time.monotonic() - started < 1.0
    await asyncio.sleep(0.3)
    assert not verdict.safe and verdict.error == "no verdict within 0.3 s"
    assert model.calls <= 7  # 0.3 s / 0.05 s, and the one cancelled mid-sleep never counts


def test_per_call_timeout_replaces_the_policy() -> None:
    model = CountingSlowModel(delay_s=0.05)
    guard = Guard(model, max_batch_size=1, overlap_chars=0)  # no policy timeout at all
    verdict = guard.check(LONG_TEXT, timeout_s=0.2)
    assert not verdict.safe and verdict.error == "no verdict within 0.2 s"
    assert model.calls <= 6
    # The override is per call: without it the same guard judges every part.
    assert guard.check("short and sweet").safe


def test_an_exhausted_budget_makes_no_model_call() -> None:
    model = CountingSlowModel(delay_s=0.0)
    guard = Guard(model)
    verdict = guard.check("hello", timeout_s=0)
    assert not verdict.safe and verdict.policy == "fail_closed:error"
    assert model.calls == 0


def test_the_budget_spans_batches_not_each_batch() -> None:
    # Batches of 0.15 s each fit a per-batch limit of 0.25 s but not a 0.25 s budget.
    model = CountingSlowModel(delay_s=0.15)
    guard = Guard(model, policy=Policy(timeout_s=0.25), max_batch_size=16, overlap_chars=0)
    verdict = guard.check("word " * (PART_CHARS * 48 // 5))
    assert verdict.parts > 3 * 16
    assert not verdict.safe
    time.sleep(0.2)
    assert model.calls == 2  # the second batch was running at the deadline; the third never started


def test_raise_policy_raises_the_timeout() -> None:
    guard = Guard(CountingSlowModel(delay_s=0.05), policy=Policy(timeout_s=0.1, on_error="raise"))
    with pytest.raises(GuardTimeoutError, match=r"no verdict within 0\.1 s"):
        guard.check(LONG_TEXT)


def test_parts_judged_unsafe_before_the_deadline_still_decide() -> None:
    class UnsafeFirstPart(CountingSlowModel):
        def _count(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
            super()._count(requests)
            return [Verdict(safe=False, request="unsafe") for _ in requests]

    guard = Guard(UnsafeFirstPart(delay_s=0.05), policy=Policy(timeout_s=0.2, on_error="allow"))
    verdict = guard.check(LONG_TEXT)
    # An unsafe part is unsafe whatever happened to the rest; fail-open applies only to the unknown.
    assert not verdict.safe and verdict.request == "unsafe" and verdict.policy is None
