"""The engines a Guard can run on: one row per engine, each with its own options.

A row says how the engine is named in a spec string (``"openai:MODEL@URL"``), what ``model=``
means for it, which keyword options it accepts, and how to build its :class:`GuardModel`.
:func:`proguard_core.guard.load_guard` reads a spec or ``backend=``/``model=`` through
:func:`build_engine` and wraps the result in a Guard. Each builder imports its engine only when
that engine is chosen, so a missing optional dependency surfaces as ``MissingDependencyError``
naming its extra, and ``import proguard_core`` stays light.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from proguard_core.errors import InputError

if TYPE_CHECKING:
    from proguard_core.backends.base import Backend
    from proguard_core.models.base import GuardModel


@dataclass(frozen=True)
class EngineSettings:
    """What load_guard knows beyond an engine's own options."""

    max_new_tokens: int = 1024
    # The caller's Guard batch size, None when left at the default.
    max_batch_size: int | None = None


Builder = Callable[[str | None, dict[str, Any], EngineSettings], "GuardModel"]


@dataclass(frozen=True)
class Engine:
    """One row of :data:`ENGINES`."""

    name: str
    spec: str
    # What ``model=`` names, for the error when it is missing; None: the engine takes no model.
    model: str | None
    # The keyword options the engine accepts; anything else is the caller's typo...
    options: tuple[str, ...]
    build: Builder
    # ...unless the engine hands unlisted options on to the library under it, e.g. to
    # ``from_pretrained`` or ``vllm.LLM``, which are the judges of what they accept.
    passes_other_options: bool = False
    # The text after ``NAME:`` in a spec -> (model, options it implies).
    read_model: Callable[[str], tuple[str, dict[str, Any]]] = lambda text: (text, {})

    def create(self, model: str | None, options: Mapping[str, Any], settings: EngineSettings) -> GuardModel:
        if self.model is None and model is not None:
            raise InputError(f"the {self.name} guard takes no model name")
        if self.model is not None and not model:
            raise InputError(f"backend {self.name!r} needs model= ({self.model})")
        unknown = sorted(set(options) - set(self.options))
        if unknown and not self.passes_other_options:
            raise InputError(
                f"backend {self.name!r} has no option {', '.join(unknown)}; "
                f"it accepts: {', '.join(self.options)}"
            )
        return self.build(model, dict(options), settings)


def _named(model: str | None) -> str:
    """The model of an engine that needs one; :meth:`Engine.create` has checked it is there."""
    if not model:
        raise InputError("this backend needs model=")
    return model


def _generative(engine: Backend, settings: EngineSettings) -> GuardModel:
    from proguard_core.backends.base import GenerationParams
    from proguard_core.models.generative import GenerativeGuard

    return GenerativeGuard(engine, params=GenerationParams(max_new_tokens=settings.max_new_tokens))


def _build_embedded(model: str | None, options: dict[str, Any], settings: EngineSettings) -> GuardModel:
    from proguard_core.models.embedded import EmbeddedGuard

    return EmbeddedGuard.load(**options)


def _build_fake(model: str | None, options: dict[str, Any], settings: EngineSettings) -> GuardModel:
    from proguard_core.backends.fake import FakeBackend

    return _generative(FakeBackend(**options), settings)


def _build_transformers(model: str | None, options: dict[str, Any], settings: EngineSettings) -> GuardModel:
    from proguard_core.backends.transformers import TransformersBackend

    if settings.max_batch_size is not None:
        # The engine splits each Guard batch again by its own limit (8 by default, for GPU
        # memory); a batch size the caller chose applies to both.
        options.setdefault("max_batch_size", settings.max_batch_size)
    return _generative(TransformersBackend(_named(model), **options), settings)


def _build_vllm(model: str | None, options: dict[str, Any], settings: EngineSettings) -> GuardModel:
    from proguard_core.backends.vllm import VLLMBackend

    return _generative(VLLMBackend(_named(model), **options), settings)


def _build_openai(model: str | None, options: dict[str, Any], settings: EngineSettings) -> GuardModel:
    from proguard_core.backends.openai_server import OpenAIServerBackend

    return _generative(OpenAIServerBackend(_named(model), **options), settings)


