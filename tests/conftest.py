"""Shared fixtures: tiny random-weight checkpoints built offline once per test session."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

# Tests never reach the model hub: every checkpoint they load is built on disk here.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def tiny_vlm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random Qwen2.5-VL checkpoint laid out like a stock one (about 1 MB, ~1 s to build)."""
    pytest.importorskip("torch")
    from proguard_core.testing.tiny_vlm import build_tiny_vlm

    return build_tiny_vlm(tmp_path_factory.mktemp("tiny_qwen2_5_vl"))


@pytest.fixture(scope="session")
def tiny_qwen2_vl_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    from proguard_core.testing.tiny_vlm import build_tiny_vlm

    return build_tiny_vlm(tmp_path_factory.mktemp("tiny_qwen2_vl"), family="qwen2_vl")


@pytest.fixture(scope="session")
def tiny_text_lm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random text-only Qwen2 causal LM, standing in for an SFT/GRPO-trained small LM."""
    pytest.importorskip("torch")
    from proguard_core.testing.tiny_vlm import build_tiny_text_lm

    return build_tiny_text_lm(tmp_path_factory.mktemp("tiny_text_lm"))


def png_bytes(color: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def red_png() -> bytes:
    return png_bytes((220, 20, 20))


@pytest.fixture(scope="session")
def blue_png() -> bytes:
    return png_bytes((20, 20, 220))
