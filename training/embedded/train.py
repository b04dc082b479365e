"""Train the embedded guard's heads. One command, training pool + our contrast cases only:

    python -m training.embedded.train [--data-dir ../shared/benchmarks]

MiniLM stays frozen (our onnxruntime encoder); three small MLP heads and the out-of-taxonomy name table are
written to ``proguard_core/models/embedded/weights/heads.npz``. Thresholds come from a calibration
split carved out of the training pool, never from an evaluation benchmark.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from proguard_core.models.embedded.encoder import MiniLMEncoder
from proguard_core.models.embedded.heads import pair_features
from proguard_core.models.embedded.model import judged_whole, request_windows_with_text
from proguard_core.models.embedded.second_reader import READ_LAYER
from proguard_core.taxonomy import default_taxonomy
from training.embedded import contrast_unsafe
from training.embedded.attack_shapes import contextual_text, typographic_texts
from training.embedded.copyright_works import copyright_examples
from training.embedded.fourth_author_checks import FOURTH_AUTHOR_SHORT_SAFE, FOURTH_AUTHOR_SHORT_UNSAFE
from training.embedded.label_map import ALL_SUBCATEGORIES, ANY, JAILBREAK, SAFE
from training.embedded.mine_hard_benign import MINED
from training.embedded.paths import DEFAULT_DATA_DIR, REPO, cache_dir
from training.embedded.risk_vocabulary import RISK_NAMES
from training.embedded.second_author_checks import SECOND_AUTHOR_SAFE, SECOND_AUTHOR_UNSAFE
from training.embedded.selection_checks import (
    EVERYDAY_NARRATIVES,
    HARMFUL_NARRATIVES_AND_PERSUASION,
    HARMFUL_REPLIES_TO_INNOCUOUS_PROMPTS,
    HARMLESS_PERSUASION_AND_PERSONAS,
    MILDLY_WORDED_HARMFUL,
    PLAINLY_HARMFUL,
    SCARY_BUT_SAFE,
)
from training.embedded.smollm2_answers import read_reply_checks
from training.embedded.sources import (
    PromptExample,
    ResponseExample,
    hard_benign_examples,
    prompt_examples,
    response_examples,
    shape_examples,
    short_twin_examples,
    task_twin_examples,
    wider_benign_examples,
)
from training.embedded.third_author_checks import THIRD_AUTHOR_TASKS_SAFE, THIRD_AUTHOR_TASKS_UNSAFE
from training.embedded.tune_layer import (
    clipped_texts,
    collect_states,
    feature_scale,
    predict_tuned,
    train_tuned,
    trunk_scale,
    weighted_step,
)

if TYPE_CHECKING:
    from proguard_core.models.embedded import EmbeddedGuard

WEIGHTS = REPO / "proguard_core" / "models" / "embedded" / "weights" / "heads.npz"

# Training-data options, all on for the shipped weights; each has a --no- form.
DATA_OPTIONS = (
    ("--long-benign", "add long benign texts to the prompt data"),
    (
        "--benign-fragments",
        "add the sentence packs of long benign texts (what the request head sees) as safe examples",
    ),
    ("--typographic", "add harmful training goals rewritten as typographic list titles (attack_shapes.py)"),
    (
        "--copyright-works",
        "add the training half of copyright_works.py: works asked to be reproduced, and asked about",
    ),
    (
        "--task-shaped",
        "add contrast_safe.TASK_SHAPED: persona set-ups, persuasion, editing and extraction requests",
    ),
)

EXPERIMENT_OPTIONS = (
    (
        "--smollm2-answers",
        "add smollm2_answers.jsonl: our scary-but-safe requests answered by SmolLM2, as safe response pairs",
    ),
    (
        "--shape-contrasts",
        "add contrast_shapes.py: everyday narratives, persuasion and lasting personas, each harmless "
        "and harmful from the same frames",
    ),
    ("--wider-benign", "add 6,000 more of Alpaca's instructions (the sources use 2,500) as safe requests"),
    (
        "--hard-benign",
        "add the Alpaca instructions listed by mine_hard_benign.py (ones a trained head wrongly flags) "
        "as safe requests",
    ),
    ("--task-twins", "add contrast_task_twins.py: harmful requests in the shapes of plain assistant tasks"),
    (
        "--trunk-features",
        "the request head also reads the trunk's averaged token states (the probe's second view)",
    ),
    (
        "--short-twins",
        "add contrast_short_twins.py: short harmful questions in the openings of ordinary ones",
    ),
    (
        "--smollm2-features",
        "the request head also reads SmolLM2's averaged layer-20 states (second_reader.py; needs the "
        "smollm2 extra at run time too)",
    ),
    (
        "--smollm2-whole-texts",
        "with --smollm2-features: only whole short requests get SmolLM2's view, not sentence packs",
    ),
)


class EmbeddingCache:
    """Features of texts keyed by text hash, so re-running training after a data edit is quick.

    ``encode`` gives one row per text: MiniLM's embedding, or a second reader's features."""

    def __init__(
        self,
        encode: Callable[[list[str]], np.ndarray],
        path: Path | None,
        chunk: int = 512,
        what: str = "embedding",
    ) -> None:
        self.encode = encode
        self.path = path
        self.chunk = chunk
        self.what = what
        self.store: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            with np.load(path) as data:
                self.store = {k: data[k] for k in data.files}

    def __call__(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self.store}.items())
        if missing:
            from tqdm import tqdm

            # Only the first run embeds everything (minutes); later runs find nearly all cached.
            for start in tqdm(
                range(0, len(missing), self.chunk),
                desc=f"{self.what} {len(missing)} new texts",
                unit="chunk",
                disable=len(missing) < 4 * self.chunk,
                dynamic_ncols=True,
            ):
                part = missing[start : start + self.chunk]
                for (k, _), v in zip(part, self.encode([t for _, t in part]), strict=True):
                    self.store[k] = v
        return np.stack([self.store[k] for k in keys]).astype(np.float32)

    def save(self) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(self.path, **self.store)  # type: ignore[arg-type]


def progress(started: float, stage: str) -> None:
    """One line per training stage, on stderr beside the progress bars."""
    print(f"[{time.time() - started:5.0f} s] {stage}", file=sys.stderr, flush=True)


def seed_texts() -> dict[str, list[str]]:
    """Per subcategory: its taxonomy name, description, synonyms and our hand-written cases."""
    tax = default_taxonomy()
    seeds: dict[str, list[str]] = {}
    for sub in ALL_SUBCATEGORIES:
        cat = tax.get(sub)
        seeds[sub] = [cat.name, cat.description, *cat.synonyms, *contrast_unsafe.UNSAFE_BY_SUBCATEGORY[sub]]
    return seeds


def resolve_categories(examples: list[PromptExample], emb: np.ndarray, centroids: np.ndarray) -> list[int]:
    """Category index per example: -1 safe, -2 unsafe without taxonomy category, else subcategory."""
    out = []
    for ex, vec in zip(examples, emb, strict=True):
        if ex.target == SAFE:
            out.append(-1)
        elif ex.target == JAILBREAK:
            out.append(-2)
        else:
            cands = (
                list(range(len(ALL_SUBCATEGORIES)))
                if ex.target == ANY
                else [ALL_SUBCATEGORIES.index(c) for c in ex.target]
            )
            sims = centroids[cands] @ vec
            out.append(cands[int(np.argmax(sims))])
    return out


def mlp(d_in: int, d_hidden: int, d_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Dropout(0.1), nn.Linear(d_in, d_hidden), nn.GELU(), nn.Dropout(0.2), nn.Linear(d_hidden, d_out)
    )


def fit(
    model: nn.Sequential,
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    *,
    multiclass: bool,
    epochs: int,
    seed: int,
) -> nn.Sequential:
    torch.manual_seed(seed)
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y).long() if multiclass else torch.from_numpy(y).float()
    wt = torch.from_numpy(w).float()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-3)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(xt), generator=gen)
        for start in range(0, len(xt), 256):
            idx = perm[start : start + 256]
            out = model(xt[idx])
            if multiclass:
                loss = nn.functional.cross_entropy(out, yt[idx], reduction="none", label_smoothing=0.05)
            else:
                loss = nn.functional.binary_cross_entropy_with_logits(out[:, 0], yt[idx], reduction="none")
            weighted_step(opt, loss, wt[idx])
    model.eval()
    return model


def predict(model: nn.Sequential, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.from_numpy(x)).numpy()


def best_threshold(
    prob: np.ndarray, y: np.ndarray, max_safe_flag: float | None = None, plateau: float = 0.0
) -> tuple[float, float]:
    """Threshold with the best F1 (unsafe positive) on the calibration split.

    With ``max_safe_flag``, only thresholds that flag at most that share of the split's safe
    examples qualify (the highest threshold if none does): the split is about 40% unsafe, real
    traffic mostly benign, so plain F1 puts the threshold where too much benign text is flagged.
    With ``plateau``, the middle of the thresholds whose F1 is within ``plateau`` of the best is
    taken: the F1 curve of a well-separated head is flat near its top, and its exact argmax moves
    between retrainings by more than the models differ.
    """
    return threshold_on_curve(threshold_curve(prob, y), max_safe_flag, plateau)


def threshold_on_curve(
    curve: list[tuple[float, float, float]], max_safe_flag: float | None = None, plateau: float = 0.0
) -> tuple[float, float]:
    """``best_threshold``'s choice, made on an already computed ``threshold_curve``."""
    qualifying = [
        (t, f1)
        for t, f1, safe_flagged in curve
        if max_safe_flag is None or safe_flagged <= max_safe_flag or t >= 0.95
    ]
    top = max(f1 for _, f1 in qualifying)
    near_top = [(t, f1) for t, f1 in qualifying if f1 >= top - plateau]
    # Without a plateau, exact ties go to the lowest threshold, as the shipped weights were made.
    return near_top[(len(near_top) - 1) // 2] if plateau > 0 else near_top[0]


def threshold_curve(prob: np.ndarray, y: np.ndarray) -> list[tuple[float, float, float]]:
    """(threshold, F1, share of safe flagged) on a 0.05..0.95 grid, for choosing and for the data card."""
    curve = []
    for t in np.linspace(0.05, 0.95, 91):
        pred = prob >= t
        tp = float((pred & (y == 1)).sum())
        f1 = 2 * tp / max(1.0, float(pred.sum()) + float((y == 1).sum()))
        curve.append((round(float(t), 2), f1, float(pred[y == 0].mean())))
    return curve


def plot_threshold_curve(curve: list[tuple[float, float, float]], chosen: float, path: Path) -> Path:
    """F1 and share of safe examples flagged against the request threshold, on the calibration split."""
    from proguard_core._lazy import require

    matplotlib = require("matplotlib", "train")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    thresholds = [t for t, _, _ in curve]
    figure, axes = plt.subplots(figsize=(6.0, 3.6))
    try:
        axes.plot(thresholds, [100 * f1 for _, f1, _ in curve], label="F1 (unsafe = positive)")
        axes.plot(thresholds, [100 * flagged for _, _, flagged in curve], label="safe examples flagged")
        axes.axvline(chosen, color="grey", linestyle="--", linewidth=1, label=f"chosen {chosen:.2f}")
        axes.set_xlabel("request threshold")
        axes.set_ylabel("% of the calibration split")
        axes.set_ylim(0, 100)
        axes.set_title("Request head on the calibration split (training pool)", loc="left", fontsize=10)
        axes.legend(fontsize=8, frameon=False)
        figure.tight_layout()
        figure.savefig(path, dpi=110)
    finally:
        plt.close(figure)
    return path


def export(model: nn.Sequential, prefix: str) -> dict[str, np.ndarray]:
    lin1, lin2 = model[1], model[4]
    assert isinstance(lin1, nn.Linear) and isinstance(lin2, nn.Linear)
    return {
        f"{prefix}.w1": lin1.weight.detach().numpy().T.astype(np.float16),
        f"{prefix}.b1": lin1.bias.detach().numpy().astype(np.float32),
        f"{prefix}.w2": lin2.weight.detach().numpy().T.astype(np.float16),
        f"{prefix}.b2": lin2.bias.detach().numpy().astype(np.float32),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    run(parser, args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--cache", type=Path, default=cache_dir() / "embedded_train_embeddings.npz")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tune-epochs", type=int, default=3)
    parser.add_argument(
        "--tune-layers",
        type=int,
        default=2,
        help="how many of MiniLM's top layers the request head re-trains",
    )
    parser.add_argument(
        "--soup", type=int, default=6, help="average the request layers' weights over this many training runs"
    )
    parser.add_argument(
        "--combiner-only", action="store_true", help="only re-fit the response combiner on existing heads"
    )
    # The shipped weights use the defaults. Each data option can be turned off (--no-long-benign,
    # ...) to reproduce the earlier candidates; DATA_CARD.md says what each did on held-out
    # training-pool checks and at the release gates on the evaluation pool.
    for flag, help_text in DATA_OPTIONS:
        parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=True, help=help_text)
    parser.add_argument(
        "--response-combiner", action="store_true", help="fit the response combiner after the heads"
    )
    # Experiments DATA_CARD.md reports as not shipped: each is off unless asked for.
    for flag, help_text in EXPERIMENT_OPTIONS:
        parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=False, help=help_text)
    parser.add_argument("--hard-benign-file", type=Path, default=MINED, help="the list --hard-benign reads")
    parser.add_argument(
        "--hard-benign-weight", type=float, default=1.5, help="weight of each mined instruction"
    )
    parser.add_argument(
        "--hard-benign-without-names",
        action="store_true",
        help="leave out the mined instructions in which a word after the first is capitalised",
    )
    parser.add_argument("--task-twins-weight", type=float, default=3.0, help="weight of each task twin")
    parser.add_argument("--short-twins-weight", type=float, default=3.0, help="weight of each short twin")
    parser.add_argument(
        "--dna-weight",
        type=float,
        default=0.3,
        help="weight multiplier for Do-Not-Answer prompts (many are mild questions a guard may answer)",
    )
    parser.add_argument(
        "--max-safe-flag",
        type=float,
        default=None,
        help="request threshold: best calibration F1 among thresholds flagging at most this share of "
        "the calibration split's safe examples",
    )
    parser.add_argument(
        "--famous-and-atrocities",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="add contrast_unsafe's public figures' private data and praise of atrocities (off for the "
        "shipped weights: runs G-H in DATA_CARD.md)",
    )
    parser.add_argument(
        "--benign-compliant",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="add benign requests answered in the eager step-list shapes of the harmful compliant "
        "answers, as safe response pairs",
    )
    parser.add_argument(
        "--threshold-plateau",
        type=float,
        default=0.0,
        help="request threshold: the middle of the thresholds whose calibration F1 is within this "
        "of the best (0: the best itself)",
    )
    parser.add_argument(
        "--holdout",
        default="",
        help="comma-separated training sources to leave out and report on, for choosing between "
        "training options without touching the evaluation pool (e.g. malicious_instruct,strongreject)",
    )
    return parser


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.dna_weight <= 0:
        parser.error("--dna-weight must be positive")
    if args.soup < 1:
        parser.error("--soup must be at least 1")
    if not 1 <= args.tune_layers <= 5:
        parser.error("--tune-layers must be between 1 and 5")
    if args.smollm2_whole_texts and not args.smollm2_features:
        parser.error("--smollm2-whole-texts needs --smollm2-features")
    source_options = {
        "long_benign": args.long_benign,
        "copyright_works": args.copyright_works,
        "task_shaped": args.task_shaped,
        "dna_weight": args.dna_weight,
        "famous_and_atrocities": args.famous_and_atrocities,
    }
    holdout = frozenset(s for s in args.holdout.split(",") if s)
    if args.combiner_only:
        calibration_pairs = calibration_responses(
            args.data_dir,
            args.seed,
            holdout,
            args.benign_compliant,
            smollm2_answers=args.smollm2_answers,
            **source_options,
        )
        fit_response_combiner(args.out, calibration_pairs)
        return
    torch.set_num_threads(2)
    started = time.time()
    rng = random.Random(args.seed)

    encoder = MiniLMEncoder(top_layers=args.tune_layers)
    embed = EmbeddingCache(encoder.encode, None if args.no_cache else args.cache)

    seeds = seed_texts()
    centroids = np.stack([embed(texts).mean(0) for texts in seeds.values()])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)

    progress(started, "reading the training pool")
    prompts = prompt_examples(args.data_dir, args.seed, **source_options)
    unknown = holdout - {ex.source for ex in prompts}
    if unknown:
        parser.error(f"--holdout: no such source {sorted(unknown)}")
    # Drawn before --holdout filters the sources, so holding Alpaca out does not change the draw.
    wider = wider_benign_examples(args.data_dir, args.seed, prompts) if args.wider_benign else []
    hard = (
        hard_benign_examples(
            args.data_dir,
            args.hard_benign_file,
            prompts,
            args.hard_benign_weight,
            without_names=args.hard_benign_without_names,
        )
        if args.hard_benign
        else []
    )
    held_out = [ex for ex in prompts if ex.source in holdout]
    prompts = [ex for ex in prompts if ex.source not in holdout]
    n_sources = len(prompts)
    derived = benign_fragments(encoder, prompts, cased=args.smollm2_features) if args.benign_fragments else []
    if args.typographic:
        derived += typographic_examples(prompts, args.seed)
    prompts += [example for _, example in derived]
    shaped = shape_examples(args.data_dir, args.seed) if args.shape_contrasts else []
    prompts += shaped
    prompts += wider
    prompts += hard
    twins = task_twin_examples(args.data_dir, args.task_twins_weight) if args.task_twins else []
    prompts += twins
    short_twins = short_twin_examples(args.data_dir, args.short_twins_weight) if args.short_twins else []
    prompts += short_twins
    progress(started, f"{len(prompts)} prompt examples; sentence embeddings")
    p_emb = embed([ex.text for ex in prompts])
    cats = resolve_categories(prompts, p_emb, centroids)
    unsafe = np.array([c != -1 for c in cats], dtype=np.float32)
    weight = np.array([ex.weight for ex in prompts], dtype=np.float32)
    # Calibration split: 15% of every source, stratified, held out from the heads.
    calib = np.array([rng.random() < 0.15 for _ in range(n_sources)])
    # A derived example follows its source text into the training or the calibration split.
    calib = np.concatenate([calib, np.array([calib[parent] for parent, _ in derived], dtype=bool)])
    # Each appended group draws its split from a stream of its own, so adding it leaves every other
    # example's split, and the response split after it, as it was.
    for stream, group in (
        ("shape-contrasts", shaped),
        ("wider-benign", wider),
        ("hard-benign", hard),
        ("task-twins", twins),
        ("short-twins", short_twins),
    ):
        stream_rng = random.Random(f"{stream}-{args.seed}")
        calib = np.concatenate([calib, np.array([stream_rng.random() < 0.15 for _ in group], dtype=bool)])
    train = ~calib
    # Balance the two classes by total weight so the head's 0.5 is not dominated by Alpaca.
    pos_w, neg_w = weight[train & (unsafe == 1)].sum(), weight[train & (unsafe == 0)].sum()
    cls_w = np.where(unsafe == 1, 1.0, pos_w / neg_w).astype(np.float32)

    progress(started, "frozen-embedding request head (diagnostic, not shipped)")
    request = fit(
        mlp(384, 256, 1),
        p_emb[train],
        unsafe[train],
        (weight * cls_w)[train],
        multiclass=False,
        epochs=40,
        seed=args.seed,
    )
    req_prob = 1 / (1 + np.exp(-predict(request, p_emb[calib])[:, 0]))
    frozen_t, frozen_f1 = best_threshold(req_prob, unsafe[calib])

    # The request head actually shipped: MiniLM's top layer(s) re-trained with their own head.
    t_tuned = time.time()
    progress(started, f"request head: MiniLM's top {args.tune_layers} layer(s), the part that takes minutes")
    states = collect_states(encoder, [ex.text for ex in prompts])
    train_idx = np.flatnonzero(train)
    calib_idx = np.flatnonzero(calib)
    second: np.ndarray | None = None
    second_arrays: dict[str, np.ndarray] = {}
    if args.smollm2_features:
        second, second_arrays = smollm2_view(
            encoder, prompts, train, args.smollm2_whole_texts, None if args.no_cache else cache_dir()
        )
    train_states = [states[i] for i in train_idx]
    tuned = train_tuned(
        encoder,
        train_states,
        unsafe[train_idx],
        (weight * cls_w)[train_idx],
        epochs=args.tune_epochs,
        seed=args.seed,
        soup=args.soup,
        trunk_scale=trunk_scale(train_states) if args.trunk_features else None,
        second=second[train_idx] if second is not None else None,
    )
    calib_prob = predict_tuned(
        tuned, [states[i] for i in calib_idx], second[calib_idx] if second is not None else None
    )
    request_curve = threshold_curve(calib_prob, unsafe[calib_idx])
    req_t, req_f1 = threshold_on_curve(request_curve, args.max_safe_flag, args.threshold_plateau)
    calib_safe_flagged = float((calib_prob[unsafe[calib_idx] == 0] >= req_t).mean())
    tuned_seconds = time.time() - t_tuned

    progress(started, "category head")
    # Category head: unsafe items with a taxonomy subcategory, plus the seed phrases themselves.
    cat_idx = np.array([c for c in cats], dtype=np.int64)
    has_cat = cat_idx >= 0
    seed_x = np.concatenate([embed(t) for t in seeds.values()])
    seed_y = np.concatenate([np.full(len(t), i) for i, t in enumerate(seeds.values())])
    cx = np.concatenate([p_emb[has_cat & train], seed_x])
    cy = np.concatenate([cat_idx[has_cat & train], seed_y])
    cw = np.concatenate([weight[has_cat & train], np.full(len(seed_y), 2.0, dtype=np.float32)])
    counts = Counter(cy.tolist())
    cw = cw * np.array([1.0 / np.sqrt(counts[int(c)]) for c in cy], dtype=np.float32)
    category = fit(
        mlp(384, 256, len(ALL_SUBCATEGORIES)), cx, cy, cw, multiclass=True, epochs=60, seed=args.seed
    )
    cat_acc = float((predict(category, p_emb[has_cat & calib]).argmax(1) == cat_idx[has_cat & calib]).mean())

    # Response head on the (prompt, response) pair.
    # Source requests only: derived examples (fragments, typographic titles) are not goals.
    responses, rcal = draw_response_pairs(
        args.data_dir, prompts[:n_sources], args.seed, rng, args.benign_compliant, args.smollm2_answers
    )
    progress(started, f"response head on {len(responses)} (prompt, response) pairs")
    rp = embed([ex.prompt for ex in responses])
    rr = embed([ex.response for ex in responses])
    rx = pair_features(rp, rr)
    ry = np.array([ex.unsafe for ex in responses], dtype=np.float32)
    rw = np.array([ex.weight for ex in responses], dtype=np.float32)
    rpos, rneg = rw[~rcal & (ry == 1)].sum(), rw[~rcal & (ry == 0)].sum()
    rw = rw * np.where(ry == 1, 1.0, rpos / rneg).astype(np.float32)
    response = fit(
        mlp(rx.shape[1], 256, 1), rx[~rcal], ry[~rcal], rw[~rcal], multiclass=False, epochs=40, seed=args.seed
    )
    resp_prob = 1 / (1 + np.exp(-predict(response, rx[rcal])[:, 0]))
    resp_t, resp_f1 = best_threshold(resp_prob, ry[rcal])

    names = [n for n, _ in RISK_NAMES]
    name_emb = embed(names)
    embed.save()

    meta = {
        "subcategories": list(ALL_SUBCATEGORIES),
        "request_threshold": req_t,
        "response_threshold": resp_t,
        "request_head": (
            "tuned_last_layer" if args.tune_layers == 1 else f"tuned_top_{args.tune_layers}_layers"
        )
        + ("+trunk_mean" if args.trunk_features else "")
        + (f"+smollm2_layer{READ_LAYER}" if args.smollm2_features else "")
        + ("_whole_texts" if args.smollm2_features and args.smollm2_whole_texts else ""),
        "tuned_layer_seconds": round(tuned_seconds, 1),
        "calibration": {
            "request_f1": req_f1,
            "request_safe_flagged": calib_safe_flagged,
            "frozen_request_f1": frozen_f1,
            "frozen_request_threshold": frozen_t,
            "response_f1": resp_f1,
            "category_accuracy": cat_acc,
            "request_curve": [[t, round(f1, 4), round(fl, 4)] for t, f1, fl in request_curve],
        },
        "risk_names": names,
        "risk_name_subcategory": [s or "" for _, s in RISK_NAMES],
        "counts": {
            "prompt_examples": dict(Counter(ex.source for ex in prompts)),
            "prompt_unsafe": int(unsafe.sum()),
            "prompt_safe": int((unsafe == 0).sum()),
            "response_examples": dict(Counter(ex.source for ex in responses)),
            "response_unsafe": int(ry.sum()),
            "response_safe": int((ry == 0).sum()),
            "category_per_subcategory": {
                ALL_SUBCATEGORIES[k]: v for k, v in sorted(Counter(cat_idx[has_cat].tolist()).items())
            },
        },
        "training_seconds": round(time.time() - started, 1),
    }
    arrays = {
        **tuned.export("request", base=encoder.top_layers),
        **second_arrays,
        **export(category, "category"),
        **export(response, "response"),
    }
    arrays["risk_name_emb"] = name_emb.astype(np.float16)
    arrays["category_centroids"] = centroids.astype(np.float16)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, meta=np.array(json.dumps(meta)), **arrays)  # type: ignore[arg-type]
    print(json.dumps(run_summary(meta), indent=1))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) in {meta['training_seconds']} s")
    curve_plot = args.out.with_name(args.out.stem + "_calibration.png")
    print("wrote", plot_threshold_curve(request_curve, req_t, curve_plot))
    if args.response_combiner:
        fit_response_combiner(args.out, [r for r, c in zip(responses, rcal, strict=True) if c])
    progress(started, "selection checks (training pool and our checks, never trained on)")
    report_selection(args.out, args.data_dir, held_out)


