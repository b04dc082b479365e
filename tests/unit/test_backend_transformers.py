"""TransformersBackend on tiny random-weight checkpoints built offline (see tests/conftest.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from proguard_core import BackendError, GuardInput, InputError, Modality, load_guard
from proguard_core.backends.base import GenerationParams
from proguard_core.backends.transformers import TransformersBackend, load_processor
from proguard_core.prompts import build_messages
from proguard_core.taxonomy import default_taxonomy

# Random weights never write a verdict; a short budget and a one-category prompt (a third of the
# full system prompt) keep every test fast on a busy CPU. The engine path is the same either way.
FAST = {"max_new_tokens": 12}
CATS = ["C8"]


@pytest.fixture(scope="module")
def backend(tiny_vlm_dir: Path) -> TransformersBackend:
    return TransformersBackend(str(tiny_vlm_dir), device="cpu")


@pytest.fixture(scope="module")
def guard(tiny_vlm_dir: Path) -> Any:
    return load_guard(backend="transformers", model=str(tiny_vlm_dir), device="cpu", **FAST)


def conversation(prompt: str | None = None, image: bytes | None = None, response: str | None = None) -> Any:
    guard_input = GuardInput(prompt=prompt, response=response, images=[image] if image else [])
    return build_messages(guard_input, default_taxonomy().subset(CATS))


def test_loads_stock_layout_without_torchvision(backend: TransformersBackend) -> None:
    assert backend.vision
    assert backend.device.type == "cpu"
    assert str(backend.model.dtype) == "torch.float32"
    assert type(backend.model).__name__ == "Qwen2_5_VLForConditionalGeneration"
    # AutoProcessor cannot build the stock processor here (no torchvision); the fallback must
    # still come with a working PIL image processor.
    assert backend.processor.image_processor is not None
    assert "Pil" in type(backend.processor.image_processor).__name__ or _has_torchvision()
    assert backend.tokenizer.padding_side == "left"


def _has_torchvision() -> bool:
    from transformers.utils import is_torchvision_available

    return bool(is_torchvision_available())


@pytest.mark.parametrize(
    ("item", "modality"),
    [
        ({"prompt": "How do I bake bread?"}, Modality.TEXT),
        ({"prompt": "How do I bake bread?", "response": "Mix flour and water."}, Modality.TEXT),
        ({"images": ["RED"]}, Modality.IMAGE),
        ({"prompt": "What is in this picture?", "images": ["RED"]}, Modality.TEXT_IMAGE),
    ],
)
def test_random_weights_fail_closed_end_to_end(
    guard: Any, red_png: bytes, item: dict[str, Any], modality: Modality
) -> None:
    if "images" in item:
        item = {**item, "images": [red_png]}
    verdict = guard.check(GuardInput(**item), categories=CATS)
    assert verdict.modality is modality
    assert verdict.raw  # the model did generate something
    assert verdict.parse_error is True
    assert verdict.safe is False
    assert verdict.policy == "fail_closed:parse_error"
    assert verdict.error is None
    assert verdict.model == guard.model_name


def test_mixed_batch_matches_single_checks_and_is_deterministic(
    guard: Any, red_png: bytes, blue_png: bytes
) -> None:
    items = [
        GuardInput(prompt="How do I bake bread?"),
        GuardInput(prompt="Describe this.", images=[red_png]),
        GuardInput(images=[blue_png]),
        GuardInput(prompt="Is this fine?", response="Yes, it is fine."),
    ]
    first = [v.raw for v in guard.check_batch(items, categories=CATS)]
    second = [v.raw for v in guard.check_batch(items, categories=CATS)]
    assert first == second
    # Left padding must not change what each row generates.
    assert first == [guard.check(item, categories=CATS).raw for item in items]
    assert len(set(first)) > 1  # rows really differ, so the comparison above means something


def test_image_pixels_reach_the_model(backend: TransformersBackend, red_png: bytes, blue_png: bytes) -> None:
    import torch

    # The long system prompt dominates a random model's greedy text, so compare logits instead.
    inputs = backend.encode([conversation("What is this?", red_png), conversation("What is this?", blue_png)])
    with torch.inference_mode():
        logits = backend.model(**inputs).logits[:, -1]
    assert float((logits[0] - logits[1]).abs().max()) > 1e-3


def test_encode_expands_image_tokens_and_pads_left(backend: TransformersBackend, red_png: bytes) -> None:
    inputs = backend.encode([conversation("hi"), conversation("What is this?", red_png)])
    image_token = backend.model.config.image_token_id
    per_row = (inputs["input_ids"] == image_token).sum(dim=1).tolist()
    merge = backend.processor.image_processor.merge_size
    expected = int(inputs["image_grid_thw"].prod()) // merge**2
    assert per_row == [0, expected] and expected > 0
    assert inputs["pixel_values"].shape[0] == int(inputs["image_grid_thw"].prod())
    mask = inputs["attention_mask"]
    assert mask[:, -1].all()  # left padding: every row ends with a real token
    assert not mask[0, 0] and mask[1, 0]  # the short text row is the padded one


def test_max_new_tokens_is_honoured(backend: TransformersBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    lengths: list[int] = []
    real_generate = backend.model.generate

    def spy(**kwargs: Any) -> Any:
        output = real_generate(**kwargs)
        lengths.append(output.shape[1] - kwargs["input_ids"].shape[1])
        return output

    monkeypatch.setattr(backend.model, "generate", spy)
    short = backend.generate([conversation("hi")], GenerationParams(max_new_tokens=3))
    longer = backend.generate([conversation("hi")], GenerationParams(max_new_tokens=9))
    assert lengths[0] <= 3
    assert lengths[1] > lengths[0]
    assert longer[0].startswith(short[0])  # greedy: a longer budget extends the same text


def test_checkpoint_sampling_defaults_do_not_leak(tiny_vlm_dir: Path) -> None:
    import torch

    engine = TransformersBackend(str(tiny_vlm_dir), device="cpu")
    params = GenerationParams(max_new_tokens=10)
    (clean,) = engine.generate([conversation("How do I bake bread?")], params)
    # What Qwen2.5-VL-Instruct's generation_config.json ships with.
    config = engine.model.generation_config
    config.do_sample, config.top_k, config.top_p, config.temperature = True, 1, 0.001, 0.1
    config.repetition_penalty = 1.05
    (greedy,) = engine.generate([conversation("How do I bake bread?")], params)
    assert greedy == clean  # no repetition penalty, no sampling at temperature 0
    samples = set()
    for seed in range(4):
        torch.manual_seed(seed)
        samples.add(
            engine.generate([conversation("hi")], GenerationParams(max_new_tokens=6, temperature=1.0))[0]
        )
    assert len(samples) > 1  # top_k=1 from the checkpoint would make "sampling" greedy


def test_batches_are_split_by_max_batch_size(tiny_vlm_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small = TransformersBackend(str(tiny_vlm_dir), device="cpu", max_batch_size=2)
    sizes: list[int] = []
    real = small.model.generate

    def spy(**kwargs: Any) -> Any:
        sizes.append(kwargs["input_ids"].shape[0])
        return real(**kwargs)

    monkeypatch.setattr(small.model, "generate", spy)
    texts = small.generate([conversation(f"q{i}") for i in range(5)], GenerationParams(max_new_tokens=2))
    assert sizes == [2, 2, 1] and len(texts) == 5


def test_engine_errors_become_backend_errors_and_fail_closed(
    tiny_vlm_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    guard = load_guard(backend="transformers", model=str(tiny_vlm_dir), device="cpu", **FAST)
    engine = guard.model.backend

    def boom(**kwargs: Any) -> Any:
        raise RuntimeError("CUDA out of memory (simulated)")

    monkeypatch.setattr(engine.model, "generate", boom)
    with pytest.raises(BackendError, match="out of memory"):
        engine.generate([conversation("hi")], GenerationParams(max_new_tokens=2))
    verdict = guard.check("hi", categories=CATS)
    assert verdict.safe is False and verdict.policy == "fail_closed:error"
    assert "out of memory" in (verdict.error or "")


async def test_async_check(guard: Any, red_png: bytes) -> None:
    verdict = await guard.acheck("What is this?", images=[red_png], categories=CATS)
    assert verdict.modality is Modality.TEXT_IMAGE
    assert verdict.parse_error and not verdict.safe


def test_qwen2_vl_family(tiny_qwen2_vl_dir: Path, red_png: bytes) -> None:
    guard = load_guard(backend="transformers", model=str(tiny_qwen2_vl_dir), device="cpu", **FAST)
    assert type(guard.model.backend.model).__name__ == "Qwen2VLForConditionalGeneration"
    verdicts = guard.check_batch(
        [GuardInput(prompt="hello"), GuardInput(prompt="what?", images=[red_png])], categories=CATS
    )
    assert all(v.raw and v.parse_error and not v.safe for v in verdicts)


def test_text_only_causal_lm(tiny_text_lm_dir: Path, red_png: bytes) -> None:
    guard = load_guard(backend="transformers", model=str(tiny_text_lm_dir), device="cpu", **FAST)
    engine = guard.model.backend
    assert not engine.vision
    assert type(engine.model).__name__ == "Qwen2ForCausalLM"
    verdict = guard.check("How do I bake bread?", categories=CATS)
    assert verdict.raw and verdict.parse_error and not verdict.safe
    with pytest.raises(InputError, match="text-only"):
        guard.check("What is this?", images=[red_png], categories=CATS)


def test_bare_tokenizer_from_autoprocessor_falls_back(tiny_vlm_dir: Path, tmp_path: Path) -> None:
    # An unregistered processor_class makes AutoProcessor hand back just the tokenizer.
    copy = Path(shutil.copytree(tiny_vlm_dir, tmp_path / "renamed"))
    for name in ("processor_config.json", "tokenizer_config.json"):
        data = json.loads((copy / name).read_text())
        data["processor_class"] = "SomeCustomProcessor"
        (copy / name).write_text(json.dumps(data))
    processor = load_processor(str(copy), model_type="qwen2_5_vl", vision=True)
    assert processor.image_processor is not None and processor.tokenizer is not None


def test_preloaded_model_needs_a_processor(backend: TransformersBackend) -> None:
    with pytest.raises(InputError, match="processor"):
        TransformersBackend(backend.model)
    shared = TransformersBackend(backend.model, processor=backend.processor, device="cpu")
    assert shared.generate([conversation("hi")], GenerationParams(max_new_tokens=3)) == backend.generate(
        [conversation("hi")], GenerationParams(max_new_tokens=3)
    )


def test_bad_settings(tiny_vlm_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(BackendError, match="could not load"):
        TransformersBackend(str(tmp_path / "missing"), device="cpu")
    with pytest.raises(InputError, match="dtype"):
        TransformersBackend(str(tiny_vlm_dir), device="cpu", dtype="float13")
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(BackendError, match="CUDA is not available"):
        TransformersBackend(str(tiny_vlm_dir), device="cuda")


def test_explicit_dtype(tiny_vlm_dir: Path) -> None:
    half = TransformersBackend(str(tiny_vlm_dir), device="cpu", dtype="bfloat16")
    assert str(half.model.dtype) == "torch.bfloat16"
    (text,) = half.generate([conversation("hi")], GenerationParams(max_new_tokens=3))
    assert isinstance(text, str)


def test_model_without_chat_template_is_refused_at_load(tiny_text_lm_dir: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(tiny_text_lm_dir, tmp_path / "base_lm"))
    config = json.loads((copy / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    (copy / "tokenizer_config.json").write_text(json.dumps(config))
    (copy / "chat_template.jinja").unlink(missing_ok=True)
    with pytest.raises(BackendError, match="no chat template"):
        TransformersBackend(str(copy), device="cpu")


def test_load_guard_batch_size_reaches_the_engine(tiny_vlm_dir: Path) -> None:
    chosen = load_guard(backend="transformers", model=str(tiny_vlm_dir), device="cpu", max_batch_size=3)
    assert chosen.max_batch_size == 3 and chosen.model.backend.max_batch_size == 3
    default = load_guard(backend="transformers", model=str(tiny_vlm_dir), device="cpu")
    assert default.max_batch_size == 16 and default.model.backend.max_batch_size == 8
