"""ProGuard for LangChain (``pip install 'proguard[langchain]'``).

* :class:`ProGuardCheck`: a runnable for LCEL chains (``|``, ``.pipe()``), input or output stage,
  block or annotate; ``ProGuardCheck.wrap(llm)`` guards both sides of a model.
* :class:`ProGuardMiddleware`: agent middleware for ``langchain.agents.create_agent``.

The middleware needs ``langchain`` (v1) besides ``langchain-core``; it is imported on first use
so chains that only use :class:`ProGuardCheck` do not load the agent stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from proguard_integrations.langchain.runnable import EVENT_NAME, ProGuardCheck, get_verdict

if TYPE_CHECKING:
    from proguard_integrations.langchain.middleware import ProGuardMiddleware


def __getattr__(name: str) -> Any:
    if name == "ProGuardMiddleware":
        from proguard_integrations.langchain.middleware import ProGuardMiddleware

        return ProGuardMiddleware
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["EVENT_NAME", "ProGuardCheck", "ProGuardMiddleware", "get_verdict"]
