"""Train the embedded guard's weights (``proguard_core/models/embedded/weights/heads.npz``).

    python -m training.embedded.train                    # the shipped file; see DATA_CARD.md for its time
    python -m training.embedded.train --out runs/heads.npz --epochs 1

Steps, each printed with its progress: build the examples (``data.py``) from the training pool;
compute the frozen layers' token states of every window (``states.py``, cached); fine-tune the top
two layers with the request and response heads (``tune.py``); fit the category head on the
unsafe examples; embed the risk-name vocabulary; write the file; choose its thresholds on the
calibration part and the development pool (``thresholds.py``) and plot them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from proguard_core.models.embedded.encoder import MiniLMEncoder
from proguard_core.models.embedded.heads import WEIGHTS_PATH, MLPHead, pair_features, sigmoid
from training.embedded import data, thresholds
from training.embedded.states import StateStore, capped_windows, last_window
from training.embedded.tune import Texts, padded, steps_per_epoch, train

SUBCATEGORIES = (
    "C1S1", "C1S2", "C1S3", "C2S1", "C2S2", "C3S1", "C3S2", "C3S3", "C4S1", "C4S2", "C5S1", "C5S2",
    "C6S1", "C6S2", "C7S1", "C7S2", "C7S3", "C8S1", "C8S2", "C8S3", "C9S1", "C9S2", "C9S3",
    "C10S1", "C10S2", "C10S3", "C11S1", "C11S2",
)  # fmt: skip
# A long training text keeps its first and last windows, up to this many (see ``capped_windows``).
REQUEST_WINDOWS, REPLY_WINDOWS = 4, 2


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def as_texts(
    encoder: MiniLMEncoder,
    store: StateStore,
    examples: Sequence[data.Example],
    keep: int,
    show_progress: bool,
) -> Texts:
    """Examples as windows of trunk states (a long text keeps its first and last ``keep``); a reply
    also gets its request's last window."""
    per_text = capped_windows(encoder, [e.text for e in examples], keep)
    flat = [w for windows in per_text for w in windows]
    replies = examples[0].context is not None
    contexts = last_window(encoder, [e.context or "" for e in examples]) if replies else []
    states = store.states(encoder, flat + contexts, show_progress)
    windows, start = [], 0
    for ws in per_text:
        windows.append(list(range(start, start + len(ws))))
        start += len(ws)
    return Texts(
        states=states,
        windows=windows,
        unsafe=np.array([e.unsafe for e in examples]),
        weight=np.ones(len(examples), dtype=np.float32),
        context=list(range(len(flat), len(flat) + len(contexts))) if replies else None,
    )


def embeddings(tuned: MiniLMEncoder, texts: Texts) -> tuple[np.ndarray, np.ndarray | None]:
    """The re-trained layers' embedding of every window of ``texts`` (and of every context)."""

    def embed(rows: Sequence[int]) -> np.ndarray:
        out = np.zeros((len(rows), 384), dtype=np.float32)
        order = np.argsort([len(texts.states[i]) for i in rows])
        for begin in range(0, len(order), 64):
            chunk = order[begin : begin + 64]
            x, mask = padded(texts.states, [rows[k] for k in chunk])
            out[chunk] = tuned.embed_states(x.numpy(), mask.numpy())
        return out

    flat = [w for ws in texts.windows for w in ws]
    return embed(flat), (embed(texts.context) if texts.context is not None else None)


def class_weights(
    examples: Sequence[data.Example], harmless_share: float, balance_harms: bool = False
) -> np.ndarray:
    """Weights that give the harmless examples ``harmless_share`` of the total, each source's plan
    weight kept within its label. With ``balance_harms``, an unsafe example also weighs
    1/sqrt(n) for the n unsafe examples of its harm (its first candidate's category, or its source
    when it has none), so that hate-speech tweets, most of the labelled unsafe text, do not
    decide alone what unsafe means."""
    w = np.array([e.weight for e in examples], dtype=np.float64)
    unsafe = np.array([e.unsafe for e in examples])
    if balance_harms:
        harm = [e.candidates[0].split("S")[0] if e.candidates else e.source for e in examples]
        counts: dict[str, int] = {}
        for h, u in zip(harm, unsafe, strict=True):
            counts[h] = counts.get(h, 0) + int(u)
        w[unsafe] /= np.sqrt([counts[h] for h, u in zip(harm, unsafe, strict=True) if u])
    w[~unsafe] *= harmless_share / w[~unsafe].sum()
    w[unsafe] *= (1 - harmless_share) / w[unsafe].sum()
    return (w * len(w)).astype(np.float32)


