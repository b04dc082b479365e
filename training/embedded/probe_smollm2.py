"""Probe: does SmolLM2-135M's hidden state add to MiniLM's embedding for request safety?

    python -m training.embedded.probe_smollm2 [--seeds 0 1 2 3 4] [--out runs/probe_smollm2] [--speed]

Seven runs on the mined-instruction line (DATA_CARD.md, eighth to eleventh attempts) moved the
request head's errors around without removing them, which points at the features rather than the
data. This script answers one question before anyone builds a runtime for a second encoder: with
everything else equal (the shipped request sources, no derived examples, frozen features, the
same small head as ``train.py``'s diagnostic one), how well do heads on MiniLM, on SmolLM2's
mean-pooled hidden states, and on both rank the never-trained checks? A control adds one of
MiniLM's own middle layers instead, to tell a second model's view from a second layer's. It
reads no evaluation data. SmolLM2's features take about 6 minutes on 2 cores (cached in
``paths.cache_dir()``); each head about 10 seconds. Prints a table and writes ``DIR/probe.json`` and
``DIR/probe.png``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from proguard_core.models.embedded.encoder import standardized
from training.embedded.paths import DEFAULT_DATA_DIR, cache_dir
from training.embedded.sources import SAFE, prompt_examples
from training.embedded.train import fit, mlp, never_trained_checks, predict, rankings
from training.embedded.tune_layer import feature_scale, masked_mean

# SmolLM2-135M has 30 decoder layers; the middle ones carried the signal in the first probe, the
# last one (shaped for predicting the next token) the least.
PROBED_LAYERS = (10, 20, 30)


def masked_means(hidden_states: Sequence[Any], mask: Any, layers: Sequence[int]) -> Any:
    """Each listed layer's hidden states averaged over the real (unpadded) tokens, side by side."""
    weights = mask.to(hidden_states[0].dtype)
    return torch.cat([masked_mean(hidden_states[layer], weights) for layer in layers], dim=1)


