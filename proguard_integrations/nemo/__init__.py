"""ProGuard for NeMo Guardrails (``pip install 'proguard[nemo]'``).

    from proguard_integrations.nemo import guarded_rails
    rails = guarded_rails("colang1", llm=chat_model, guard=guard)   # guard=None: the embedded default

:func:`guarded_rails` builds an ``LLMRails`` over a shipped config (or yours) and registers the
ProGuard actions on it. ``llm`` is a NeMo ``LLMModel`` or a LangChain chat model, which it wraps
in NeMo's ``LangChainLLMAdapter`` (NeMo 0.24 deprecates passing a LangChain model raw). By hand::

    from nemoguardrails.integrations.langchain.llm_adapter import LangChainLLMAdapter
    rails = LLMRails(RailsConfig.from_path(str(config_dir("colang1"))), llm=LangChainLLMAdapter(chat_model))
    register(rails, guard)

:func:`register` adds the actions ``proguard_check_input``, ``proguard_check_output`` and
``proguard_check_retrieval`` with the guard bound into them. The flows that call them ship as package
data: :func:`flows_path` gives the ``.co`` file to copy into (or load next to) your config,
:func:`config_dir` a complete example config for Colang 1.0 (``"colang1"``) or 2.x
(``"colang2"``) that runs offline with no embedding model.

A rail that blocks answers with a refusal and stops the turn (what ``mode="end"`` does in the agent
middleware). What the caller sees:

* the refusal names the category (``"I can't help with that (Weapons)."``);
* Colang 1.0: ``generate(..., options={"output_vars": ["proguard_result"]})`` returns the
  RailOutcome, whose ``metadata`` holds ``categories``, ``policy_violations`` and
  ``explanation``; with ``enable_rails_exceptions: true`` the flows emit a
  ``ProGuardInputRailException``/``ProGuardOutputRailException`` whose message holds them;
* Colang 2.x (no output variables there): every check sends a ``ProGuardRailResult`` event with
  ``stage``, ``blocked`` and the same ``metadata``; ``generate(...)`` returns it in
  ``response["events"]``;
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


def guarded_rails(
    config: Any = "colang1",
    llm: Any = None,
    guard: Guard | None = None,
    *,
    categories: Sequence[str] | None = None,
    on_verdict: VerdictCallback | None = None,
    **rails_options: Any,
) -> Any:
    """An ``LLMRails`` with the ProGuard actions registered.

    ``config`` is ``"colang1"`` / ``"colang2"`` (the shipped configs), a config directory, or a
    ``RailsConfig``. ``llm`` is the main model: a NeMo ``LLMModel``, a LangChain chat model
    (wrapped in ``LangChainLLMAdapter``), or None to use the config's ``models:``.
    ``rails_options`` go to ``LLMRails`` (``verbose=True``, ...).
    """
    from nemoguardrails import LLMRails, RailsConfig
    from nemoguardrails.types import LLMModel

    if not isinstance(config, RailsConfig):
        path = config_dir(config) if config in ("colang1", "colang2") else Path(config)
        config = RailsConfig.from_path(str(path))
    if llm is not None and not isinstance(llm, LLMModel):
        from nemoguardrails.integrations.langchain.llm_adapter import LangChainLLMAdapter

        llm = LangChainLLMAdapter(llm)
    rails = LLMRails(config, llm=llm, **rails_options)
    return register(rails, guard, categories=categories, on_verdict=on_verdict)


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
    "guarded_rails",
    "proguard_check_input",
    "proguard_check_output",
    "proguard_check_retrieval",
    "register",
]