def fit_category_head(
    emb: np.ndarray, candidates: Sequence[tuple[str, ...]], seed: int
) -> dict[str, np.ndarray]:
    """A 28-way head trained with the candidate-set loss: a row is right when the probability mass
    falls on any of its candidates (a broad source label admits several subcategories)."""
    torch.manual_seed(seed)
    index = {s: i for i, s in enumerate(SUBCATEGORIES)}
    allowed = np.zeros((len(candidates), len(SUBCATEGORIES)), dtype=bool)
    for row, cands in enumerate(candidates):
        for c in cands:
            if c in index:
                allowed[row, index[c]] = True
            else:  # a category id admits all its subcategories
                allowed[row, [index[s] for s in SUBCATEGORIES if s.split("S")[0] == c]] = True
    # Rarer candidate sets weigh more, so hate speech (most of the labelled unsafe text) does not
    # take every broad row.
    keys = [tuple(int(i) for i in np.flatnonzero(a)) for a in allowed]
    counts: dict[tuple[int, ...], int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    weight = torch.tensor([1.0 / np.sqrt(counts[k]) for k in keys], dtype=torch.float32)
    head = nn.Sequential(nn.Dropout(0.1), nn.Linear(384, 256), nn.GELU(), nn.Linear(256, len(SUBCATEGORIES)))
    opt = torch.optim.AdamW(head.parameters(), lr=1e-3, weight_decay=1e-2)
    x, mask = torch.from_numpy(emb), torch.from_numpy(allowed)
    rng = np.random.default_rng(seed)
    for _ in range(30):
        for batch in np.array_split(rng.permutation(len(x)), max(1, len(x) // 128)):
            log_p = head(x[batch]).log_softmax(-1)
            loss = -torch.logsumexp(log_p.masked_fill(~mask[batch], -1e9), -1)
            opt.zero_grad()
            ((loss * weight[batch]).sum() / weight[batch].sum()).backward()
            opt.step()
    head.eval()
    first, last = head[1], head[3]
    assert isinstance(first, nn.Linear) and isinstance(last, nn.Linear)
    return {
        "category.w1": first.weight.detach().numpy().T.astype(np.float16),
        "category.b1": first.bias.detach().numpy().astype(np.float32),
        "category.w2": last.weight.detach().numpy().T.astype(np.float16),
        "category.b2": last.bias.detach().numpy().astype(np.float32),
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m training.embedded.train", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="benchmarks folder (default ../shared/benchmarks)"
    )
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH, help="heads file to write")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--harmless-share", type=float, default=0.65, help="harmless share of the request weight"
    )
    parser.add_argument("--states", type=Path, default=None, help="trunk-state cache folder")
    parser.add_argument(
        "--balance-harms",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="weigh rare harms up (see class_weights)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument(
        "--limit", type=int, default=None, help="at most N examples of each kind (a quick trial)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    show = not args.quiet
    torch.set_num_threads(max(1, torch.get_num_threads()))
    _log("1/7 examples from the training pool")
    reserved = data.reserved_texts(args.data_dir)
    requests = data.request_examples(args.data_dir, args.seed, reserved)
    replies = data.reply_examples(args.data_dir, args.seed, reserved)
    if args.limit is not None:
        rng = np.random.default_rng(args.seed)
        requests = [
            requests[i]
            for i in sorted(rng.choice(len(requests), min(args.limit, len(requests)), replace=False))
        ]
        replies = [
            replies[i] for i in sorted(rng.choice(len(replies), min(args.limit, len(replies)), replace=False))
        ]
    _log(f"  {len(requests)} requests, {len(replies)} replies\n{data.mix(requests)}\n{data.mix(replies)}")
    encoder = MiniLMEncoder(top_layers=2, threads=0)
    store = StateStore(args.states)
    _log("2/7 trunk states of every window")
    request_texts = as_texts(encoder, store, requests, REQUEST_WINDOWS, show)
    request_texts.weight = class_weights(requests, args.harmless_share, args.balance_harms)
    reply_texts = as_texts(encoder, store, replies, REPLY_WINDOWS, show)
    reply_texts.weight = class_weights(replies, 0.6)
    _log(f"3/7 fine-tuning the top two layers with both safety heads, {args.epochs} epochs")
    total = args.epochs * steps_per_epoch(request_texts, reply_texts)
    with tqdm(total=total, desc="fine-tuning", unit="batch", disable=not show, dynamic_ncols=True) as bar:
        model = train(
            encoder.top_layers,
            request_texts,
            reply_texts,
            epochs=args.epochs,
            seed=args.seed,
            on_step=bar.update,
        )
    arrays = model.export(encoder.top_layers)
    tuned = MiniLMEncoder(model.tuned_layers(), threads=0)
    _log("4/7 each text's deciding window")
    request_emb, _ = embeddings(tuned, request_texts)
    reply_emb, prompt_emb = embeddings(tuned, reply_texts)
    assert prompt_emb is not None
    head = {
        name: MLPHead(*(arrays[f"{name}.{k}"].astype(np.float32) for k in ("w1", "b1", "w2", "b2")))
        for name in ("request", "response")
    }
    request_owner = np.array([i for i, ws in enumerate(request_texts.windows) for _ in ws])
    reply_owner = np.array([i for i, ws in enumerate(reply_texts.windows) for _ in ws])
    request_logits = head["request"](request_emb)[:, 0]
    reply_logits = head["response"](pair_features(prompt_emb[reply_owner], reply_emb))[:, 0]
    request_best = _deciding(request_logits, request_owner, len(requests))
    reply_best = _deciding(reply_logits, reply_owner, len(replies))
    _log("5/7 category head on the unsafe examples")
    picked = [
        (request_emb[request_best[i]], e.candidates)
        for i, e in enumerate(requests)
        if e.unsafe and e.candidates
    ]
    picked += [
        (reply_emb[reply_best[i]], e.candidates) for i, e in enumerate(replies) if e.unsafe and e.candidates
    ]
    arrays.update(fit_category_head(np.stack([p for p, _ in picked]), [c for _, c in picked], args.seed))
    _log("6/7 risk-name vocabulary")
    names = data.risk_names()
    arrays["risk_name_emb"] = tuned.embed_texts([n for n, _ in names]).astype(np.float16)
    train_scores = sigmoid(request_logits[request_best])
    meta = {
        "format": 2,
        "subcategories": list(SUBCATEGORIES),
        "request_threshold": 0.5,
        "response_threshold": 0.5,
        "unreadable_threshold": 0.9,
        "risk_names": [n for n, _ in names],
        "risk_name_subcategory": [s or "" for _, s in names],
        "training": {
            "command": reproducing_command(args),
            "epochs": args.epochs,
            "seed": args.seed,
            "harmless_share": args.harmless_share,
            "balance_harms": args.balance_harms,
            "requests": len(requests),
            "replies": len(replies),
            "mix": {"requests": _counts(requests), "replies": _counts(replies)},
            "train_request_auc": _auc(train_scores, request_texts.unsafe),
            "train_reply_auc": _auc(sigmoid(reply_logits[reply_best]), reply_texts.unsafe),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, meta=np.array(json.dumps(meta)), **arrays)  # type: ignore[arg-type]
    _log("7/7 thresholds on the calibration part and the development pool")
    chosen = thresholds.choose(args.out, args.data_dir, show_progress=show)
    _log(chosen.summary())
    _log(f"  plot: {thresholds.plot(args.out, args.out.with_name(args.out.stem + '_thresholds.png'))}")
    _log(
        f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.0f} s"
    )
    return 0


def reproducing_command(args: argparse.Namespace) -> str:
    """The command that makes these weights again: every option that changes them, and no path
    of the machine that ran it."""
    command = (
        f"python -m training.embedded.train --epochs {args.epochs} --seed {args.seed} "
        f"--harmless-share {args.harmless_share} "
        + ("--balance-harms" if args.balance_harms else "--no-balance-harms")
    )
    return command + (f" --limit {args.limit}" if args.limit is not None else "")


def _deciding(logits: np.ndarray, owner: np.ndarray, texts: int) -> list[int]:
    """For each text, the index of its window with the highest logit."""
    best = [-1] * texts
    for k, i in enumerate(owner):
        if best[i] < 0 or logits[k] > logits[best[i]]:
            best[i] = k
    return best


def _counts(examples: Sequence[data.Example]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for e in examples:
        out.setdefault(e.source, [0, 0])[int(e.unsafe)] += 1
    return out


def _auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve: the chance an unsafe example outscores a harmless one."""
    ranks = np.argsort(np.argsort(scores)) + 1
    positives = labels.astype(bool)
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    return round(float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / max(1, n_pos * n_neg)), 4)


if __name__ == "__main__":
    raise SystemExit(main())
