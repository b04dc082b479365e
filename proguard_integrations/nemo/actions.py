"""NeMo Guardrails actions backed by a ProGuard Guard.

Each action returns a :class:`RailOutcome` (streaming output rails and parallel rails require
one; the sequential path reads it the same way). Its ``metadata`` carries what the caller needs
to explain a block: ``allowed``, ``policy_violations`` (category ids), ``categories``
("C8S1 Weapons"), ``category`` (the first name, for refusal messages), ``explanation`` and the
full ``verdict`` as JSON.

A guard that fails or whose output cannot be read blocks: the Guard's fail-closed policy marks
the verdict unsafe, and an exception (for example a remote image the Guard refuses to fetch) is
turned into a failed BLOCK here rather than an internal error.

Use :func:`proguard_integrations.nemo.register`, which registers :func:`bound_actions`. The
module-level actions take the guard as the ``proguard_guard`` parameter (the default guard when
absent), for configs that list them in their own ``actions.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from nemoguardrails.actions import action
from nemoguardrails.actions.rail_outcome import RailOutcome, TransformTarget

from proguard_core import Guard, GuardInput, Verdict
from proguard_core.inputs import read_content, validated
from proguard_integrations._shared import (
    blocks,
    explanation,
    resolve_guard,
    verdict_payload,
    violated_categories,
)

log = logging.getLogger(__name__)

VerdictCallback = Callable[[str, Verdict], None]


def _metadata(verdict: Verdict, stage: str) -> dict[str, Any]:
    names = violated_categories(verdict)
    first = verdict.category
    return {
        "stage": stage,
        "allowed": not blocks(verdict, stage),
        "policy_violations": [c.id or c.name for c in verdict.categories],
        "categories": names,
        "category": first.name
        if first
        else ("guard unavailable" if verdict.error or verdict.parse_error else ""),
        "explanation": explanation(verdict),
        "verdict": verdict_payload(verdict),
    }


def _outcome(verdict: Verdict, stage: str, on_verdict: VerdictCallback | None) -> RailOutcome:
    if on_verdict is not None:
        on_verdict(stage, verdict)
    metadata = _metadata(verdict, stage)
    if not blocks(verdict, stage):
        return RailOutcome.allow(metadata=metadata)
    return RailOutcome.block(reason=verdict.summary(), metadata=metadata)


def _failure(stage: str, exc: Exception) -> RailOutcome:
    log.warning("proguard %s check failed, blocking: %s", stage, exc)
    reason = f"guard failed: {type(exc).__name__}: {exc}"
    return RailOutcome.failure(
        reason=reason,
        metadata={
            "stage": stage,
            "allowed": False,
            "policy_violations": [],
            "categories": [],
            "category": "guard unavailable",
            "explanation": reason,
            "verdict": None,
        },
    )


def _context_value(context: dict[str, Any] | None, key: str) -> Any:
    return (context or {}).get(key)


def _item(prompt: Any, response: Any = None) -> GuardInput:
    # $user_message is the raw content: a string, or OpenAI parts when the turn has images.
    prompt_text, prompt_images = read_content(prompt)
    response_text, response_images = read_content(response)
    return validated(
        {
            "prompt": prompt_text or None,
            "response": response_text or None,
            "images": (*prompt_images, *response_images),
        }
    )


@action(name="proguard_check_input", is_system_action=True)
async def proguard_check_input(
    context: dict[str, Any] | None = None,
    text: Any = None,
    proguard_guard: Guard | None = None,
    proguard_categories: Sequence[str] | None = None,
    proguard_on_verdict: VerdictCallback | None = None,
    **_: Any,  # NeMo passes llm_task_manager, config, ... to streaming rails; none are needed
) -> RailOutcome:
    """Check the user message (``text``, else ``$user_message``), images included."""
    try:
        item = _item(text if text is not None else _context_value(context, "user_message"))
        verdict = await resolve_guard(proguard_guard).acheck(item, categories=proguard_categories)
    except Exception as exc:  # fail closed: nothing unchecked gets through
        return _failure("input", exc)
    return _outcome(verdict, "input", proguard_on_verdict)


@action(name="proguard_check_output", is_system_action=True)
async def proguard_check_output(
    context: dict[str, Any] | None = None,
    text: Any = None,
    user_text: Any = None,
    proguard_guard: Guard | None = None,
    proguard_categories: Sequence[str] | None = None,
    proguard_on_verdict: VerdictCallback | None = None,
    **_: Any,  # NeMo passes llm_task_manager, config, ... to streaming rails; none are needed
) -> RailOutcome:
    """Check the bot message (or the current stream window) against the user message."""
    try:
        response = text if text is not None else _context_value(context, "bot_message")
        prompt = user_text if user_text is not None else _context_value(context, "user_message")
        item = _item(prompt, response)
        if not item.has_response:
            return RailOutcome.allow(metadata={"stage": "output", "allowed": True, "policy_violations": []})
        verdict = await resolve_guard(proguard_guard).acheck(item, categories=proguard_categories)
    except Exception as exc:
        return _failure("output", exc)
    return _outcome(verdict, "output", proguard_on_verdict)


@action(name="proguard_check_retrieval", is_system_action=True)
async def proguard_check_retrieval(
    context: dict[str, Any] | None = None,
    text: Any = None,
    proguard_guard: Guard | None = None,
    proguard_categories: Sequence[str] | None = None,
    proguard_on_verdict: VerdictCallback | None = None,
    **_: Any,  # NeMo passes llm_task_manager, config, ... to streaming rails; none are needed
) -> RailOutcome:
    """Drop unsafe retrieved chunks; the rest reach the model as ``$relevant_chunks``.

    Chunks come from ``text`` (a string or a list), else ``$relevant_chunks_sep``, else the joined
    ``$relevant_chunks`` judged as one piece.
    """
    if text is not None:
        chunks = [text] if isinstance(text, str) else list(text)
    else:
        chunks = _context_value(context, "relevant_chunks_sep") or []
        if not chunks:
            whole = _context_value(context, "relevant_chunks") or ""
            chunks = [whole] if whole.strip() else []
    chunks = [c for c in chunks if isinstance(c, str) and c.strip()]
    if not chunks:
        return RailOutcome.allow(metadata={"stage": "retrieval", "allowed": True, "policy_violations": []})
    try:
        guard = resolve_guard(proguard_guard)
        verdicts = await guard.acheck_batch(
            [GuardInput(prompt=c) for c in chunks], categories=proguard_categories
        )
    except Exception as exc:
        return _failure("retrieval", exc)
    if proguard_on_verdict is not None:
        for verdict in verdicts:
            proguard_on_verdict("retrieval", verdict)
    kept = [c for c, v in zip(chunks, verdicts, strict=True) if v.safe]
    dropped = [v for v in verdicts if v.unsafe]
    metadata = {
        "stage": "retrieval",
        "allowed": not dropped,
        "dropped": len(dropped),
        "policy_violations": sorted({c.id or c.name for v in dropped for c in v.categories}),
        "categories": sorted({n for v in dropped for n in violated_categories(v)}),
        "explanation": "; ".join(v.summary() for v in dropped),
    }
    if not dropped:
        return RailOutcome.allow(metadata=metadata)
    return RailOutcome.transform(
        [(TransformTarget.RELEVANT_CHUNKS, "\n".join(kept))],
        reason=f"dropped {len(dropped)} unsafe chunk(s)",
        metadata=metadata,
    )


def bound_actions(
    guard: Guard | None,
    categories: Sequence[str] | None = None,
    on_verdict: VerdictCallback | None = None,
) -> dict[str, Callable[..., Any]]:
    """The three actions with the guard settings fixed, as NeMo can call them.

    NeMo's streaming output rails call actions without the params registered on the rails, so
    the settings are closed over instead; NeMo needs real functions (not partials) to call.
    """

    @action(name="proguard_check_input", is_system_action=True)
    async def check_input(context: dict[str, Any] | None = None, text: Any = None, **_: Any) -> RailOutcome:
        return await proguard_check_input(context, text, guard, categories, on_verdict)

    @action(name="proguard_check_output", is_system_action=True)
    async def check_output(
        context: dict[str, Any] | None = None, text: Any = None, user_text: Any = None, **_: Any
    ) -> RailOutcome:
        return await proguard_check_output(context, text, user_text, guard, categories, on_verdict)

    @action(name="proguard_check_retrieval", is_system_action=True)
    async def check_retrieval(
        context: dict[str, Any] | None = None, text: Any = None, **_: Any
    ) -> RailOutcome:
        return await proguard_check_retrieval(context, text, guard, categories, on_verdict)

    return {
        "proguard_check_input": check_input,
        "proguard_check_output": check_output,
        "proguard_check_retrieval": check_retrieval,
    }


ACTIONS = {
    "proguard_check_input": proguard_check_input,
    "proguard_check_output": proguard_check_output,
    "proguard_check_retrieval": proguard_check_retrieval,
}

__all__ = [
    "ACTIONS",
    "bound_actions",
    "proguard_check_input",
    "proguard_check_output",
    "proguard_check_retrieval",
]
