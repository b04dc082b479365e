"""ProGuard for LangChain (``pip install 'proguard[langchain]'``).

* :class:`ProGuardCheck`: a runnable for LCEL chains (``|``, ``.pipe()``), input or output stage,
  ``mode="block"`` or ``"annotate"``; ``ProGuardCheck.wrap(llm)`` guards both sides of a model.
* :class:`ProGuardMiddleware`: agent middleware for ``langchain.agents.create_agent``
  (``mode="end"``, ``"replace"``, ``"block"`` or ``"annotate"``).
* :func:`get_verdict` reads an annotated value; :func:`collect_verdicts` and :class:`VerdictLog`
  read every check's verdict from the run's callbacks, whatever the later steps do to the value.

The middleware needs ``langchain`` (v1) besides ``langchain-core``; it is imported on first use
so chains that only use :class:`ProGuardCheck` do not load the agent stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from proguard_integrations.langchain.runnable import ProGuardCheck, get_verdict
from proguard_integrations.langchain.verdicts import EVENT_NAME, CheckRecord, VerdictLog, collect_verdicts

if TYPE_CHECKING:
    from proguard_integrations.langchain.middleware import ProGuardMiddleware


def __getattr__(name: str) -> Any:
    if name == "ProGuardMiddleware":
        from proguard_integrations.langchain.middleware import ProGuardMiddleware

        return ProGuardMiddleware
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "EVENT_NAME",
    "CheckRecord",
    "ProGuardCheck",
    "ProGuardMiddleware",
    "VerdictLog",
    "collect_verdicts",
    "get_verdict",
]
