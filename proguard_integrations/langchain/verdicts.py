"""Verdicts read from a run's callbacks, whatever the steps after a check do with its value.

``mode="annotate"`` puts the verdict on the value (a message's ``response_metadata``), so a step
that turns the message into something else, such as ``StrOutputParser()``, drops it. Every check
also emits the ``proguard_verdict`` callback event, which no later step can drop; these collect it:

    with collect_verdicts() as verdicts:
        text = (prompt | llm | ProGuardCheck(stage="output", mode="annotate") | StrOutputParser()).invoke(x)
    verdicts.last                     # the Verdict of the output check

    log = VerdictLog()
    chain.invoke(x, config={"callbacks": [log]})
    [(r.stage, r.verdict.safe) for r in log.records]

``chain.astream_events(x, version="v2")`` yields the same data as ``on_custom_event`` events
named ``proguard_verdict``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.tracers.context import register_configure_hook

from proguard_core import Verdict

EVENT_NAME = "proguard_verdict"


@dataclass(frozen=True)
class CheckRecord:
    """One check: where it ran, in which mode, what the guard said, in which run."""

    stage: str
    mode: str
    verdict: Verdict
    run_id: UUID | None = None


class VerdictLog(BaseCallbackHandler):
    """Keeps the verdict of every ProGuardCheck in the runs it is attached to (thread-safe)."""

    def __init__(self) -> None:
        super().__init__()
        self._records: list[CheckRecord] = []
        self._lock = threading.Lock()

    def on_custom_event(
        self, name: str, data: Any, *, run_id: UUID, tags: list[str] | None = None, **kwargs: Any
    ) -> None:
        if name != EVENT_NAME or not isinstance(data, dict):
            return
        record = CheckRecord(
            stage=str(data.get("stage", "")),
            mode=str(data.get("mode", "")),
            verdict=Verdict.model_validate(data["verdict"]),
            run_id=run_id,
        )
        with self._lock:
            self._records.append(record)

    @property
    def records(self) -> list[CheckRecord]:
        with self._lock:
            return list(self._records)

    @property
    def verdicts(self) -> list[Verdict]:
        return [r.verdict for r in self.records]

    @property
    def last(self) -> Verdict | None:
        """The newest verdict: with ``wrap``, the output check's."""
        records = self.records
        return records[-1].verdict if records else None

    def clear(self) -> None:
        with self._lock:
            self._records.clear()


_collector: ContextVar[VerdictLog | None] = ContextVar("proguard_verdict_log", default=None)
# LangChain adds the handler held by this variable to every run started while it is set.
register_configure_hook(_collector, inheritable=True)


@contextmanager
def collect_verdicts() -> Iterator[VerdictLog]:
    """Collect the verdicts of every check run inside the ``with`` block (threads and tasks it
    starts included), without passing callbacks by hand."""
    log = VerdictLog()
    token = _collector.set(log)
    try:
        yield log
    finally:
        _collector.reset(token)


__all__ = ["EVENT_NAME", "CheckRecord", "VerdictLog", "collect_verdicts"]
