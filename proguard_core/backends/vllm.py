"""vLLM offline engine (``vllm.LLM``), the fastest way to run ProGuard on a GPU in-process.

    guard = load_guard(backend="vllm", model="yushaohan/ProGuard-7B", tensor_parallel_size=2)

Upstream serves the released checkpoints with vLLM at temperature 0, so this engine reproduces
their numbers most closely. A whole batch goes to one ``LLM.chat`` call and vLLM schedules it
(continuous batching, prefix caching of the long, shared system prompt). vLLM needs a GPU and
the ``vllm`` extra; for a separate server process use ``backend="openai"`` against ``vllm serve``.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Sequence
from typing import Any, Literal

from proguard_core._lazy import require
from proguard_core.backends.base import (
    Conversation,
    GenerationParams,
    ThreadedAsyncMixin,
    data_url_part,
    to_chat_dicts,
)
from proguard_core.errors import BackendError, InputError, ProGuardError
from proguard_core.images import decode

ImageTransport = Literal["pil", "data_url"]


def to_vllm_messages(
    conversation: Conversation, image_transport: ImageTransport = "pil"
) -> list[dict[str, Any]]:
    """Our chat messages as the OpenAI-style messages ``LLM.chat`` takes.

    ``"pil"`` hands decoded images over in process (``image_pil`` parts, no re-encoding);
    ``"data_url"`` sends ``image_url`` parts, for vLLM versions without ``image_pil``.
    """
    if image_transport not in ("pil", "data_url"):
        raise InputError(f"image_transport must be 'pil' or 'data_url', not {image_transport!r}")
    if image_transport == "data_url":
        return to_chat_dicts(conversation, data_url_part)
    return to_chat_dicts(conversation, lambda image: {"type": "image_pil", "image_pil": decode(image)})


class VLLMBackend(ThreadedAsyncMixin):
    """``vllm.LLM`` behind the Backend protocol. Extra keyword arguments go to ``vllm.LLM``
    (``dtype``, ``seed``, ``mm_processor_kwargs``, ``load_format="dummy"``, ``enforce_eager``...).
    """

    def __init__(
        self,
        model: str,
        *,
        tensor_parallel_size: int = 1,
        max_model_len: int | None = 8192,
        gpu_memory_utilization: float = 0.9,
        enable_prefix_caching: bool = True,
        limit_mm_per_prompt: dict[str, int] | None = None,
        image_transport: ImageTransport = "pil",
        **engine_kwargs: Any,
    ) -> None:
        vllm = require("vllm", "vllm")
        self._vllm = vllm
        self._model_name = str(model)
        self.image_transport: ImageTransport = image_transport
        if image_transport not in ("pil", "data_url"):
            raise InputError(f"image_transport must be 'pil' or 'data_url', not {image_transport!r}")
        options: dict[str, Any] = {
            "tensor_parallel_size": tensor_parallel_size,
            "gpu_memory_utilization": gpu_memory_utilization,
            "enable_prefix_caching": enable_prefix_caching,
            # The guard sends one image per check; a limit of one also keeps vLLM's memory
            # profiling from reserving room for several.
            "limit_mm_per_prompt": limit_mm_per_prompt if limit_mm_per_prompt is not None else {"image": 1},
            **engine_kwargs,
        }
        if max_model_len is not None:
            options["max_model_len"] = max_model_len
        try:
            self.llm = vllm.LLM(model=self._model_name, **options)
        except ProGuardError:
            raise
        except Exception as exc:
            raise BackendError(
                f"vLLM could not load {self._model_name!r}: {type(exc).__name__}: {exc}"
            ) from exc
        # LLM is not thread-safe; the Guard may call from its timeout pool and asyncio threads.
        self._lock = threading.Lock()

    @property
    def model_name(self) -> str:
        return self._model_name

    def sampling_params(self, params: GenerationParams) -> Any:
        # temperature 0 is greedy in vLLM; nothing else needs clearing.
        return self._vllm.SamplingParams(temperature=params.temperature, max_tokens=params.max_new_tokens)

    def generate(self, conversations: Sequence[Conversation], params: GenerationParams) -> list[str]:
        if not conversations:
            return []
        if self.llm is None:
            raise BackendError("backend is closed")
        messages = [to_vllm_messages(c, self.image_transport) for c in conversations]
        with self._lock:
            try:
                outputs = self.llm.chat(messages, self.sampling_params(params), use_tqdm=False)
            except ProGuardError:
                raise
            except Exception as exc:
                raise BackendError(f"vLLM generation failed: {type(exc).__name__}: {exc}") from exc
        if len(outputs) != len(messages):
            raise BackendError(f"vLLM returned {len(outputs)} outputs for {len(messages)} conversations")
        return [output.outputs[0].text if output.outputs else "" for output in outputs]

    def close(self) -> None:
        """Free the engine and its GPU memory (the KV cache is most of it)."""
        self.llm = None
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:  # pragma: no cover - vLLM always brings torch
            pass


__all__ = ["VLLMBackend", "to_vllm_messages"]
