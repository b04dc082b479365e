"""The response score as two questions: is the request harmful, and does the reply go along with it.

    python -m training.embedded.factored_response [--weights heads.npz] [--out heads.npz]

The pair head judges a (request, reply) pair as a whole and learnt from pairs whose answered
requests are nearly all harmful, so it reads "a scary-sounding request, answered" as unsafe: a
mirror-hanging answer scores 1.00 on our SmolLM2 reply check. The labels of a reply's safety factor
into two parts that other heads can answer better: whether the request is harmful (the re-trained
request head, the best-ranking part of the model) and whether the reply goes along with it (a
"compliance" head trained here: answers to harmless requests go along, refusals do not, and
replies to harmful requests go along exactly when their pair is labelled unsafe). A reply that is
harmful content on its own, whatever the request, is caught by the request head read over the
reply:

    score = max(p_request(prompt) * p_comply(prompt, reply), p_request(reply))

The compliance head and the threshold (best F1 on the response calibration split, which neither
head trained on) are added to an existing heads file; the request head is not changed.
``--rule pair_or_undeclined_content`` keeps the pair head and adds the reply alone only where the
reply does not decline (a "decline" head on the reply's embedding, from the same labels):

    score = max(p_pair(prompt, reply), p_request(reply) * (1 - p_decline(reply)))
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from proguard_core.models.embedded.encoder import MiniLMEncoder
from proguard_core.models.embedded.heads import pair_features
from training.embedded.paths import DEFAULT_DATA_DIR, cache_dir
from training.embedded.smollm2_answers import is_refusal
from training.embedded.sources import ResponseExample

# Pairs whose request is a harmful goal: the reply went along with it exactly when it is unsafe.
_HARMFUL_REQUEST_SOURCES = frozenset(
    {"pyrit_harm", "pyrit_objective", "advbench_target", "contrast_refusal", "contrast_compliant"}
)
# Answers to harmless requests (ours and Alpaca's seed tasks): they go along.
_ANSWER_SOURCES = frozenset({"contrast_benign_answer", "alpaca_seed_answer", "contrast_benign_compliant"})


def went_along(example: ResponseExample) -> int:
    """1 when the reply does what its request asks, 0 when it refuses or deflects."""
    if example.source in _HARMFUL_REQUEST_SOURCES:
        return example.unsafe
    if example.source in _ANSWER_SOURCES:
        return 1
    if example.source == "pyrit_refusal":
        return 0  # human-labelled refusals
    if example.source in ("vlguard", "smollm2_answer"):
        # VLGuard answers safe instructions and refuses unsafe ones in stock phrases; SmolLM2's
        # replies were labelled by the same refusal test when they were generated.
        return int(not is_refusal(example.response))
    raise ValueError(f"no compliance label for response source {example.source!r}")


RULES = ("request_x_comply", "pair_or_undeclined_content")


def main() -> None:
    from training.embedded.train import (
        WEIGHTS,
        EmbeddingCache,
        best_threshold,
        export,
        fit,
        mlp,
        progress,
        response_split,
    )

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--weights", type=Path, default=WEIGHTS, help="heads file whose other heads are kept")
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=cache_dir() / "embedded_train_embeddings.npz")
    parser.add_argument(
        "--rule",
        choices=RULES,
        default=RULES[0],
        help="request_x_comply: the request head's probability times the compliance head's; "
        "pair_or_undeclined_content: the pair head, or the request head on the reply alone times the "
        "chance the reply does not decline, whichever is higher",
    )
    parser.add_argument(
        "--content-term",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="request_x_comply only: the reply alone, read by the request head, when that is higher",
    )
    args = parser.parse_args()

    from proguard_core.models.embedded.heads import Heads
    from proguard_core.models.embedded.model import EmbeddedGuard

    started = time.time()
    progress(started, "response pairs (with SmolLM2's answers) and their calibration split")
    responses, calib = response_split(args.data_dir, args.seed, smollm2_answers=True)
    along = np.array([went_along(r) for r in responses], dtype=np.float32)
    weight = np.array([r.weight for r in responses], dtype=np.float32)
    train = ~calib
    pos, neg = weight[train & (along == 1)].sum(), weight[train & (along == 0)].sum()
    balanced = weight * np.where(along == 1, neg / pos, 1.0).astype(np.float32)
    embed = EmbeddingCache(MiniLMEncoder(top_layers=2).encode, args.cache)
    replies = embed([r.response for r in responses])
    if args.rule == "request_x_comply":
        name, x, y = "comply", pair_features(embed([r.prompt for r in responses]), replies), along
    else:
        name, x, y = "decline", replies, 1 - along
    embed.save()
    progress(started, f"{name} head on {int(train.sum())} pairs ({int(along[train].sum())} go along)")
    head = fit(
        mlp(x.shape[1], 256, 1),
        x[train],
        y[train],
        balanced[train],
        multiclass=False,
        epochs=40,
        seed=args.seed,
    )

    with np.load(args.weights, allow_pickle=False) as data:
        arrays: dict[str, Any] = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays.pop("meta")))
    meta.pop("response_combiner", None)
    for other in ("comply", "decline"):
        for key in [k for k in arrays if k.startswith(f"{other}.")]:
            del arrays[key]
    arrays.update(export(head, name))
    factored: dict[str, Any] = {"rule": args.rule, "content_term": args.content_term, "threshold": 0.5}

    def write() -> None:
        meta["response_factored"] = factored
        args.out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.out, meta=np.array(json.dumps(meta)), **arrays)

    # The threshold is chosen on the written model's own scores, so calibration and use agree.
    write()
    progress(started, "the written model's response scores on the calibration split")
    guard = EmbeddedGuard(heads=Heads.load(args.out), ocr=False, nsfw=False)
    cal = [r for r, c in zip(responses, calib, strict=True) if c]
    scores = np.array(
        [s.prob for s in guard.score_responses([r.prompt for r in cal], [r.response for r in cal])]
    )
    threshold, f1 = best_threshold(scores, np.array([r.unsafe for r in cal]))
    factored.update(threshold=threshold, calibration_f1=f1, training_pairs=int(train.sum()))
    write()
    print("factored response:", json.dumps(factored), file=sys.stderr)


if __name__ == "__main__":
    main()
