"""Hugging Face transformers engine: Qwen2.5-VL / Qwen2-VL checkpoints, or text-only causal LMs.

    guard = load_guard(backend="transformers", model="yushaohan/ProGuard-7B")

Runs on CPU (float32) or CUDA (bfloat16), batches with left padding (text and image
conversations can share a batch) and decodes greedily at temperature 0. torchvision is never
needed: when ``AutoProcessor`` cannot build a processor without it (stock Qwen processor
directories ask for a video processor, whose classes import torchvision), an image-only
subclass of the Qwen processor is loaded from the same directory instead.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from proguard_core._lazy import require
from proguard_core.backends.base import Conversation, GenerationParams, ThreadedAsyncMixin
from proguard_core.errors import BackendError, InputError, ProGuardError
from proguard_core.images import decode

if TYPE_CHECKING:
    import torch

# model_type in config.json -> the transformers processor class the image-only variant extends.
_QWEN_PROCESSORS = {
    "qwen2_5_vl": "Qwen2_5_VLProcessor",
    "qwen2_vl": "Qwen2VLProcessor",
}
_image_only_classes: dict[str, Any] = {}


def image_only_processor_class(model_type: str) -> Any:
    """A Qwen-VL processor class without the video processor, so it loads without torchvision.

    ``ProcessorMixin`` derives its sub-processors from ``__init__``'s parameters, so dropping
    ``video_processor`` from the signature is enough; the class still reads stock directories.
    """
    base_name = _QWEN_PROCESSORS.get(model_type)
    if base_name is None:
        raise BackendError(
            f"no image-only processor for model type {model_type!r}; pass processor= explicitly "
            f"(known: {', '.join(sorted(_QWEN_PROCESSORS))})"
        )
    cached = _image_only_classes.get(model_type)
    if cached is not None:
        return cached
    transformers = require("transformers", "transformers")
    base = getattr(transformers, base_name)

    def __init__(
        self: Any,
        image_processor: Any = None,
        tokenizer: Any = None,
        chat_template: Any = None,
        **kwargs: Any,
    ) -> None:
        base.__init__(self, image_processor, tokenizer, chat_template=chat_template, **kwargs)

    name = base_name.replace("Processor", "ImageOnlyProcessor")
    cls = type(name, (base,), {"__init__": __init__, "__module__": __name__, "__qualname__": name})
    _image_only_classes[model_type] = cls
    return cls


def load_processor(
    source: str, *, model_type: str | None, vision: bool, trust_remote_code: bool = False
) -> Any:
    """Processor for a vision model (tokenizer alone for a text model), never needing torchvision."""
    transformers = require("transformers", "transformers")
    if not vision:
        return transformers.AutoTokenizer.from_pretrained(source, trust_remote_code=trust_remote_code)
    auto_error: Exception | None = None
    try:
        processor = transformers.AutoProcessor.from_pretrained(source, trust_remote_code=trust_remote_code)
    except Exception as exc:  # OSError / ImportError / AttributeError, depending on the directory layout
        processor, auto_error = None, exc
    # An unregistered processor class makes AutoProcessor return the bare tokenizer: not usable.
    if processor is not None and getattr(processor, "image_processor", None) is not None:
        return processor
    if model_type not in _QWEN_PROCESSORS:
        detail = f": {type(auto_error).__name__}: {auto_error}" if auto_error else " (got a tokenizer only)"
        raise BackendError(f"could not load an image processor from {source!r}{detail}")
    try:
        return image_only_processor_class(model_type).from_pretrained(source)
    except Exception as exc:
        raise BackendError(
            f"could not load the processor from {source!r}: {type(exc).__name__}: {exc}"
        ) from exc


class TransformersBackend(ThreadedAsyncMixin):
    """A local transformers model behind the :class:`~proguard_core.backends.base.Backend` protocol.

    ``model`` is a local directory or hub id, or an already loaded ``PreTrainedModel`` (then
    ``processor`` is required): the RL loop and benchmarks judge with in-memory weights this way.
    ``device`` is ``"auto"`` (CUDA when present), ``"cpu"``, ``"cuda"``, ``"cuda:1"``...;
    ``dtype`` is ``"auto"`` (bfloat16 on CUDA, float32 on CPU), a name like ``"float16"`` or a
    ``torch.dtype``; a preloaded model stays where it is. Extra keyword arguments go to
    ``from_pretrained`` (``device_map``, ``attn_implementation``, ``revision``...).
    """

    def __init__(
        self,
        model: Any,
        *,
        device: str = "auto",
        dtype: Any = "auto",
        max_batch_size: int = 8,
        processor: Any = None,
        trust_remote_code: bool = False,
        **from_pretrained_kwargs: Any,
    ) -> None:
        if max_batch_size < 1:
            raise ValueError("max_batch_size must be at least 1")
        self._torch = require("torch", "transformers")
        self._transformers = require("transformers", "transformers")
        self.max_batch_size = max_batch_size
        self._lock = threading.Lock()
        self.device = self._resolve_device(device)
        self.dtype = self._resolve_dtype(dtype, self.device)

        if isinstance(model, (str, os.PathLike)):
            source = os.fspath(model)
            self._model_name = source
            self.model = self._load_model(source, trust_remote_code, from_pretrained_kwargs)
        else:
            if processor is None:
                raise InputError("a preloaded model needs processor= (a processor or tokenizer)")
            source = None
            self._model_name = (
                getattr(getattr(model, "config", None), "_name_or_path", "") or type(model).__name__
            )
            self.model = model
        self.model.eval()
        # Report where the weights really are (a preloaded model, or a device_map of its own).
        self.device = self.model.device
        self.dtype = self.model.dtype
        config = self.model.config
        self.vision = getattr(config, "vision_config", None) is not None
        model_type = getattr(config, "model_type", None)

        if processor is None or isinstance(processor, (str, os.PathLike)):
            processor_source = os.fspath(processor) if processor is not None else source
            assert processor_source is not None
            try:
                processor = load_processor(
                    processor_source,
                    model_type=model_type,
                    vision=self.vision,
                    trust_remote_code=trust_remote_code,
                )
            except ProGuardError:
                raise
            except Exception as exc:
                raise BackendError(f"could not load the tokenizer from {processor_source!r}: {exc}") from exc
        self.processor = processor
        self.tokenizer = getattr(processor, "tokenizer", processor)
        if self.vision and getattr(processor, "image_processor", None) is None:
            raise BackendError("this is a vision model but the processor has no image processor")
        if (
            getattr(processor, "chat_template", None) is None
            and getattr(self.tokenizer, "chat_template", None) is None
        ):
            # Base (non-instruct) checkpoints have none; failing here beats failing every check.
            raise BackendError(f"{self._model_name!r} has no chat template; pass processor= with one")
        # Left padding keeps every prompt's last token at the same position, so one generate()
        # call continues all of them; the new tokens then start at the same column for each row.
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token

    # --- construction -----------------------------------------------------------------------------

    def _resolve_device(self, device: str) -> torch.device:
        torch = self._torch
        if device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        resolved = torch.device(device)
        if resolved.type == "cuda" and not torch.cuda.is_available():
            raise BackendError(f"device {device!r} requested but CUDA is not available")
        return resolved

    def _resolve_dtype(self, dtype: Any, device: torch.device) -> torch.dtype:
        torch = self._torch
        if isinstance(dtype, torch.dtype):
            return dtype
        if dtype == "auto":
            if device.type == "cuda":
                return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            # CPU bf16 matmuls are slow on most x86 parts and change greedy outputs; stay exact.
            return torch.float32
        resolved = getattr(torch, str(dtype), None)
        if not isinstance(resolved, torch.dtype):
            raise InputError(f"unknown dtype {dtype!r}; use 'auto', 'bfloat16', 'float16' or 'float32'")
        return resolved

    def _load_model(self, source: str, trust_remote_code: bool, kwargs: dict[str, Any]) -> Any:
        transformers = self._transformers
        try:
            config = transformers.AutoConfig.from_pretrained(source, trust_remote_code=trust_remote_code)
        except Exception as exc:
            raise BackendError(f"could not load a model config from {source!r}: {exc}") from exc
        vision = getattr(config, "vision_config", None) is not None
        auto_class = transformers.AutoModelForImageTextToText if vision else transformers.AutoModelForCausalLM
        options = {"dtype": self.dtype, "trust_remote_code": trust_remote_code, **kwargs}
        # Placing weights while loading avoids a full copy in host memory for 7B checkpoints.
        options.setdefault("device_map", str(self.device))
        try:
            return auto_class.from_pretrained(source, config=config, **options)
        except Exception as exc:
            raise BackendError(f"could not load model {source!r}: {type(exc).__name__}: {exc}") from exc

    # --- Backend protocol -------------------------------------------------------------------------

    @property
    def model_name(self) -> str:
        return self._model_name

    def generate(self, conversations: Sequence[Conversation], params: GenerationParams) -> list[str]:
        results: list[str] = []
        for batch in _batches(list(conversations), self.max_batch_size):
            results.extend(self._generate_batch(batch, params))
        return results

    def encode(self, conversations: Sequence[Conversation]) -> Any:
        """Tokenised, left-padded model inputs (a ``BatchFeature`` on the model's device)."""
        if self.vision:
            messages = [self._vision_messages(c) for c in conversations]
            inputs = self.processor.apply_chat_template(
                messages,
                add_generation_prompt=True,
                tokenize=True,
                return_dict=True,
                return_tensors="pt",
                processor_kwargs={"padding": True},
            )
        else:
            messages = [self._text_messages(c) for c in conversations]
            inputs = self.tokenizer.apply_chat_template(
                messages,
                add_generation_prompt=True,
                tokenize=True,
                return_dict=True,
                return_tensors="pt",
                padding=True,
            )
        return inputs.to(self.model.device)

    def close(self) -> None:
        """Drop the weights and, on CUDA, return the cached memory to the driver."""
        self.model = None
        if self.device.type == "cuda":
            self._torch.cuda.empty_cache()

    # --- internals --------------------------------------------------------------------------------

    def _generate_batch(self, conversations: list[Conversation], params: GenerationParams) -> list[str]:
        if self.model is None:
            raise BackendError("backend is closed")
        torch = self._torch
        with self._lock:
            try:
                inputs = self.encode(conversations)
                prompt_length = inputs["input_ids"].shape[1]
                with torch.inference_mode():
                    output = self.model.generate(**inputs, **self._generation_kwargs(params))
                return list(self.tokenizer.batch_decode(output[:, prompt_length:], skip_special_tokens=True))
            except ProGuardError:
                raise
            except Exception as exc:  # CUDA OOM, template errors, shape bugs: the engine failed
                raise BackendError(f"transformers generation failed: {type(exc).__name__}: {exc}") from exc

    def _generation_kwargs(self, params: GenerationParams) -> dict[str, Any]:
        # Checkpoints ship their own decoding defaults (Qwen2.5-VL: top_k=1, top_p=0.001,
        # temperature 0.1, repetition_penalty 1.05) that generate() would silently apply. Set
        # every knob explicitly to what vLLM does with SamplingParams(temperature, max_tokens),
        # so both engines decode the same way and the penalty cannot change greedy verdicts.
        kwargs: dict[str, Any] = {
            "max_new_tokens": params.max_new_tokens,
            "pad_token_id": self.tokenizer.pad_token_id,
            "repetition_penalty": 1.0,
        }
        if params.temperature > 0:
            kwargs.update(do_sample=True, temperature=params.temperature, top_p=1.0, top_k=0)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        return kwargs

    def _vision_messages(self, conversation: Conversation) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        for message in conversation:
            content = message["content"]
            if isinstance(content, str):
                parts: list[dict[str, Any]] = [{"type": "text", "text": content}]
            else:
                parts = []
                for part in content:
                    if part["type"] == "image":
                        image = part.get("image")
                        if image is None:
                            raise InputError("image part without image data")
                        parts.append({"type": "image", "image": decode(image)})
                    else:
                        parts.append({"type": "text", "text": part["text"]})
            messages.append({"role": message["role"], "content": parts})
        return messages

    def _text_messages(self, conversation: Conversation) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        for message in conversation:
            content = message["content"]
            if not isinstance(content, str):
                if any(part["type"] == "image" for part in content):
                    raise InputError(f"{self._model_name!r} is a text-only model and cannot check images")
                content = "\n".join(part["text"] for part in content if part["type"] == "text")
            messages.append({"role": message["role"], "content": content})
        return messages


def _batches(items: list[Conversation], size: int) -> Iterator[list[Conversation]]:
    for begin in range(0, len(items), size):
        yield items[begin : begin + size]


__all__ = ["TransformersBackend", "image_only_processor_class", "load_processor"]
