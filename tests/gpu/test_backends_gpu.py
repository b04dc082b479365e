"""Engines on a CUDA device: transformers in bf16, vLLM, and greedy parity between the two.

Skipped without CUDA; the vLLM tests also skip when vllm is not importable. The checkpoint is a
random-weight Qwen2.5-VL built offline, sized so that every head dim is 64 (GPU attention
kernels reject the 16-dim heads of the CPU test model).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from proguard_core import GuardInput, load_guard  # noqa: E402
from proguard_core.backends.base import GenerationParams  # noqa: E402
from proguard_core.prompts import build_messages  # noqa: E402
from proguard_core.taxonomy import default_taxonomy  # noqa: E402

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]
needs_vllm = pytest.mark.skipif(importlib.util.find_spec("vllm") is None, reason="vllm is not installed")

# head_dim 256 / 4 = 64 (mrope sections sum to 32); vision 128 / 2 = 64.
GPU_TEXT = {
    "hidden_size": 256,
    "intermediate_size": 512,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "rope_parameters": {"rope_type": "default", "rope_theta": 1e4, "mrope_section": [16, 8, 8]},
}
GPU_VISION = {"hidden_size": 128, "intermediate_size": 256, "num_heads": 2}
NEW_TOKENS = 16


@pytest.fixture(scope="module")
def gpu_vlm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from proguard_core.testing.tiny_vlm import build_tiny_vlm

    return build_tiny_vlm(tmp_path_factory.mktemp("gpu_vlm"), text=GPU_TEXT, vision=GPU_VISION)


def items(red_png: bytes, blue_png: bytes) -> list[GuardInput]:
    return [
        GuardInput(prompt="How do I bake bread?"),
        GuardInput(prompt="Describe this picture.", images=[red_png]),
        GuardInput(images=[blue_png]),
        GuardInput(prompt="Is this fine?", response="Yes, it is fine."),
        GuardInput(prompt="What colour is this?", images=[blue_png]),
    ]


def test_transformers_on_cuda_in_bf16(gpu_vlm_dir: Path, red_png: bytes, blue_png: bytes) -> None:
    guard = load_guard(backend="transformers", model=str(gpu_vlm_dir), max_new_tokens=NEW_TOKENS)
    engine = guard.model.backend
    assert engine.device.type == "cuda"
    assert engine.model.dtype == torch.bfloat16
    assert next(engine.model.parameters()).device.type == "cuda"
    batch = items(red_png, blue_png)
    first = guard.check_batch(batch)
    second = guard.check_batch(batch)
    assert [v.raw for v in first] == [v.raw for v in second]
    assert all(v.raw and v.parse_error and not v.safe for v in first)


def _conversations(red_png: bytes, blue_png: bytes) -> list[Any]:
    return [build_messages(item, default_taxonomy()) for item in items(red_png, blue_png)]


@needs_vllm
def test_vllm_backend(gpu_vlm_dir: Path, red_png: bytes, blue_png: bytes) -> None:
    guard = load_guard(
        backend="vllm",
        model=str(gpu_vlm_dir),
        max_model_len=4096,
        gpu_memory_utilization=0.3,
        enforce_eager=True,
        max_new_tokens=NEW_TOKENS,
    )
    verdicts = guard.check_batch(items(red_png, blue_png))
    assert all(v.raw and v.parse_error and not v.safe for v in verdicts)
    guard.model.backend.close()


@needs_vllm
def test_transformers_vllm_greedy_parity(gpu_vlm_dir: Path, red_png: bytes, blue_png: bytes) -> None:
    """Same greedy text from both engines on the same prompts, text and image.

    Both run float32 so kernel differences stay far below the logit gaps; in bf16 random weights
    have near-ties that flip a token now and then, which says nothing about either engine.
    """
    from proguard_core.backends.transformers import TransformersBackend
    from proguard_core.backends.vllm import VLLMBackend

    conversations = _conversations(red_png, blue_png)
    params = GenerationParams(max_new_tokens=NEW_TOKENS)
    hf = TransformersBackend(str(gpu_vlm_dir), device="cuda", dtype="float32")
    hf_texts = hf.generate(conversations, params)
    hf.close()
    engine = VLLMBackend(
        str(gpu_vlm_dir), max_model_len=4096, gpu_memory_utilization=0.3, enforce_eager=True, dtype="float32"
    )
    vllm_texts = engine.generate(conversations, params)
    engine.close()
    assert vllm_texts == hf_texts