def smollm2_features(texts: list[str], batch_size: int = 32, max_tokens: int = 256) -> np.ndarray:
    """Mean-pooled hidden states of ``PROBED_LAYERS`` for each text, cached by the texts' hash.

    Texts beyond ``max_tokens`` are cut for this probe only; the probe's own training texts are
    the only ones that long, and the checks are all short."""
    from tqdm import tqdm

    from training.embedded.smollm2_answers import load_model

    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    cached = cache_dir() / f"smollm2_features_{digest}_{max_tokens}.npy"
    if cached.exists():
        return np.load(cached)
    tokenizer, model = load_model()
    tokenizer.padding_side = "right"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    by_length = np.argsort([len(text) for text in texts])
    features = np.zeros((len(texts), len(PROBED_LAYERS) * model.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for start in tqdm(
            range(0, len(texts), batch_size), desc="SmolLM2 features", unit="batch", file=sys.stderr
        ):
            rows = by_length[start : start + batch_size]
            batch = tokenizer(
                [texts[i] for i in rows],
                return_tensors="pt",
                padding=True,
                truncation=True,
                max_length=max_tokens,
            )
            hidden = model.model(**batch, output_hidden_states=True).hidden_states
            features[rows] = masked_means(hidden, batch["attention_mask"], PROBED_LAYERS).numpy()
    cached.parent.mkdir(parents=True, exist_ok=True)
    np.save(cached, features)
    return features


def minilm_middle_layer(texts: list[str], layer: int = 3) -> np.ndarray:
    """MiniLM's token states after ``layer`` of its 6 layers, averaged over the real tokens: the
    control that asks whether any second view of the text helps, not SmolLM2 in particular."""
    from proguard_core.models.embedded.encoder import MiniLMEncoder
    from training.embedded.tune_layer import collect_states

    encoder = MiniLMEncoder(top_layers=6 - layer)
    states = collect_states(encoder, texts, max_tokens=256, show_progress=False)
    return np.stack([state.astype(np.float32).mean(0) for state in states])


def smollm2_speed(texts: list[str], layer_counts: Sequence[int] = (30, 20), batch_size: int = 64) -> None:
    """Texts per second through SmolLM2's first layers (best of three passes), and its load time:
    what a run time built on these features would cost."""

    from training.embedded.smollm2_answers import load_model

    started = time.time()
    tokenizer, model = load_model()
    print(f"SmolLM2 load (GGUF, dequantised): {time.time() - started:.1f} s")
    tokenizer.padding_side = "right"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    every_layer = model.model.layers
    for count in layer_counts:
        model.model.layers = every_layer[:count]
        best = float("inf")
        for _ in range(3):
            started = time.time()
            with torch.inference_mode():
                for start in range(0, len(texts), batch_size):
                    model.model(
                        **tokenizer(texts[start : start + batch_size], return_tensors="pt", padding=True)
                    )
            best = min(best, time.time() - started)
        print(
            f"first {count} layers: {len(texts) / best:.0f} texts/s (batch {batch_size}, {len(texts)} texts)"
        )
    model.model.layers = every_layer


def train_standardized(x: np.ndarray, n_train: int) -> np.ndarray:
    """Zero mean, unit variance per feature, with the statistics of the first ``n_train`` rows
    (the training requests)."""
    return standardized(x, feature_scale(x[:n_train]))


def plot(results: dict[str, list[dict[str, float]]], shipped: dict[str, float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = list(shipped)
    fig, ax = plt.subplots(figsize=(12, 4.5))
    width = 0.8 / len(results)
    for i, (label, runs) in enumerate(results.items()):
        means = [float(np.mean([run[m] for run in runs])) for m in metrics]
        low = [mean - min(run[m] for run in runs) for mean, m in zip(means, metrics, strict=True)]
        high = [max(run[m] for run in runs) - mean for mean, m in zip(means, metrics, strict=True)]
        ax.bar(np.arange(len(metrics)) + i * width, means, width, yerr=[low, high], label=label)
    for j, metric in enumerate(metrics):
        ax.hlines(shipped[metric], j - width / 2, j + 0.8 - width / 2, colors="black", linestyles="dashed")
    ax.set_xticks(np.arange(len(metrics)) + 0.4 - width / 2, [m.replace("_auc", "") for m in metrics])
    ax.set_ylim(0.88, 1.0)
    ax.set_ylabel("AUC on never-trained checks\n(mean of seeds; whiskers: min to max)")
    ax.set_title("Frozen features, same data and head (dashed: shipped K2b, two re-trained layers)")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--out", type=Path, default=Path("runs/probe_smollm2"))
    parser.add_argument(
        "--speed", action="store_true", help="only time SmolLM2 on the short check requests and exit"
    )
    args = parser.parse_args(argv)

    from proguard_core.models.embedded.encoder import MiniLMEncoder
    from proguard_core.models.embedded.heads import Heads
    from training.embedded.mine_hard_benign import WEIGHTS

    torch.set_num_threads(2)
    if args.speed:
        checks = never_trained_checks(args.data_dir)
        smollm2_speed(checks["second_author_safe"] + checks["second_author_unsafe"])
        return 0
    started = time.time()
    # The shipped weights' request sources (train.py's defaults), without the derived examples.
    sources = prompt_examples(args.data_dir, 0, True, copyright_works=True, task_shaped=True, dna_weight=0.3)
    checks = never_trained_checks(args.data_dir)
    texts = [ex.text for ex in sources]
    spans, at = {}, len(texts)
    for name, items in checks.items():
        spans[name] = slice(at, at + len(items))
        at += len(items)
        texts += items
    n_train = len(sources)
    unsafe = np.array([ex.target != SAFE for ex in sources], dtype=np.float32)
    weight = np.array([ex.weight for ex in sources], dtype=np.float32)
    balance = weight[unsafe == 1].sum() / weight[unsafe == 0].sum()
    weight = weight * np.where(unsafe == 1, 1.0, balance).astype(np.float32)

    print(f"{n_train} training requests, {len(texts) - n_train} check items", file=sys.stderr)
    minilm = MiniLMEncoder().encode(texts)
    smol = smollm2_features(texts)
    width = smol.shape[1] // len(PROBED_LAYERS)
    layer = {n: smol[:, i * width : (i + 1) * width] for i, n in enumerate(PROBED_LAYERS)}
    # MiniLM's unit vectors scaled to about the standardized features' per-dimension size.
    scaled = minilm * np.sqrt(minilm.shape[1])
    middle = {n: train_standardized(minilm_middle_layer(texts, n), n_train) for n in (3, 4)}
    smol_20 = train_standardized(layer[20], n_train)
    feature_sets = {
        "MiniLM": minilm,
        "MiniLM + its layer 3": np.concatenate([scaled, middle[3]], 1),
        # Layer 4 is what the shipped model's trunk hands its two re-trained layers: free at run time.
        "MiniLM + its layer 4": np.concatenate([scaled, middle[4]], 1),
        "SmolLM2 layer 20": smol_20,
        "SmolLM2 layer 30": train_standardized(layer[30], n_train),
        "SmolLM2 layers 10 + 20": train_standardized(np.concatenate([layer[10], layer[20]], 1), n_train),
        "MiniLM + SmolLM2 layer 20": np.concatenate([scaled, smol_20], 1),
        "MiniLM + its layer 4 + SmolLM2 layer 20": np.concatenate([scaled, middle[4], smol_20], 1),
    }
    results: dict[str, list[dict[str, float]]] = {}
    for label, features in feature_sets.items():
        x = features.astype(np.float32)
        for seed in args.seeds:
            # Seeded before the head is built, so its initial weights do not depend on which
            # feature sets ran before it.
            torch.manual_seed(seed)
            head = fit(
                mlp(x.shape[1], 256, 1), x[:n_train], unsafe, weight, multiclass=False, epochs=40, seed=seed
            )
            prob = predict(head, x)[:, 0]
            scores = rankings({name: prob[span] for name, span in spans.items()})
            results.setdefault(label, []).append(scores)
            print(f"[{time.time() - started:6.0f} s] {label}, seed {seed}: {scores}", file=sys.stderr)
    shipped = Heads.load(WEIGHTS).meta["selection"]["ranking"]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "probe.json").write_text(json.dumps({"shipped": shipped, "frozen": results}, indent=1))
    plot(results, shipped, args.out / "probe.png")
    print(f"{'features':40s} " + " ".join(f"{m:>20s}" for m in shipped))
    print(f"{'shipped K2b':40s} " + " ".join(f"{shipped[m]:20.4f}" for m in shipped))
    for label, runs in results.items():
        cells = [f"{min(r[m] for r in runs):.4f}-{max(r[m] for r in runs):.4f}" for m in shipped]
        print(f"{label:40s} " + " ".join(f"{c:>20s}" for c in cells))
    print(f"wrote {args.out / 'probe.json'} and probe.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