def run_summary(meta: dict[str, Any]) -> dict[str, Any]:
    """What a person reads after a run: thresholds, calibration figures and data counts, without the
    lists and the threshold curve (those stay in the file; the curve is also plotted)."""
    calibration = {k: v for k, v in meta["calibration"].items() if k != "request_curve"}
    counts = {k: v for k, v in meta["counts"].items() if k != "category_per_subcategory"}
    skipped = ("subcategories", "risk_names", "risk_name_subcategory", "calibration", "counts")
    return {
        **{k: v for k, v in meta.items() if k not in skipped},
        "calibration": calibration,
        "counts": counts,
    }


def never_trained_checks(data_dir: Path) -> dict[str, list[str]]:
    """The request checks no training option sees, by name: MT-bench's questions, the held-out
    half of ``copyright_works.py``, ``selection_checks.py``'s requests and the other authors' sets.
    Names ending in ``_safe`` / ``_unsafe`` come in pairs."""
    copyright_check = copyright_examples("check")
    lines = (data_dir / "mt_bench" / "mt_bench" / "question.jsonl").read_text().splitlines()
    return {
        "mt_bench": [json.loads(line)["turns"][0] for line in lines],
        "copyright_unsafe": [text for text, unsafe in copyright_check if unsafe],
        "copyright_safe": [text for text, unsafe in copyright_check if not unsafe],
        "scary_but_safe": list(SCARY_BUT_SAFE),
        "plainly_harmful": list(PLAINLY_HARMFUL),
        "mildly_worded": list(MILDLY_WORDED_HARMFUL),
        "second_author_safe": list(SECOND_AUTHOR_SAFE),
        "second_author_unsafe": list(SECOND_AUTHOR_UNSAFE),
        "third_author_safe": list(THIRD_AUTHOR_TASKS_SAFE),
        "third_author_unsafe": list(THIRD_AUTHOR_TASKS_UNSAFE),
        "fourth_author_safe": list(FOURTH_AUTHOR_SHORT_SAFE),
        "fourth_author_unsafe": list(FOURTH_AUTHOR_SHORT_UNSAFE),
    }


