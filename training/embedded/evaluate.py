"""Figures of the embedded guard, each beside two trivial baselines measured in the same run.

    python -m training.embedded.evaluate                         # dev + held-out + checks (~10 min)
    python -m training.embedded.evaluate --sets eval --figstep   # the evaluation pool (~15 min)
    python -m training.embedded.evaluate --weights runs/heads.npz --out runs/eval

Every row of a set is judged at its stage: a request by the verdict's request label, a reply by
its response label. Each figure comes in a pair: the share of unsafe items caught and the share of
harmless items flagged, with F1 where a set has both. The baselines: flag everything, and
``alt-profanity-check`` (a TF-IDF profanity classifier) flagging the judged text at 0.5.

Sets: ``dev`` (the development pool), ``heldout`` (the held-out parts of training sources: never
fitted, never used for thresholds), ``checks`` (this project's check files, never trained on) and
``eval`` (the evaluation pool, for reported figures only).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from tqdm import tqdm

from proguard_core import load_guard, sources
from proguard_core.eval.loaders import load_file
from proguard_core.eval.metrics import predicted_unsafe
from proguard_core.guard import Guard
from proguard_core.sources import Row

CHECKS = Path(__file__).with_name("checks")
SETS: dict[str, dict[str, Callable[[Path | None], list[Row]]]] = {
    "dev": {
        "toxicchat": lambda d: sources.load("toxicchat", d),
        "oktest": lambda d: sources.load("oktest", d),
    },
    "heldout": {
        name: (lambda d, name=name: sources.load(name, d, split="heldout"))  # type: ignore[misc]
        for name in (
            "arena_hard",
            "convabuse",
            "jailbreak_llms",
            "davidson_hate",
            "implicit_hate",
            "tweeteval",
            "diasafety",
            "do_not_answer_responses",
            "dices",
            "llm_self_defense",
        )
    },
    "checks": {
        name: (lambda d, name=name: load_file(CHECKS / f"{name}.jsonl"))  # type: ignore[misc]
        for name in ("maths_pairs", "replies_after_harmless_requests", "copyright_requests")
    },
    "eval": {
        name: (lambda d, name=name: sources.load(name, d))  # type: ignore[misc]
        for name in ("xstest", "harmbench", "jailbreakbench_responses", "xstest_response")
    },
}


@dataclass
class Figures:
    n: int
    unsafe: int
    caught: float | None  # share of unsafe items flagged
    harmless_flagged: float | None  # share of harmless items flagged
    f1: float | None

    @classmethod
    def of(cls, truth: Sequence[bool], flagged: Sequence[bool]) -> Figures:
        tp = sum(t and f for t, f in zip(truth, flagged, strict=True))
        fp = sum(f and not t for t, f in zip(truth, flagged, strict=True))
        unsafe, harmless = sum(truth), len(truth) - sum(truth)
        f1 = 2 * tp / (2 * tp + fp + (unsafe - tp)) if unsafe else None
        return cls(
            n=len(truth),
            unsafe=unsafe,
            caught=tp / unsafe if unsafe else None,
            harmless_flagged=fp / harmless if harmless else None,
            f1=f1,
        )


def judged_text(row: Row) -> str:
    return (row.response if row.stage == "response" else row.prompt) or ""


def profanity_flags(rows: Sequence[Row]) -> list[bool]:
    from proguard_core._lazy import require

    check = require("profanity_check", "baselines")
    return [bool(p >= 0.5) for p in check.predict_prob([judged_text(r) for r in rows])]


def guard_flags(guard: Guard, rows: Sequence[Row], desc: str, batch: int = 32) -> list[bool]:
    flags: list[bool] = []
    for begin in tqdm(range(0, len(rows), batch), desc=desc, unit="batch", leave=False, dynamic_ncols=True):
        chunk = rows[begin : begin + batch]
        verdicts = guard.check_batch([r.guard_input() for r in chunk])
        flags += [predicted_unsafe(v, r.stage) for r, v in zip(chunk, verdicts, strict=True)]
    return flags


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:5.1f}"


def table(results: dict[str, dict[str, dict[str, Figures]]]) -> str:
    lines = [
        f"{'set':34s} {'n':>6s} {'unsafe':>6s} | {'guard: caught':>13s} {'flagged':>7s} {'F1':>5s} | "
        f"{'flag-all F1':>11s} | {'profanity: caught':>17s} {'flagged':>7s} {'F1':>5s}"
    ]
    for pool, sets in results.items():
        for name, by in sets.items():
            g, a, p = by["guard"], by["flag_everything"], by["profanity"]
            guard = f"{_pct(g.caught):>13s} {_pct(g.harmless_flagged):>7s} {_pct(g.f1):>5s}"
            profanity = f"{_pct(p.caught):>17s} {_pct(p.harmless_flagged):>7s} {_pct(p.f1):>5s}"
            where = f"{pool + '/' + name:34s} {g.n:6d} {g.unsafe:6d}"
            lines.append(f"{where} | {guard} | {_pct(a.f1):>11s} | {profanity}")
    return "\n".join(lines)


def plot(results: dict[str, dict[str, dict[str, Figures]]], out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = [f"{pool}/{name}" for pool, sets in results.items() for name in sets]
    figures = [by for sets in results.values() for by in sets.values()]
    y = np.arange(len(names))
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 0.35 * len(names) + 1.5), sharey=True)
    for offset, key, label in ((-0.2, "guard", "embedded guard"), (0.2, "profanity", "alt-profanity-check")):
        flagged = [100 * (f[key].harmless_flagged or 0) for f in figures]
        caught = [100 * (f[key].caught or 0) for f in figures]
        left.barh(y + offset, flagged, height=0.4, label=label)
        right.barh(y + offset, caught, height=0.4, label=label)
    left.set(yticks=y, yticklabels=names, xlabel="harmless items flagged (%)", title="false alarms")
    right.set(xlabel="unsafe items caught (%)", title="catches (flag-everything: 100% / 100%)")
    left.invert_yaxis()
    left.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training.embedded.evaluate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--weights", type=Path, default=None, help="heads file (default: the shipped one)")
    parser.add_argument("--sets", default="dev,heldout,checks", help=f"comma-separated: {', '.join(SETS)}")
    parser.add_argument("--figstep", action="store_true", help="also FigStep's 500 images (OCR, ~6 min)")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("runs/embedded-eval"))
    args = parser.parse_args(argv)
    pools = [p.strip() for p in args.sets.split(",") if p.strip()]
    unknown = set(pools) - set(SETS)
    if unknown:
        parser.error(f"unknown sets {sorted(unknown)}; choose from {', '.join(SETS)}")
    options = {} if args.weights is None else {"weights": args.weights}
    guard = load_guard("embedded", **options)
    loaders = {pool: dict(SETS[pool]) for pool in pools}
    if args.figstep:
        loaders.setdefault("eval", {})["figstep"] = lambda d: sources.load("figstep", d)
    results: dict[str, dict[str, dict[str, Figures]]] = {}
    for pool, sets in loaders.items():
        for name, load in sets.items():
            rows = load(args.data_dir)
            truth = [r.unsafe for r in rows]
            results.setdefault(pool, {})[name] = {
                "guard": Figures.of(truth, guard_flags(guard, rows, f"{pool}/{name}")),
                "flag_everything": Figures.of(truth, [True] * len(rows)),
                "profanity": Figures.of(truth, profanity_flags(rows)),
            }
            print(table({pool: {name: results[pool][name]}}).splitlines()[-1], file=sys.stderr, flush=True)
    print(table(results))
    args.out.mkdir(parents=True, exist_ok=True)
    serial = {
        p: {n: {k: asdict(f) for k, f in by.items()} for n, by in s.items()} for p, s in results.items()
    }
    (args.out / "results.json").write_text(
        json.dumps({"weights": str(args.weights or "shipped"), "sets": serial}, indent=1)
    )
    print(f"wrote {args.out / 'results.json'} and {plot(results, args.out / 'figures.png')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
