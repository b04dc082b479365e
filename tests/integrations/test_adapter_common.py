"""What all adapters share: the lazily loaded default guard, refusal templates, the blocking rule."""

from __future__ import annotations

import pytest

from proguard_core import CategoryVerdict, Guard, Verdict
from proguard_integrations import _shared
from proguard_integrations._shared import BoundedStore, blocks, render_violation


def test_adapters_load_the_default_guard_only_when_a_check_runs(
    monkeypatch: pytest.MonkeyPatch, guard: Guard
) -> None:
    loads: list[int] = []

    def fake_load() -> Guard:
        loads.append(1)
        return guard

    monkeypatch.setattr(_shared, "load_guard", fake_load)
    monkeypatch.setattr(_shared, "_default_guard", None)
    from proguard_integrations.langchain import ProGuardCheck, ProGuardMiddleware
    from proguard_integrations.llamaindex import ProGuardCallbackHandler, ProGuardNodePostprocessor

    check = ProGuardCheck()
    ProGuardMiddleware()
    ProGuardCallbackHandler()
    ProGuardNodePostprocessor()
    assert loads == []
    assert check.invoke("hello") == "hello"
    assert check.invoke("hello again") == "hello again"
    assert loads == [1]  # loaded once, then shared


def test_refusal_templates_fill_categories_and_survive_unknown_placeholders() -> None:
    verdict = Verdict(
        safe=False,
        request="unsafe",
        categories=(CategoryVerdict(id="C8S1", name="Weapons", in_taxonomy=True),),
    )
    assert render_violation("No ({category}, {category_id}) at {stage}", verdict, "output") == (
        "No (Weapons, C8S1) at output"
    )
    assert render_violation("{categories} {nonsense}", verdict) == "C8S1 Weapons {nonsense}"
    failed = Verdict(safe=False, error="engine down", policy="fail_closed:error")
    assert render_violation("No ({category})", failed) == "No (guard unavailable)"


def test_output_stage_blocks_on_the_reply_label() -> None:
    refusal = Verdict(safe=False, request="unsafe", response="safe")
    assert blocks(refusal, "input") and not blocks(refusal, "output")
    assert blocks(Verdict(safe=False, request="safe", response="unsafe"), "output")
    assert blocks(Verdict(safe=False, error="x", policy="fail_closed:error"), "output")
    assert not blocks(Verdict(safe=True), "input")


def test_bounded_store_forgets_the_oldest() -> None:
    store: BoundedStore[int, str] = BoundedStore(maxsize=2)
    for i in range(3):
        store.put(i, str(i))
    assert store.pop(0) is None and store.pop(2) == "2" and len(store) == 1
