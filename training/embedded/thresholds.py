"""Choose a heads file's thresholds for real traffic, and write them into it.

Most real traffic is harmless, so a threshold is judged first by the share of harmless real text
it flags, then by what it catches. Only data the weights were not fitted to is read: the
development pool (``toxicchat``, ``oktest``) and the calibration part of each training source
(``data.in_calibration``). Never the evaluation pool, nor the held-out parts that are reported.

* Request threshold: among the thresholds that flag at most ``REQUEST_LIMITS`` of each harmless
  set, the one with the best ToxicChat F1 (its real user prompts are the closest thing here to
  deployed traffic). If none meets every limit, the one that exceeds its limits least.
* Unreadable threshold: the score only 1 in 100 harmless readable texts of those sets reaches. A
  window in another script or mostly code is flagged only above it: the guard still reads it, with
  less trust.
* Response threshold: among the thresholds that flag at most ``REPLY_LIMIT`` of the harmless
  calibration replies, the one with the best F1 on the calibration replies.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from proguard_core import sources
from proguard_core.models.embedded.heads import Heads
from proguard_core.models.embedded.model import EmbeddedGuard, WindowScores
from training.embedded.data import REPLY_PLAN, train_rows

# Harmless text flagged at most: margins under the targets of the issue, which are measured on
# held-out data the thresholds never saw.
REQUEST_LIMITS = {"toxicchat": 0.06, "oktest": 0.07, "calibration prompts": 0.015}
REPLY_LIMIT = 0.05
GRID = np.round(np.concatenate([np.arange(0.05, 0.9, 0.01), np.arange(0.9, 0.999, 0.0025)]), 4)
# Calibration prompts: real user turns and requests of the kinds a deployed guard sees most.
CALIBRATION_PROMPTS = ("arena_hard", "convabuse", "alpaca_benign", "mt_bench")


@dataclass
class Choice:
    request_threshold: float
    unreadable_threshold: float
    response_threshold: float
    figures: dict[str, dict[str, float]] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [
            f"  request threshold {self.request_threshold}, unreadable {self.unreadable_threshold}, "
            f"response {self.response_threshold}"
        ]
        lines += [f"  {name}: {json.dumps(values)}" for name, values in self.figures.items()]
        return "\n".join(lines)


def _flags(guard: EmbeddedGuard, scored: WindowScores, threshold: float, unreadable: float) -> np.ndarray:
    limits = scored.thresholds(threshold, unreadable, guard.unreadable)
    hit = scored.prob >= limits
    out = np.zeros(len(scored.texts), dtype=bool)
    np.logical_or.at(out, np.asarray(scored.windows.owner), hit)
    return out


def _f1(flagged: np.ndarray, unsafe: np.ndarray) -> float:
    tp = int((flagged & unsafe).sum())
    return 2 * tp / max(1, int(flagged.sum()) + int(unsafe.sum()))


def _text_max(scored: WindowScores, readable_only: bool) -> np.ndarray:
    out = np.full(len(scored.texts), -1.0)
    for i, (owner, reason) in enumerate(zip(scored.windows.owner, scored.unreadable, strict=True)):
        if not (readable_only and reason is not None):
            out[owner] = max(out[owner], scored.prob[i])
    return out


def pick_request_threshold(
    table: dict[float, dict[str, float]], limits: dict[str, float] = REQUEST_LIMITS
) -> float:
    """The rule above, over ``table`` (threshold -> figures named "<set> harmless flagged" and
    "toxicchat F1")."""

    def excess(figures: dict[str, float]) -> float:
        return max(figures[f"{name} harmless flagged"] / limit for name, limit in limits.items())

    feasible = [t for t, f in table.items() if excess(f) <= 1.0]
    if feasible:
        return max(feasible, key=lambda t: (table[t]["toxicchat F1"], -t))
    return min(table, key=lambda t: (excess(table[t]), -t))


def pick_response_threshold(table: dict[float, tuple[float, float]], limit: float = REPLY_LIMIT) -> float:
    """Over ``table`` (threshold -> (F1, harmless flagged)): the best F1 within ``limit``."""
    allowed = [t for t, (_, flagged) in table.items() if flagged <= limit] or [max(table)]
    return max(allowed, key=lambda t: (table[t][0], -t))


def choose(weights: Path, data_dir: Path | None = None, show_progress: bool = True) -> Choice:
    """Pick the thresholds for ``weights`` and store them (and the figures behind them) in its meta."""
    guard = EmbeddedGuard(weights=weights, ocr=False, nsfw=False)
    prompt_sets: dict[str, list[sources.Row]] = {
        "toxicchat": sources.load("toxicchat", data_dir),
        "oktest": sources.load("oktest", data_dir),
        "calibration prompts": [
            r for name in CALIBRATION_PROMPTS for r in train_rows(name, data_dir, "calibration") if r.prompt
        ],
    }
    scored = {
        name: guard.request_windows([r.prompt or "" for r in rows]) for name, rows in prompt_sets.items()
    }
    unsafe = {name: np.array([r.unsafe for r in rows]) for name, rows in prompt_sets.items()}
    harmless_max = np.concatenate([_text_max(s, True)[~unsafe[n]] for n, s in scored.items()])
    unreadable = float(np.quantile(harmless_max[harmless_max >= 0], 0.99))

    def request_figures(t: float) -> dict[str, float]:
        out = {}
        for name, s in scored.items():
            flags = _flags(guard, s, t, unreadable)
            out[f"{name} harmless flagged"] = float(flags[~unsafe[name]].mean())
            if unsafe[name].any():
                out[f"{name} F1"] = _f1(flags, unsafe[name])
        return out

    table = {float(t): request_figures(float(t)) for t in GRID}
    request = pick_request_threshold(table)

    replies = [r for name in REPLY_PLAN for r in train_rows(name, data_dir, "calibration") if r.response]
    reply_scores = guard.reply_windows([r.prompt or "" for r in replies], [r.response or "" for r in replies])
    reply_unsafe = np.array([r.unsafe for r in replies])
    reply_table = {}
    for t in GRID:
        flags = _flags(guard, reply_scores, float(t), max(float(t), unreadable))
        reply_table[float(t)] = (_f1(flags, reply_unsafe), float(flags[~reply_unsafe].mean()))
    response = pick_response_threshold(reply_table)

    choice = Choice(
        request_threshold=request,
        unreadable_threshold=round(max(unreadable, request), 4),
        response_threshold=response,
        figures={
            "request": {k: round(v, 4) for k, v in table[request].items()},
            "response": {
                "calibration replies F1": round(reply_table[response][0], 4),
                "calibration harmless replies flagged": round(reply_table[response][1], 4),
            },
        },
    )
    _store(weights, choice, table, reply_table)
    return choice


def _store(
    weights: Path,
    choice: Choice,
    table: dict[float, dict[str, float]],
    reply_table: dict[float, tuple[float, float]],
) -> None:
    with np.load(weights, allow_pickle=False) as stored:
        arrays = {k: stored[k] for k in stored.files}
    meta = json.loads(str(arrays.pop("meta")))
    meta.update(
        request_threshold=choice.request_threshold,
        unreadable_threshold=choice.unreadable_threshold,
        response_threshold=choice.response_threshold,
        selection={
            **asdict(choice),
            "rule": __doc__,
            "request_curve": {str(t): f for t, f in table.items()},
            "response_curve": {str(t): list(v) for t, v in reply_table.items()},
        },
    )
    np.savez_compressed(weights, meta=np.array(json.dumps(meta)), **arrays)
    Heads.load(weights)  # the file still reads back


def plot(weights: Path, out: Path) -> Path:
    """The request and response threshold curves stored in ``weights``, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    meta = Heads.load(weights).meta
    curve = meta["selection"]["request_curve"]
    ts = sorted(float(t) for t in curve)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for key in sorted(next(iter(curve.values()))):
        left.plot(ts, [curve[str(t)][key] for t in ts], label=key)
    left.axvline(meta["request_threshold"], color="k", ls="--", lw=1)
    left.set(title="request threshold", xlabel="threshold", ylim=(0, 1))
    left.legend(fontsize=7)
    replies = meta["selection"]["response_curve"]
    rts = sorted(float(t) for t in replies)
    right.plot(rts, [replies[str(t)][0] for t in rts], label="calibration replies F1")
    right.plot(rts, [replies[str(t)][1] for t in rts], label="harmless calibration replies flagged")
    right.axvline(meta["response_threshold"], color="k", ls="--", lw=1)
    right.set(title="response threshold", xlabel="threshold", ylim=(0, 1))
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m training.embedded.thresholds", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("weights", type=Path)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    print(choose(args.weights, args.data_dir).summary())
    print(plot(args.weights, args.weights.with_name(args.weights.stem + "_thresholds.png")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
