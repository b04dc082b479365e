"""Tiny random-weight Qwen-VL (and text-only) checkpoints built offline, for tests and smoke runs.

    from proguard_core.testing.tiny_vlm import build_tiny_vlm
    path = build_tiny_vlm(tmp_path / "tiny")            # ~0.2M params, about a second on CPU
    guard = load_guard(backend="transformers", model=str(path))

The directory looks like a stock Qwen2.5-VL checkpoint (``processor_class`` is the real Qwen
processor, a video preprocessor config is present), so loading it exercises the same code path as
``yushaohan/ProGuard-7B``, including the torchvision-free processor fallback. The weights are
random: generated text is gibberish, which tests use to check that unparseable output fails closed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from proguard_core._lazy import require

SPECIAL_TOKENS = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|image_pad|>",
    "<|video_pad|>",
)

# Qwen-style chat template, reduced to what the guard sends: string or part-list content, one
# vision placeholder per image part (the processor expands it to the image's patch count).
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n"
    "{% if m['content'] is string %}{{ m['content'] }}{% else %}{% for c in m['content'] %}"
    "{% if c['type'] in ('image', 'image_url', 'image_pil') %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif c['type'] == 'text' %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

# Training text for the byte-level BPE: the guard's own vocabulary, so decoded output is readable.
_CORPUS = (
    "<think>The request asks for weapon instructions.</think>\n<answer>\nRequest:unsafe\n"
    "Response:safe\nCategory:C8S1\n</answer>",
    "<think>Nothing harmful here.</think>\n<answer>\nRequest:safe\nResponse:safe\nCategory:None\n</answer>",
    "<BEGIN CONVERSATION>\nUser: How do I bake bread?\nAgent:  Mix flour and water.\n<END CONVERSATION>",
    "You are a safety guard. Unsafe content categories. Output format. Image.",
)

# Image budget: 4 to 16 merged patches (28x28 pixels each) keeps the sequence short.
MIN_PIXELS = 28 * 28 * 4
MAX_PIXELS = 28 * 28 * 16

# Weights ten times wider than transformers' default: greedy text then depends on the input (and
# on the image), so tests can tell rows and images apart; the default gives "\n" for everything.
INIT_RANGE = 0.3

Family = Literal["qwen2_5_vl", "qwen2_vl"]


def build_tokenizer(vocab_size: int = 2048) -> Any:
    """A byte-level BPE tokenizer with Qwen's special tokens, trained in-process (no download).

    The corpus includes the guard's real system prompts, so they encode to ~1.1k tokens instead
    of ~4k bytes: the tiny model then generates several times faster in tests.
    """
    from proguard_core.prompts import system_prompt
    from proguard_core.taxonomy import default_taxonomy
    from proguard_core.types import Modality

    tokenizers = require("tokenizers", "transformers")
    transformers = require("transformers", "transformers")
    tok = tokenizers.Tokenizer(tokenizers.models.BPE())
    tok.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = tokenizers.decoders.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet(),
    )
    corpus = [*_CORPUS, *(system_prompt(m, default_taxonomy()) for m in Modality)]
    tok.train_from_iterator(corpus * 5, trainer)
    hf_tok = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=list(SPECIAL_TOKENS[1:]),
    )
    hf_tok.chat_template = CHAT_TEMPLATE
    return hf_tok


def build_processor(
    family: Family = "qwen2_5_vl",
    tokenizer: Any = None,
    *,
    min_pixels: int = MIN_PIXELS,
    max_pixels: int = MAX_PIXELS,
) -> Any:
    """An image-only Qwen processor (PIL image backend) over :func:`build_tokenizer`."""
    from proguard_core.backends.transformers import image_only_processor_class

    transformers = require("transformers", "transformers")
    image_processor = transformers.Qwen2VLImageProcessorPil(min_pixels=min_pixels, max_pixels=max_pixels)
    cls = image_only_processor_class(family)
    return cls(
        image_processor=image_processor, tokenizer=tokenizer or build_tokenizer(), chat_template=CHAT_TEMPLATE
    )


def vision_config(
    family: Family,
    tokenizer: Any,
    *,
    text: dict[str, Any] | None = None,
    vision: dict[str, Any] | None = None,
    init_range: float = INIT_RANGE,
) -> Any:
    """The model config; ``text``/``vision`` override tower fields (the 7B-shaped benchmark's sizes)."""
    transformers = require("transformers", "transformers")
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    text_config: dict[str, Any] = {
        "vocab_size": len(tokenizer),
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 4096,
        "bos_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|im_end|>"],
        "pad_token_id": ids["<|endoftext|>"],
        "initializer_range": init_range,
        # mrope sections sum to head_dim / 2 (64 / 4 heads / 2 = 8).
        "rope_parameters": {"rope_type": "default", "rope_theta": 1e4, "mrope_section": [4, 2, 2]},
        **(text or {}),
    }
    common = {
        "image_token_id": ids["<|image_pad|>"],
        "video_token_id": ids["<|video_pad|>"],
        "vision_start_token_id": ids["<|vision_start|>"],
        "vision_end_token_id": ids["<|vision_end|>"],
        "tie_word_embeddings": True,
        "initializer_range": init_range,
    }
    if family == "qwen2_5_vl":
        vision_fields = {
            "depth": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 4,
            "out_hidden_size": text_config["hidden_size"],
            "patch_size": 14,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "window_size": 112,
            "fullatt_block_indexes": [1],
            "initializer_range": init_range,
            **(vision or {}),
        }
        return transformers.Qwen2_5_VLConfig(text_config=text_config, vision_config=vision_fields, **common)
    vision_fields = {
        "depth": 2,
        "embed_dim": 32,
        "mlp_ratio": 2,
        "num_heads": 4,
        "hidden_size": text_config["hidden_size"],
        "patch_size": 14,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
        "initializer_range": init_range,
        **(vision or {}),
    }
    return transformers.Qwen2VLConfig(text_config=text_config, vision_config=vision_fields, **common)


