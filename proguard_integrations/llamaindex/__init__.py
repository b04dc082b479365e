"""ProGuard for LlamaIndex (``pip install 'proguard[llamaindex]'``).

* :class:`ProGuardCallbackHandler`: checks LLM chat/completion calls and queries;
  ``mode="block"`` raises :class:`proguard_core.GuardViolation`, ``"annotate"`` attaches the verdict.
* :class:`ProGuardNodePostprocessor`: screens retrieved text and image nodes; ``mode="drop"``
  leaves unsafe ones out, ``"annotate"`` marks them, ``"block"`` raises.
* :class:`ProGuardVerdictEvent` / :class:`ProGuardAuditHandler`: every decision as an
  instrumentation event, and a handler that keeps and logs them.
"""

from proguard_integrations.llamaindex.callbacks import ProGuardCallbackHandler
from proguard_integrations.llamaindex.instrumentation import ProGuardAuditHandler, ProGuardVerdictEvent
from proguard_integrations.llamaindex.postprocessor import ProGuardNodePostprocessor

__all__ = [
    "ProGuardAuditHandler",
    "ProGuardCallbackHandler",
    "ProGuardNodePostprocessor",
    "ProGuardVerdictEvent",
]
