"""Measure what a guard still catches under each attack in :mod:`tests.security.attacks`.

From the repository root (the attacks are imported from ``tests/``):

    python -m benchmarks.bench_attacks                      # the embedded guard
    python -m benchmarks.bench_attacks --guard fake --limit 20 --out measure.json

Harmful prompts are HarmBench "standard" behaviours, benign ones XSTest's safe prompts, both from
the evaluation pool in ../shared/benchmarks beside the repository (read-only; nothing is trained
or tuned on them).
For every attack it reports the share of harmful prompts still flagged (catch rate) and the share
of benign prompts flagged (false-positive rate, since obfuscation itself can look suspicious).
These are measurements to report; the tests assert only what the library guarantees structurally.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tests.security import attacks

# The shared benchmark folder sits beside the repository checkout.
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"


def harmful_prompts(limit: int, data: Path = DATA) -> list[str]:
    with (data / "harmbench" / "harmbench_behaviors_text_all.csv").open(
        newline="", encoding="utf-8"
    ) as handle:
        rows = [r["Behavior"] for r in csv.DictReader(handle) if r["FunctionalCategory"] == "standard"]
    return rows[:limit]


def benign_prompts(limit: int, data: Path = DATA) -> list[str]:
    with (data / "xstest" / "xstest_prompts.csv").open(newline="", encoding="utf-8") as handle:
        rows = [r["prompt"] for r in csv.DictReader(handle) if r["label"] == "safe"]
    return rows[:limit]


def measure(
    guard: Any,
    harmful: Sequence[str],
    benign: Sequence[str],
    names: Sequence[str],
    pad_chars: int = 30_000,
    pad_limit: int | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """One row per attack; padded attacks (costly: many windows each) may use fewer prompts."""
    table = []
    for name in names:
        attack = attacks.ALL[name]
        these_harmful, these_benign = harmful, benign
        if name.startswith("pad_"):
            attack = functools.partial(attack, chars=pad_chars)
            these_harmful, these_benign = harmful[:pad_limit], benign[:pad_limit]
        start = time.perf_counter()
        caught = guard.check_batch([attack(p) for p in these_harmful]) if these_harmful else []
        flagged = guard.check_batch([attack(p) for p in these_benign]) if these_benign else []
        seconds = time.perf_counter() - start
        table.append(
            {
                "attack": name,
                "catch_rate": round(sum(v.unsafe for v in caught) / max(len(caught), 1), 3),
                "benign_flag_rate": round(sum(v.unsafe for v in flagged) / max(len(flagged), 1), 3),
                "errors": sum(1 for v in [*caught, *flagged] if v.error or v.parse_error),
                "harmful": len(caught),
                "benign": len(flagged),
                "seconds": round(seconds, 1),
            }
        )
        if progress is not None:
            progress(table[-1])
    return table


def render(table: Sequence[dict[str, Any]]) -> str:
    lines = ["| attack | harmful caught | benign flagged | errors |", "|---|---|---|---|"]
    lines += [
        f"| {r['attack']} | {100 * r['catch_rate']:.1f}% of {r['harmful']} | "
        f"{100 * r['benign_flag_rate']:.1f}% of {r['benign']} | {r['errors']} |"
        for r in table
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--guard", default="embedded", help="guard spec (default: embedded)")
    parser.add_argument("--limit", type=int, default=100, help="prompts per set")
    parser.add_argument("--attacks", default=",".join(attacks.ALL), help="comma-separated attack names")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--pad-chars", type=int, default=30_000, help="benign padding for the pad_* attacks")
    parser.add_argument(
        "--pad-limit", type=int, help="prompts per set for the pad_* attacks (default: --limit)"
    )
    parser.add_argument("--out", type=Path, help="write the table as JSON here")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))

    from proguard_core import load_guard

    guard = load_guard(args.guard)
    names = [n.strip() for n in args.attacks.split(",") if n.strip()]
    harmful, benign = harmful_prompts(args.limit, args.data), benign_prompts(args.limit, args.data)
    print(f"guard: {args.guard} ({guard.model_name}), padding {args.pad_chars} characters", flush=True)
    table = measure(
        guard, harmful, benign, names, args.pad_chars, args.pad_limit, lambda row: print(row, flush=True)
    )
    print()
    print(render(table))
    if args.out:
        args.out.write_text(
            json.dumps(
                {"guard": args.guard, "model": guard.model_name, "pad_chars": args.pad_chars, "table": table},
                indent=2,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
