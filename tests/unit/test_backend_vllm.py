"""VLLMBackend without vLLM: message conversion, the missing-extra error, and the engine calls
checked against a stand-in ``vllm`` module that records what it is given (real runs: tests/gpu)."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from typing import Any

import pytest

from proguard_core import (
    BackendError,
    GuardInput,
    InputError,
    MissingDependencyError,
    format_output,
    load_guard,
)
from proguard_core.backends.base import GenerationParams
from proguard_core.prompts import build_messages
from proguard_core.taxonomy import default_taxonomy


def conversation(prompt: str | None, image: bytes | None = None) -> Any:
    return build_messages(GuardInput(prompt=prompt, images=[image] if image else []), default_taxonomy())


def test_missing_vllm_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vllm", None)  # as if not installed, even on a GPU box
    from proguard_core.backends.vllm import VLLMBackend

    with pytest.raises(MissingDependencyError, match=r"pip install 'proguard\[vllm\]'") as info:
        VLLMBackend("some/model")
    assert info.value.extra == "vllm"
    with pytest.raises(MissingDependencyError, match="vllm"):
        load_guard(backend="vllm", model="some/model")


def test_messages_with_pil_images(red_png: bytes) -> None:
    from PIL import Image

    from proguard_core.backends.vllm import to_vllm_messages

    ours = conversation("What is this?", red_png)
    messages = to_vllm_messages(ours)
    assert messages[0] == {"role": "system", "content": ours[0]["content"]}
    image_part, text_part = messages[1]["content"]
    assert image_part["type"] == "image_pil" and isinstance(image_part["image_pil"], Image.Image)
    assert image_part["image_pil"].size == (64, 48) and image_part["image_pil"].mode == "RGB"
    assert text_part == {"type": "text", "text": ours[1]["content"][1]["text"]}


def test_messages_with_data_urls(red_png: bytes) -> None:
    import base64

    from proguard_core.backends.vllm import to_vllm_messages

    messages = to_vllm_messages(conversation("What is this?", red_png), "data_url")
    url = messages[1]["content"][0]["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == red_png
    with pytest.raises(InputError):
        to_vllm_messages(conversation("x"), "jpeg")  # type: ignore[arg-type]


# --- the engine calls, against a stand-in vllm module ---------------------------------------------


@dataclass
class _Completion:
    text: str


@dataclass
class _RequestOutput:
    outputs: list[_Completion]


@dataclass
class _Recorder:
    init_kwargs: dict[str, Any] = field(default_factory=dict)
    chat_calls: list[tuple[list[Any], Any, dict[str, Any]]] = field(default_factory=list)
    fail_with: Exception | None = None


@pytest.fixture
def fake_vllm(monkeypatch: pytest.MonkeyPatch) -> _Recorder:
    recorder = _Recorder()

    class SamplingParams:
        def __init__(self, **kwargs: Any) -> None:
            self.kwargs = kwargs

    class LLM:
        def __init__(self, model: str, **kwargs: Any) -> None:
            recorder.init_kwargs = {"model": model, **kwargs}

        def chat(self, messages: list[Any], sampling_params: Any, **kwargs: Any) -> list[_RequestOutput]:
            if recorder.fail_with is not None:
                raise recorder.fail_with
            recorder.chat_calls.append((messages, sampling_params, kwargs))
            # Echo something that identifies the conversation, so order can be checked.
            texts = []
            for conv in messages:
                user = conv[1]["content"]
                has_image = any(p["type"] in ("image_pil", "image_url") for p in user)
                unsafe = "gun" in user[-1]["text"]
                texts.append(
                    format_output(
                        "unsafe" if unsafe else "safe",
                        None,
                        "C8S1" if unsafe else None,
                        "image" if has_image else "text",
                    )
                )
            return [_RequestOutput([_Completion(t)]) for t in texts]

    module = types.ModuleType("vllm")
    module.LLM = LLM  # type: ignore[attr-defined]
    module.SamplingParams = SamplingParams  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "vllm", module)
    return recorder


def test_engine_options(fake_vllm: _Recorder) -> None:
    from proguard_core.backends.vllm import VLLMBackend

    VLLMBackend("org/guard", tensor_parallel_size=2, max_model_len=4096, seed=3)
    assert fake_vllm.init_kwargs == {
        "model": "org/guard",
        "tensor_parallel_size": 2,
        "gpu_memory_utilization": 0.9,
        "enable_prefix_caching": True,
        "limit_mm_per_prompt": {"image": 1},
        "max_model_len": 4096,
        "seed": 3,
    }


def test_guard_through_vllm_batches_in_one_call(fake_vllm: _Recorder, red_png: bytes) -> None:
    guard = load_guard(backend="vllm", model="org/guard", max_new_tokens=64)
    verdicts = guard.check_batch(["a gun", {"prompt": "bread", "images": [red_png]}, "cake"])
    assert [v.safe for v in verdicts] == [False, True, True]
    assert verdicts[0].category is not None and verdicts[0].category.id == "C8S1"
    assert [v.reasoning for v in verdicts] == ["text", "image", "text"]
    assert len(fake_vllm.chat_calls) == 1  # one engine call; vLLM schedules the batch itself
    messages, sampling, kwargs = fake_vllm.chat_calls[0]
    assert len(messages) == 3
    assert sampling.kwargs == {"temperature": 0.0, "max_tokens": 64}
    assert kwargs == {"use_tqdm": False}


def test_engine_failure_becomes_backend_error(fake_vllm: _Recorder) -> None:
    from proguard_core.backends.vllm import VLLMBackend

    backend = VLLMBackend("org/guard")
    fake_vllm.fail_with = RuntimeError("CUDA error: an illegal memory access")
    with pytest.raises(BackendError, match="illegal memory access"):
        backend.generate([conversation("x")], GenerationParams())
    guard = load_guard(backend="vllm", model="org/guard")
    verdict = guard.check("bread")
    assert verdict.safe is False and verdict.policy == "fail_closed:error"


def test_load_failure_becomes_backend_error(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("vllm")

    def broken_llm(**kwargs: Any) -> Any:
        raise ValueError("model architecture not supported")

    module.LLM = broken_llm  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "vllm", module)
    from proguard_core.backends.vllm import VLLMBackend

    with pytest.raises(BackendError, match="architecture not supported"):
        VLLMBackend("org/guard")


def test_backend_modules_import_their_engines_lazily() -> None:
    import subprocess

    code = (
        "import sys\n"
        "import proguard_core.backends.transformers, proguard_core.backends.vllm\n"
        "import proguard_core.backends.openai_server\n"
        "import proguard_core.testing.tiny_vlm, proguard_core.testing.openai_server\n"
        "heavy = ('torch', 'transformers', 'vllm', 'httpx', 'uvicorn', 'starlette', 'fastapi')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