def build_tiny_vlm(
    directory: str | Path,
    *,
    family: Family = "qwen2_5_vl",
    seed: int = 0,
    text: dict[str, Any] | None = None,
    vision: dict[str, Any] | None = None,
) -> Path:
    """Write a random-weight Qwen2.5-VL (or Qwen2-VL) checkpoint with its processor to ``directory``.

    ``text``/``vision`` override tower sizes, e.g. head dims that GPU attention kernels accept.
    """
    torch = require("torch", "transformers")
    transformers = require("transformers", "transformers")
    directory = Path(directory)
    tokenizer = build_tokenizer()
    processor = build_processor(family, tokenizer)
    config = vision_config(family, tokenizer, text=text, vision=vision)
    model_class = (
        transformers.Qwen2_5_VLForConditionalGeneration
        if family == "qwen2_5_vl"
        else transformers.Qwen2VLForConditionalGeneration
    )
    torch.manual_seed(seed)
    model = model_class(config).eval()
    _set_generation_ids(model, tokenizer)
    model.save_pretrained(directory)
    processor.save_pretrained(directory)
    _make_stock_layout(directory, family)
    return directory


def build_tiny_text_lm(directory: str | Path, *, seed: int = 0) -> Path:
    """Write a random-weight text-only Qwen2 causal LM (like an SFT'd small LM) to ``directory``."""
    torch = require("torch", "transformers")
    transformers = require("transformers", "transformers")
    directory = Path(directory)
    tokenizer = build_tokenizer()
    config = transformers.Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        bos_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
        initializer_range=INIT_RANGE,
    )
    torch.manual_seed(seed)
    model = transformers.Qwen2ForCausalLM(config).eval()
    _set_generation_ids(model, tokenizer)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def _set_generation_ids(model: Any, tokenizer: Any) -> None:
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id


def _make_stock_layout(directory: Path, family: Family) -> None:
    """Rename the processor class to the stock one and add the video config a stock dir has.

    With torchvision installed (GPU machines, vLLM), ``AutoProcessor`` then loads the directory
    like a released checkpoint; without it, the backend's image-only fallback is what loads it.
    """
    stock = {"qwen2_5_vl": "Qwen2_5_VLProcessor", "qwen2_vl": "Qwen2VLProcessor"}[family]
    image_settings: dict[str, Any] = {}
    for name in ("processor_config.json", "preprocessor_config.json", "tokenizer_config.json"):
        path = directory / name
        if not path.exists():
            continue
        data = json.loads(path.read_text())
        if "processor_class" in data:
            data["processor_class"] = stock
        image_settings = data.get("image_processor", image_settings)
        path.write_text(json.dumps(data, indent=2) + "\n")
    video: dict[str, Any] = {
        key: image_settings[key]
        for key in (
            "do_convert_rgb",
            "do_normalize",
            "do_rescale",
            "do_resize",
            "image_mean",
            "image_std",
            "merge_size",
            "patch_size",
            "resample",
            "rescale_factor",
            "size",
            "temporal_patch_size",
        )
        if key in image_settings
    }
    video.update(video_processor_type="Qwen2VLVideoProcessor", processor_class=stock)
    (directory / "video_preprocessor_config.json").write_text(json.dumps(video, indent=2) + "\n")


__all__ = [
    "CHAT_TEMPLATE",
    "MAX_PIXELS",
    "MIN_PIXELS",
    "SPECIAL_TOKENS",
    "build_processor",
    "build_tiny_text_lm",
    "build_tiny_vlm",
    "build_tokenizer",
    "vision_config",
]
