"""Audit trail for ProGuard decisions through LlamaIndex instrumentation.

Every check the adapters make is dispatched as a :class:`ProGuardVerdictEvent`; attach
:class:`ProGuardAuditHandler` to the root dispatcher to keep and log them::

    audit = ProGuardAuditHandler.attach()
    ...                       # run queries
    audit.records             # JSON-ready dicts, newest last

Instrumentation handlers cannot block (the dispatcher swallows their exceptions), so blocking
lives in the callback handler and the node postprocessor; this module only records.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any, Literal

from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from pydantic import Field, PrivateAttr

from proguard_core import Verdict
from proguard_integrations._shared import verdict_payload, violated_categories

# What the adapter did: the past tense of its mode, or "allowed" when nothing was unsafe.
Action = Literal["allowed", "blocked", "annotated", "dropped"]

dispatcher = get_dispatcher(__name__)


class ProGuardVerdictEvent(BaseEvent):
    """One guard decision: where it was made, what the guard said, what the adapter did."""

    source: str
    stage: str
    action: Action
    safe: bool
    categories: list[str] = Field(default_factory=list)
    summary: str = ""
    verdict: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def class_name(cls) -> str:
        return "ProGuardVerdictEvent"


def emit(source: str, stage: str, action: Action, verdict: Verdict) -> None:
    dispatcher.event(
        ProGuardVerdictEvent(
            source=source,
            stage=stage,
            action=action,
            safe=verdict.safe,
            categories=violated_categories(verdict),
            summary=verdict.summary(),
            verdict=verdict_payload(verdict),
        )
    )


class ProGuardAuditHandler(BaseEventHandler):
    """Keeps the latest ``max_records`` ProGuard decisions and logs each one.

    Unsafe content (blocked, dropped or annotated) is logged at WARNING, the rest at DEBUG.
    """

    max_records: int = 10_000
    logger_name: str = "proguard.audit"
    _records: deque[dict[str, Any]] = PrivateAttr()

    def model_post_init(self, context: Any) -> None:
        self._records = deque(maxlen=self.max_records)

    @classmethod
    def class_name(cls) -> str:
        return "ProGuardAuditHandler"

    @classmethod
    def attach(cls, **kwargs: Any) -> ProGuardAuditHandler:
        """Create a handler and register it on the root dispatcher."""
        handler = cls(**kwargs)
        get_dispatcher().add_event_handler(handler)
        return handler

    @property
    def records(self) -> list[dict[str, Any]]:
        return list(self._records)

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        if not isinstance(event, ProGuardVerdictEvent):
            return
        record = event.model_dump(mode="json")
        self._records.append(record)
        level = logging.DEBUG if event.action in ("allowed", "annotated") and event.safe else logging.WARNING
        logging.getLogger(self.logger_name).log(
            level, "proguard %s %s %s: %s", event.source, event.stage, event.action, event.summary
        )


__all__ = ["ProGuardAuditHandler", "ProGuardVerdictEvent", "emit"]
