"""The engine registry: every engine is a row with its own options, built the same way."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

import pytest

from proguard_core import InputError, format_output, load_guard
from proguard_core.backends.fake import FakeBackend
from proguard_core.backends.openai_server import OpenAIServerBackend
from proguard_core.backends.transformers import TransformersBackend
from proguard_core.backends.vllm import VLLMBackend
from proguard_core.engines import ENGINES, Engine, EngineSettings, build_engine, parse_spec, spec_forms
from proguard_core.models.base import GuardModel
from proguard_core.models.embedded.model import EmbeddedGuard
from proguard_core.models.generative import GenerativeGuard
from proguard_core.remote import RemoteGuardModel

# Each engine's constructor; the model it is given (first parameter) is not an option.
CONSTRUCTORS: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = {
    "embedded": (EmbeddedGuard.__init__, ()),
    "fake": (FakeBackend.__init__, ()),
    "transformers": (TransformersBackend.__init__, ("model",)),
    "vllm": (VLLMBackend.__init__, ("model",)),
    "openai": (OpenAIServerBackend.__init__, ("model",)),
    "proguard": (RemoteGuardModel.__init__, ("url",)),
}


def test_every_engine_has_a_row_whose_options_are_its_constructors_keywords() -> None:
    assert set(ENGINES) == set(CONSTRUCTORS)
    for name, (constructor, model_parameters) in CONSTRUCTORS.items():
        parameters = inspect.signature(constructor).parameters.values()
        keywords = [
            p.name
            for p in parameters
            if p.name != "self"
            and p.name not in model_parameters
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        row = ENGINES[name]
        assert list(row.options) == keywords, name
        assert row.passes_other_options == any(p.kind is p.VAR_KEYWORD for p in parameters), name
        assert (row.model is None) == (not model_parameters), name


def test_spec_strings_name_every_engine() -> None:
    assert spec_forms() == "embedded, fake, transformers:PATH, vllm:PATH, openai:MODEL@URL, proguard:URL"
    assert parse_spec("vllm:models/pg") == ("vllm", "models/pg", {})
    assert parse_spec(" Embedded") == ("embedded", None, {})
    assert parse_spec("openai:ProGuard-7B") == ("openai", "ProGuard-7B", {})
    with pytest.raises(InputError, match=r"expected one of embedded, fake, .*proguard:URL"):
        parse_spec("nope:x")
    with pytest.raises(InputError, match="'fake' takes no model"):
        parse_spec("fake:x")


def test_a_model_given_to_an_engine_that_takes_none_is_refused() -> None:
    for name in ("embedded", "fake"):
        with pytest.raises(InputError, match=f"the {name} guard takes no model name"):
            load_guard(backend=name, model="x")


def test_unknown_backend_lists_every_engine() -> None:
    with pytest.raises(
        InputError, match="choose one of: embedded, fake, transformers, vllm, openai, proguard"
    ):
        load_guard(backend="nope", model="x")


def test_options_given_by_name_win_over_those_in_the_spec() -> None:
    guard = load_guard("openai:M@http://127.0.0.1:9/v1", base_url="http://127.0.0.1:8/v1")
    assert guard.model.backend.base_url == "http://127.0.0.1:8/v1"  # type: ignore[attr-defined]


def test_engines_that_hand_other_options_to_their_library_get_them_unchecked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[dict[str, Any]] = []

    def build(model: str | None, options: dict[str, Any], settings: EngineSettings) -> GuardModel:
        seen.append(options)
        return GenerativeGuard(FakeBackend())

    monkeypatch.setitem(ENGINES, "vllm", dataclasses.replace(ENGINES["vllm"], build=build))
    load_guard(backend="vllm", model="m", swap_space=4, tensor_parallel_size=2)
    assert seen == [{"swap_space": 4, "tensor_parallel_size": 2}]


def test_generative_engines_get_the_token_budget() -> None:
    engine = build_engine("fake", settings=EngineSettings(max_new_tokens=7))
    assert isinstance(engine, GenerativeGuard) and engine.params.max_new_tokens == 7


def test_a_new_row_is_a_new_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[tuple[str | None, dict[str, Any]]] = []

    def build(model: str | None, options: dict[str, Any], settings: EngineSettings) -> GuardModel:
        built.append((model, options))
        return GenerativeGuard(FakeBackend(format_output("unsafe", "safe", "C8S1")))

    row = Engine(name="mine", spec="mine:NAME", model="a name", options=("level",), build=build)
    monkeypatch.setitem(ENGINES, "mine", row)
    assert load_guard("mine:alpha", level=2).check("x").unsafe
    assert built == [("alpha", {"level": 2})]
    with pytest.raises(InputError, match="backend 'mine' has no option levle; it accepts: level"):
        load_guard("mine:alpha", levle=2)
    with pytest.raises(InputError, match=r"needs model= \(a name\)"):
        load_guard(backend="mine")
