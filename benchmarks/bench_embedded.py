"""Speed and memory of the embedded guard on this machine.

    python benchmarks/bench_embedded.py [--data-dir ../shared/benchmarks] [--threads 2] [--weights F]
        [--second-opinion F|none [--band FROM TO]]

Prints cold start (fresh interpreter: import + load + first check), batched checks per second on
short prompts (XSTest) and on ~450-character texts, single-check p50/p99 latency, and peak RSS.
Each figure is the best of ``--repeats`` runs, because on a shared machine other processes only
ever make a run slower.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_COLD = """
import sys
import time
from pathlib import Path
t0 = time.perf_counter()
from proguard_core.models.embedded import EmbeddedGuard
from proguard_core.models.base import ModelRequest
from proguard_core.taxonomy import default_taxonomy
from proguard_core.types import GuardInput
weights, second = sys.argv[1] or None, None if sys.argv[2] == "none" else sys.argv[2]
band = (float(sys.argv[3]), float(sys.argv[4])) if len(sys.argv) > 3 else None
g = EmbeddedGuard.load(weights=weights, second_opinion=second, second_opinion_band=band)
tax = default_taxonomy()
g.predict([ModelRequest(input=GuardInput(prompt="How do I bake bread?"), provided=tax, taxonomy=tax)])
print(time.perf_counter() - t0)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "benchmarks")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--weights", type=Path, default=None, help="heads file (default: the shipped one)")
    parser.add_argument(
        "--second-opinion",
        default="auto",
        help="second opinion's heads file, or 'none' (default: the shipped one with the shipped heads)",
    )
    parser.add_argument(
        "--band", type=float, nargs=2, metavar=("FROM", "TO"), help="the second opinion's band"
    )
    args = parser.parse_args()
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "OPENBLAS_NUM_THREADS": str(args.threads)}
    os.environ.update(env)

    cold = min(
        float(
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    _COLD,
                    str(args.weights.resolve()) if args.weights else "",
                    args.second_opinion
                    if args.second_opinion in ("auto", "none", "shipped")
                    else str(Path(args.second_opinion).resolve()),
                    *(str(x) for x in args.band or ()),
                ],
                env=env,
                cwd=REPO,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
        for _ in range(args.repeats)
    )

    from proguard_core.models.base import ModelRequest
    from proguard_core.models.embedded import EmbeddedGuard
    from proguard_core.taxonomy import default_taxonomy
    from proguard_core.types import GuardInput

    guard = EmbeddedGuard.load(
        weights=args.weights,
        second_opinion=None if args.second_opinion == "none" else args.second_opinion,
        second_opinion_band=(args.band[0], args.band[1]) if args.band else None,
    )
    tax = default_taxonomy()
    with open(args.data_dir / "xstest" / "xstest_prompts.csv", encoding="utf-8") as handle:
        short = [row["prompt"] for row in csv.DictReader(handle)]
    # ~450-character texts: consecutive prompts joined, cut at a word boundary.
    long_texts = []
    for i in range(0, len(short) - 12, 3):
        text = " ".join(short[i : i + 12])
        long_texts.append(text[:450].rsplit(" ", 1)[0])
    long_texts = long_texts[:120]

    def requests(texts: list[str]) -> list[ModelRequest]:
        return [ModelRequest(input=GuardInput(prompt=t), provided=tax, taxonomy=tax) for t in texts]

    short_reqs, long_reqs = requests(short), requests(long_texts)
    guard.predict(short_reqs[:8])

    def rate(reqs: list[ModelRequest], batch: int) -> float:
        best = 0.0
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            for start in range(0, len(reqs), batch):
                guard.predict(reqs[start : start + batch])
            best = max(best, len(reqs) / (time.perf_counter() - t0))
        return best

    short_rate = rate(short_reqs, 64)
    long_rate = rate(long_reqs, 32)
    lat = []
    for req in short_reqs[:200]:
        t0 = time.perf_counter()
        guard.predict([req])
        lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if guard.second_opinion is not None and guard.second_opinion_band is not None:
        low, high = guard.second_opinion_band
        probs = [score.prob for score in guard.score_requests_alone(short)]
        unsure = sum(low <= prob < high for prob in probs)
        print(f"second opinion asked         {unsure} of {len(short)} short prompts")
    print(f"threads                      {args.threads}")
    print(f"cold start (import+load+1)   {cold:.2f} s")
    print(f"batched short prompts        {short_rate:.1f} checks/s  (n={len(short_reqs)}, batch 64)")
    avg_len = statistics.mean(len(t) for t in long_texts)
    print(f"batched ~{avg_len:.0f}-char texts      {long_rate:.1f} checks/s  (n={len(long_reqs)}, batch 32)")
    print(
        f"single short check p50/p99   {statistics.median(lat):.1f} / {lat[int(0.99 * len(lat)) - 1]:.1f} ms"
    )
    print(f"peak RSS                     {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