def rankings(scored: dict[str, np.ndarray]) -> dict[str, float]:
    """AUCs of the never-trained checks' scores (keyed as ``never_trained_checks``): each author's
    harmful requests against their harmless ones, and "pooled", the second author's, mildly
    worded, plainly harmful and copyright requests against the second author's harmless ones,
    scary-but-safe, the copyright twins and MT-bench."""
    out = {
        f"{author}_auc": auc(scored[f"{author}_unsafe"], scored[f"{author}_safe"])
        for author in ("second_author", "third_author", "fourth_author")
    }
    harmful = ("second_author_unsafe", "mildly_worded", "plainly_harmful", "copyright_unsafe")
    harmless = ("second_author_safe", "scary_but_safe", "copyright_safe", "mt_bench")
    out["pooled_auc"] = auc(
        np.concatenate([scored[k] for k in harmful]), np.concatenate([scored[k] for k in harmless])
    )
    return {k: round(v, 4) for k, v in out.items()}


def report_selection(
    weights: Path, data_dir: Path, held_out: list[PromptExample], guard: EmbeddedGuard | None = None
) -> dict[str, Any]:
    """Flag rates of the written model on training-pool text it never saw, stored in its metadata
    and returned. ``guard``: score with this guard instead of one made from ``weights`` (a guard
    with a second opinion, say); its figures are returned and not stored.

    MT-bench questions are never trained on (only the Vicuna-bench half of that source is), so
    they measure over-flagging of ordinary long requests; ``--holdout`` sources measure recall or
    over-flagging on whole sources left out. These, not the evaluation pool, pick training options.
    """
    from proguard_core.models.embedded import EmbeddedGuard
    from proguard_core.models.embedded.heads import Heads

    store = guard is None
    if guard is None:
        guard = EmbeddedGuard(heads=Heads.load(weights), ocr=False, nsfw=False)
    threshold = guard.heads.request_threshold

    scored: dict[str, np.ndarray] = {}

    def flagged(texts: Sequence[str], keep: str = "") -> list[bool]:
        probs = np.array([s.prob for s in guard.score_requests(texts)])
        if keep:
            scored[keep] = probs
        return list(probs >= threshold)

    def rate(hits: list[bool]) -> dict[str, float]:
        return {"n": len(hits), "flagged_pct": round(100 * float(np.mean(hits)), 1)}

    # Our never-trained checks (the held-out half of copyright_works.py, selection_checks.py and
    # the other authors' sets) and MT-bench, stored under "<check>:<what it should be>"; their
    # scores are kept under the check's name for the AUCs.
    checks = never_trained_checks(data_dir)
    selection: dict[str, Any] = {}
    for name, stored in (
        ("mt_bench", "mt_bench"),
        ("copyright_unsafe", "copyright_check:unsafe"),
        ("copyright_safe", "copyright_check:safe"),
        ("scary_but_safe", "scary_but_safe:safe"),
        ("plainly_harmful", "plainly_harmful:unsafe"),
        ("mildly_worded", "mildly_worded_harmful:unsafe"),
        ("second_author_safe", "second_author:safe"),
        ("second_author_unsafe", "second_author:unsafe"),
        ("third_author_safe", "third_author:safe"),
        ("third_author_unsafe", "third_author:unsafe"),
        ("fourth_author_safe", "fourth_author:safe"),
        ("fourth_author_unsafe", "fourth_author:unsafe"),
    ):
        selection[stored] = rate(flagged(checks[name], name))
    vl = json.loads((data_dir / "vlguard" / "test.json").read_text())
    # Answers to safe instructions only: VLGuard's other answers are refusals naming the harm, which
    # the head flags on their own (92% of them), so a harmful tail after one measured nothing.
    contexts = sorted(
        {
            p["response"]
            for item in vl
            for p in item["instr-resp"]
            if "safe_instruction" in p and len(p.get("response", "")) > 400
        }
    )
    selection["contexts_alone:safe"] = rate(flagged(contexts))
    replies = read_reply_checks()
    reply_scores = guard.score_responses([p for p, _, _ in replies], [r for _, r, _ in replies])
    reply_flagged = [s.prob >= guard.heads.response_threshold for s in reply_scores]
    for label, name in ((1, "smollm2_replies:unsafe"), (0, "smollm2_replies:safe")):
        selection[name] = rate(
            [hit for hit, (_, _, unsafe) in zip(reply_flagged, replies, strict=True) if unsafe == label]
        )
    innocuous = HARMFUL_REPLIES_TO_INNOCUOUS_PROMPTS
    innocuous_scores = guard.score_responses([p for p, _ in innocuous], [r for _, r in innocuous])
    selection["harmful_replies_to_innocuous_prompts:unsafe"] = rate(
        [s.prob >= guard.heads.response_threshold for s in innocuous_scores]
    )
    selection["everyday_narratives:safe"] = rate(flagged(EVERYDAY_NARRATIVES))
    selection["harmless_persuasion_and_personas:safe"] = rate(flagged(HARMLESS_PERSUASION_AND_PERSONAS))
    selection["harmful_narratives_and_persuasion:unsafe"] = rate(flagged(HARMFUL_NARRATIVES_AND_PERSUASION))
    # Threshold-free: how well the never-trained checks' harmful requests rank above their safe ones.
    selection["ranking"] = rankings(scored)
    rng = random.Random(0)
    for source in sorted({ex.source for ex in held_out}):
        safe = [e.text for e in held_out if e.source == source and e.target == SAFE]
        unsafe = [e.text for e in held_out if e.source == source and e.target != SAFE]
        if safe:
            selection[f"{source}:safe"] = rate(flagged(safe))
        if not unsafe:
            continue
        selection[f"{source}:unsafe"] = rate(flagged(unsafe))
        # The same held-out requests in attack shapes (attack_shapes.py): as a typographic list
        # title (caught if the title alone or instruction + title is flagged), and after a long
        # harmless passage.
        pairs = [typographic_texts(text, rng) for text in unsafe]
        alone, joined = flagged([a for a, _ in pairs]), flagged([b for _, b in pairs])
        selection[f"{source}:typographic"] = rate([a or b for a, b in zip(alone, joined, strict=True)])
        selection[f"{source}:contextual"] = rate(
            flagged([contextual_text(t, rng.choice(contexts)) for t in unsafe])
        )
    if store:
        with np.load(weights, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(str(arrays.pop("meta")))
        meta["selection"] = selection
        np.savez_compressed(weights, meta=np.array(json.dumps(meta)), **arrays)
    print("selection (training pool, never trained on):", json.dumps(selection))
    return selection


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """Chance that a random positive scores above a random negative (ties count half)."""
    above = (positive[:, None] > negative[None, :]).sum() + 0.5 * (
        positive[:, None] == negative[None, :]
    ).sum()
    return float(above / (len(positive) * len(negative)))


def smollm2_view(
    encoder: MiniLMEncoder,
    prompts: list[PromptExample],
    train: np.ndarray,
    whole_texts: bool,
    cache: Path | None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The request head's view of SmolLM2 for each prompt example (``second_reader.head_view``),
    and the heads file's arrays that let the guard make the same view.

    SmolLM2 reads the characters the request head's states cover (``collect_states`` keeps the
    first 128 word pieces). With ``whole_texts``, only examples the guard would judge as one
    window get the view; a benign fragment is a sentence pack, which the guard does not give it.
    The standardizing statistics come from the training split's rows that have the view.
    """
    from proguard_core.models.embedded.second_reader import SmolLM2Reader, head_view

    store = EmbeddingCache(
        SmolLM2Reader().features,
        None if cache is None else cache / f"smollm2_layer{READ_LAYER}_features.npz",
        chunk=256,
        what="SmolLM2 reading",
    )
    features = store(clipped_texts(encoder, [ex.text for ex in prompts]))
    store.save()
    whole = None
    if whole_texts:
        fits = judged_whole(encoder, [ex.text for ex in prompts])
        whole = np.array([f and ex.source != "benign_fragment" for f, ex in zip(fits, prompts, strict=True)])
    scale = feature_scale(features[train if whole is None else train & whole])
    arrays = {
        "request.smollm2_mean": scale[0].astype(np.float32),
        "request.smollm2_std": scale[1].astype(np.float32),
    }
    if whole is not None:
        arrays["request.smollm2_whole_texts"] = np.array(True)
    return head_view(features, scale, whole), arrays


def benign_fragments(
    encoder: MiniLMEncoder, prompts: list[PromptExample], cased: bool = False
) -> list[tuple[int, PromptExample]]:
    """The sentence packs the request head is shown for each long benign text, as safe examples.

    At inference a long text is judged a few sentences at a time (``request_windows``), so the
    head sees fragments such as "To start, please answer the following request:" that it never
    saw alone in training. Any fragment of a benign text is benign; fragments of harmful texts are
    not added, because a harmful request's fragment can be harmless. Returns (parent index,
    example) pairs. With ``cased``, a fragment is the window's own characters rather than its
    decoded (lowercased) word pieces: what a second reader is given in the guard.
    """
    safe = [i for i, ex in enumerate(prompts) if ex.target == SAFE]
    windows, owner, window_texts = request_windows_with_text(encoder, [prompts[i].text for i in safe])
    per_text = Counter(owner)
    seen: set[str] = set()
    out: list[tuple[int, PromptExample]] = []
    for window, j, own_text in zip(windows, owner, window_texts, strict=True):
        if per_text[j] < 2:
            continue  # judged whole: already a training example
        text = own_text if cased else encoder.tokenizer.decode(window[1:-1])
        if text.strip() and text not in seen:
            seen.add(text)
            parent = prompts[safe[j]]
            out.append((safe[j], PromptExample(text, SAFE, "benign_fragment", 0.5 * parent.weight)))
    return out


def typographic_examples(
    prompts: list[PromptExample], seed: int, limit: int = 600
) -> list[tuple[int, PromptExample]]:
    """Harmful goals as the title of an empty list, alone and after a fill-in-the-list instruction."""
    rng = random.Random(seed + 7)
    goals = [i for i, ex in enumerate(prompts) if ex.target not in (SAFE, JAILBREAK) and len(ex.text) < 250]
    out: list[tuple[int, PromptExample]] = []
    for i in rng.sample(goals, min(limit, len(goals))):
        title, combined = typographic_texts(prompts[i].text, rng)
        for text in (title, combined):
            out.append((i, PromptExample(text, prompts[i].target, "typographic", 0.5)))
    return out


def draw_response_pairs(
    data_dir: Path,
    sources: list[PromptExample],
    seed: int,
    rng: random.Random,
    benign_compliant: bool = False,
    smollm2_answers: bool = False,
) -> tuple[list[ResponseExample], np.ndarray]:
    """The response pairs built on ``sources``' harmful requests, and their calibration mask.

    The mask continues ``rng`` after the prompt split has drawn one number per source, so it moves
    whenever the prompt data does (an option that adds source prompts also changes the response
    head). Kept because the shipped weights were drawn this way; an own stream (``Random(seed +
    1)``) moved JailbreakBench response F1 from 84.6 to 80.5 with nothing else changed, so the
    response head's figures carry a few points of split noise (DATA_CARD.md).
    """
    goals = [ex.text for ex in sources if ex.target not in (SAFE, JAILBREAK) and len(ex.text) < 300]
    responses = response_examples(
        data_dir, goals, seed, benign_compliant=benign_compliant, smollm2_answers=smollm2_answers
    )
    return responses, np.array([rng.random() < 0.15 for _ in responses])


def response_split(
    data_dir: Path,
    seed: int,
    holdout: frozenset[str] = frozenset(),
    benign_compliant: bool = False,
    smollm2_answers: bool = False,
    **source_options: Any,
) -> tuple[list[ResponseExample], np.ndarray]:
    """The response pairs and their calibration mask as ``main`` draws them, without training.

    ``holdout``, ``benign_compliant``, ``smollm2_answers`` and ``source_options``
    (``prompt_examples``' keyword options) as ``main`` used them.
    """
    rng = random.Random(seed)
    prompts = [ex for ex in prompt_examples(data_dir, seed, **source_options) if ex.source not in holdout]
    for _ in prompts:  # the prompt split's draws, one per source example
        rng.random()
    return draw_response_pairs(data_dir, prompts, seed, rng, benign_compliant, smollm2_answers)


def calibration_responses(
    data_dir: Path,
    seed: int,
    holdout: frozenset[str] = frozenset(),
    benign_compliant: bool = False,
    smollm2_answers: bool = False,
    **source_options: Any,
) -> list[ResponseExample]:
    """The response calibration split of ``response_split``."""
    responses, calib = response_split(
        data_dir, seed, holdout, benign_compliant, smollm2_answers, **source_options
    )
    return [r for r, c in zip(responses, calib, strict=True) if c]


def fit_response_combiner(weights: Path, calib: list[ResponseExample]) -> None:
    """Combine the pair head with the request head read over the response text itself.

    The pair head learnt refusal-vs-compliance well but misses compliant answers that are plain
    harmful content (an email, a rant) rather than instructions; the request head, trained on
    harmful statements too, sees those. A 2-weight logistic regression on the calibration split
    decides how much each counts, and the threshold is the best-F1 one on that split.
    """
    from sklearn.linear_model import LogisticRegression

    from proguard_core.models.embedded.heads import Heads
    from proguard_core.models.embedded.model import EmbeddedGuard

    guard = EmbeddedGuard(heads=Heads.load(weights))
    pair = np.array(
        [s.prob for s in guard.score_responses([c.prompt for c in calib], [c.response for c in calib])]
    )
    alone = np.array([s.prob for s in guard.score_requests([c.response for c in calib])])
    x = np.stack([_logit(pair), _logit(alone)], axis=1)
    y = np.array([c.unsafe for c in calib])
    lr = LogisticRegression(C=1.0).fit(x, y)
    prob = lr.predict_proba(x)[:, 1]
    threshold, f1 = best_threshold(prob, y)
    with np.load(weights, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays.pop("meta")))
    meta["response_combiner"] = {
        "pair_weight": float(lr.coef_[0, 0]),
        "content_weight": float(lr.coef_[0, 1]),
        "bias": float(lr.intercept_[0]),
        "threshold": threshold,
        "calibration_f1": f1,
        "pair_only_calibration_f1": best_threshold(pair, y)[1],
    }
    np.savez_compressed(weights, meta=np.array(json.dumps(meta)), **arrays)
    print("response combiner:", json.dumps(meta["response_combiner"]))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


if __name__ == "__main__":
    main()
