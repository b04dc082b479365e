"""ProGuard for NeMo Guardrails (``pip install 'proguard[nemo]'``).

    rails = LLMRails(RailsConfig.from_path(str(config_dir("colang1"))), llm=my_llm)
    register(rails, guard)                                  # guard=None: the embedded default

:func:`register` adds the actions ``proguard_check_input``, ``proguard_check_output`` and
``proguard_check_retrieval`` with the guard bound into them. The flows that call them ship as package
data: :func:`flows_path` gives the ``.co`` file to copy into (or load next to) your config,
:func:`config_dir` a complete example config for Colang 1.0 (``"colang1"``) or 2.x
(``"colang2"``) that runs offline with no embedding model.

What the caller sees when a rail blocks:

* the refusal names the category (``"I can't help with that (Weapons)."``);
* Colang 1.0: ``generate(..., options={"output_vars": ["proguard_result"]})`` returns the
  RailOutcome, whose ``metadata`` holds ``categories``, ``policy_violations`` and
  ``explanation``; with ``enable_rails_exceptions: true`` the flows emit a
  ``ProGuardInputRailException``/``ProGuardOutputRailException`` whose message holds them;
* any version, streaming included: ``register(..., on_verdict=fn)`` calls ``fn(stage, verdict)``
  for every check. (A blocked stream ends with NeMo's own ``guardrails_violation`` JSON chunk,
  which names only the flow; ``on_verdict`` is how a streaming caller learns the category.)

A guard error, an unreadable guard answer or an image the guard refuses (e.g. a remote URL)
blocks, with ``category`` "guard unavailable".
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from proguard_core import Guard
from proguard_integrations.nemo.actions import (
    VerdictCallback,
    bound_actions,
    proguard_check_input,
    proguard_check_output,
    proguard_check_retrieval,
)

ColangVersion = Literal["colang1", "colang2"]
_CONFIGS = Path(__file__).parent / "configs"


def register(
    rails: Any,
    guard: Guard | None = None,
    *,
    categories: Sequence[str] | None = None,
    on_verdict: VerdictCallback | None = None,
) -> Any:
    """Register the ProGuard actions on an ``LLMRails`` and give them ``guard``; returns ``rails``.

    ``guard=None`` uses the embedded default, loaded on the first check.
    """
    actions = bound_actions(guard, list(categories) if categories is not None else None, on_verdict)
    for name, fn in actions.items():
        rails.register_action(fn, name=name)
    return rails


def config_dir(version: ColangVersion = "colang1") -> Path:
    """A ready config directory (config.yml + flows) that needs no model but the main LLM."""
    path = _CONFIGS / version
    if not path.is_dir():
        raise ValueError(f"no ProGuard config for {version!r}; choose 'colang1' or 'colang2'")
    return path


def flows_path(version: ColangVersion = "colang1") -> Path:
    """The ``.co`` file defining the ProGuard flows, to copy into your own config directory."""
    return config_dir(version) / "proguard.co"


__all__ = [
    "config_dir",
    "flows_path",
    "proguard_check_input",
    "proguard_check_output",
    "proguard_check_retrieval",
    "register",
]