def _build_remote(model: str | None, options: dict[str, Any], settings: EngineSettings) -> GuardModel:
    from proguard_core.remote import RemoteGuardModel

    return RemoteGuardModel(_named(model), **options)


def _model_at_url(text: str) -> tuple[str, dict[str, Any]]:
    """``"ProGuard-7B@http://host:8000/v1"`` -> the model name, and the server as ``base_url``."""
    if "@" not in text:
        return text, {}
    model, _, base_url = text.rpartition("@")
    return model, {"base_url": base_url}


_MODEL_DIRECTORY = "a local directory or a hub id"

ENGINES: dict[str, Engine] = {
    engine.name: engine
    for engine in (
        Engine(
            name="embedded",
            spec="embedded",
            model=None,
            options=("weights", "heads", "ocr", "nsfw", "threads", "unreadable"),
            build=_build_embedded,
        ),
        Engine(
            name="fake",
            spec="fake",
            model=None,
            options=("outputs", "model_name"),
            build=_build_fake,
        ),
        Engine(
            name="transformers",
            spec="transformers:PATH",
            model=_MODEL_DIRECTORY,
            options=("device", "dtype", "max_batch_size", "processor", "trust_remote_code"),
            build=_build_transformers,
            passes_other_options=True,
        ),
        Engine(
            name="vllm",
            spec="vllm:PATH",
            model=_MODEL_DIRECTORY,
            options=(
                "tensor_parallel_size",
                "max_model_len",
                "gpu_memory_utilization",
                "enable_prefix_caching",
                "limit_mm_per_prompt",
                "image_transport",
            ),
            build=_build_vllm,
            passes_other_options=True,
        ),
        Engine(
            name="openai",
            spec="openai:MODEL@URL",
            model=_MODEL_DIRECTORY,
            options=(
                "base_url",
                "api_key",
                "timeout_s",
                "max_retries",
                "backoff_s",
                "max_concurrency",
                "extra_body",
                "headers",
            ),
            build=_build_openai,
            read_model=_model_at_url,
        ),
        Engine(
            name="proguard",
            spec="proguard:URL",
            model="the server URL, e.g. http://127.0.0.1:8000",
            options=(
                "api_key",
                "timeout_s",
                "max_retries",
                "max_concurrency",
                "transport",
                "async_transport",
            ),
            build=_build_remote,
        ),
    )
}

DEFAULT_ENGINE = "embedded"


def spec_forms() -> str:
    """``"embedded, fake, transformers:PATH, ..."``: every engine as a spec string takes it."""
    return ", ".join(engine.spec for engine in ENGINES.values())


def parse_spec(spec: str) -> tuple[str, str | None, dict[str, Any]]:
    """``"openai:M@URL"`` -> ("openai", "M", {"base_url": URL}); ``"transformers:PATH"``; ``"embedded"``."""
    name, _, rest = spec.partition(":")
    name = name.strip().lower()
    engine = ENGINES.get(name)
    if engine is None:
        raise InputError(f"guard spec {spec!r}: expected one of {spec_forms()}")
    if engine.model is None:
        if rest:
            raise InputError(f"guard spec {spec!r}: {name!r} takes no model")
        return name, None, {}
    if not rest:
        raise InputError(f"guard spec {spec!r} needs a model after {name + ':'!r}")
    model, options = engine.read_model(rest)
    return name, model, options


def build_engine(
    spec: str | None = None,
    *,
    backend: str | None = None,
    model: str | None = None,
    options: Mapping[str, Any] | None = None,
    settings: EngineSettings | None = None,
) -> GuardModel:
    """The GuardModel a spec string, or ``backend=`` and ``model=``, names (default: embedded).

    Options written into the spec (an OpenAI server's URL) yield to ``options`` given by name.
    """
    options = dict(options or {})
    if spec is not None:
        if backend is not None or model is not None:
            raise InputError("pass either a spec string or backend=/model=, not both")
        backend, model, spec_options = parse_spec(spec)
        options = {**spec_options, **options}
    engine = ENGINES.get(DEFAULT_ENGINE if backend is None else backend)
    if engine is None:
        raise InputError(f"unknown backend {backend!r}; choose one of: {', '.join(ENGINES)}")
    return engine.create(model, options, settings or EngineSettings())


__all__ = ["ENGINES", "Engine", "EngineSettings", "build_engine", "parse_spec", "spec_forms"]
