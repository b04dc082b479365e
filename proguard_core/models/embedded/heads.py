"""The trained heads on top of MiniLM embeddings, evaluated by onnxruntime."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from proguard_core.models.embedded import onnx_graph
from proguard_core.models.embedded.encoder import Layer

FloatArray = npt.NDArray[np.float32]

WEIGHTS_PATH = Path(__file__).with_name("weights") / "heads.npz"


def pair_features(prompt: FloatArray, response: FloatArray) -> FloatArray:
    """Features of a (prompt, response) pair: both embeddings and how they relate."""
    return np.concatenate([prompt, response, prompt * response, np.abs(prompt - response)], axis=1).astype(
        np.float32
    )


@dataclass(frozen=True)
class MLPHead:
    """``gelu(x w1 + b1) w2 + b2``, evaluated by onnxruntime (see ``onnx_graph``)."""

    w1: FloatArray
    b1: FloatArray
    w2: FloatArray
    b2: FloatArray
    _session: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # One thread: a head is a few small matrix products, not worth waking a thread pool for.
        model = onnx_graph.mlp_model(self.w1, self.b1, self.w2, self.b2)
        object.__setattr__(self, "_session", onnx_graph.session(model, threads=1))

    def __call__(self, x: FloatArray) -> FloatArray:
        out: FloatArray = self._session.run(None, {"x": np.ascontiguousarray(x, dtype=np.float32)})[0]
        return out


def sigmoid(x: FloatArray) -> FloatArray:
    return (1.0 / (1.0 + np.exp(-x))).astype(np.float32)


def softmax(x: FloatArray) -> FloatArray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype(np.float32)


@dataclass(frozen=True)
class Heads:
    request: MLPHead
    request_layers: tuple[Layer, ...]  # re-trained copy of MiniLM's top layers that feeds ``request``
    response: MLPHead
    category: MLPHead
    subcategories: tuple[str, ...]
    request_threshold: float
    response_threshold: float
    risk_names: tuple[str, ...]
    risk_name_subcategory: tuple[str, ...]
    risk_name_emb: FloatArray
    meta: dict[str, Any]

    @classmethod
    def load(cls, path: Path = WEIGHTS_PATH) -> Heads:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(str(arrays.pop("meta")))

        def head(prefix: str) -> MLPHead:
            return MLPHead(*(arrays[f"{prefix}.{k}"].astype(np.float32) for k in ("w1", "b1", "w2", "b2")))

        return cls(
            request=head("request"),
            request_layers=_request_layers(arrays),
            response=head("response"),
            category=head("category"),
            subcategories=tuple(meta["subcategories"]),
            request_threshold=float(meta["request_threshold"]),
            response_threshold=float(
                meta.get("response_combiner", {}).get("threshold", meta["response_threshold"])
            ),
            risk_names=tuple(meta["risk_names"]),
            risk_name_subcategory=tuple(meta["risk_name_subcategory"]),
            risk_name_emb=arrays["risk_name_emb"].astype(np.float32),
            meta=meta,
        )


def _request_layers(arrays: dict[str, Any]) -> tuple[Layer, ...]:
    """The re-trained layers, bottom first: ``request.layer.*`` (one layer, the first format) or
    ``request.layer0.*``, ``request.layer1.*``, ..."""
    per_layer: dict[str, dict[str, FloatArray]] = {}
    for key, value in arrays.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "request" and parts[1].startswith("layer"):
            per_layer.setdefault(parts[1], {})[parts[2]] = value.astype(np.float32)
    if "layer" in per_layer:
        return (Layer(**per_layer["layer"]),)
    return tuple(Layer(**per_layer[f"layer{i}"]) for i in range(len(per_layer)))
