"""Speed and memory of the embedded guard on this machine, beside MiniLM alone in the same run.

    python benchmarks/bench_embedded.py [--data-dir ../shared/benchmarks] [--threads 2] [--weights F]

Prints, for the guard: cold start (a fresh interpreter: import, load, first check), batched checks
per second on short prompts (XSTest) and on ~450-character texts, single-check p50 / p99 latency
and peak RSS (each a fresh process, so one does not inherit the other's memory); and the same
batched figures for MiniLM alone (plain sentence embeddings of the same texts, no heads, no
windows), the floor any guard built on it pays. Each figure is the best of ``--repeats`` runs:
on a shared machine other processes only ever make a run slower.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_COLD = """
import sys, time
t0 = time.perf_counter()
from proguard_core import load_guard
guard = load_guard("embedded", **({"weights": sys.argv[1]} if sys.argv[1] else {}))
guard.check("How do I bake bread?")
print(time.perf_counter() - t0)
"""

# One process per subject, so that peak RSS is the subject's own.
_RUN = """
import csv, json, resource, statistics, sys, time
subject, data_dir, weights, repeats = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with open(f"{data_dir}/xstest/xstest_prompts.csv", encoding="utf-8") as handle:
    short = [row["prompt"] for row in csv.DictReader(handle)]
# ~450-character texts: consecutive prompts joined, cut at a word boundary.
long_texts = [" ".join(short[i : i + 12])[:450].rsplit(" ", 1)[0] for i in range(0, len(short) - 12, 3)][:120]
if subject == "guard":
    from proguard_core.models.base import ModelRequest
    from proguard_core.models.embedded import EmbeddedGuard
    from proguard_core.taxonomy import default_taxonomy
    from proguard_core.types import GuardInput
    guard = EmbeddedGuard.load(**({"weights": weights} if weights else {}))
    tax = default_taxonomy()
    def prepare(texts):
        return [ModelRequest(input=GuardInput(prompt=t), provided=tax, taxonomy=tax) for t in texts]
    run = guard.predict
else:
    from proguard_core.models.embedded.encoder import MiniLMEncoder
    encoder = MiniLMEncoder()
    def prepare(texts):
        return texts
    def run(texts):
        return encoder.embed([ids[:256] for ids in (e.ids for e in encoder.tokenizer.encode_batch(texts))])
short_items, long_items = prepare(short), prepare(long_texts)
run(short_items[:8])
def rate(items, batch):
    best = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        for start in range(0, len(items), batch):
            run(items[start : start + batch])
        best = max(best, len(items) / (time.perf_counter() - t0))
    return best
out = {"short": rate(short_items, 64), "long": rate(long_items, 32), "n_short": len(short),
       "n_long": len(long_texts), "long_chars": statistics.mean(len(t) for t in long_texts)}
lat = []
for item in short_items[:200]:
    t0 = time.perf_counter()
    run([item])
    lat.append((time.perf_counter() - t0) * 1000)
lat.sort()
out.update(p50=statistics.median(lat), p99=lat[int(0.99 * len(lat)) - 1],
           rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "benchmarks")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--weights", type=Path, default=None, help="heads file (default: the shipped one)")
    args = parser.parse_args()
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "OPENBLAS_NUM_THREADS": str(args.threads)}
    weights = str(args.weights.resolve()) if args.weights else ""

    def python(code: str, *argv: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", code, *argv], env=env, cwd=REPO, capture_output=True, text=True, check=True
        )
        return done.stdout.strip().splitlines()[-1]

    cold = min(float(python(_COLD, weights)) for _ in range(args.repeats))
    figures = {
        s: json.loads(python(_RUN, s, str(args.data_dir.resolve()), weights, str(args.repeats)))
        for s in ("guard", "minilm")
    }
    guard, minilm = figures["guard"], figures["minilm"]
    print(f"threads                          {args.threads}")
    print(f"cold start (import+load+1 check) {cold:.2f} s")
    for key, label in (
        ("short", f"batched short prompts (n={guard['n_short']}, batch 64)"),
        ("long", f"batched ~{guard['long_chars']:.0f}-char texts (n={guard['n_long']}, batch 32)"),
    ):
        ratio = guard[key] / minilm[key]
        print(
            f"{label:44s} guard {guard[key]:6.1f}/s   MiniLM alone {minilm[key]:6.1f}/s   ratio {ratio:.2f}"
        )
    print(
        f"single short check p50 / p99             guard {guard['p50']:.1f} / {guard['p99']:.1f} ms   "
        f"MiniLM alone {minilm['p50']:.1f} / {minilm['p99']:.1f} ms"
    )
    rss = f"guard {guard['rss_mb']:.0f} MB   MiniLM alone {minilm['rss_mb']:.0f} MB"
    print(f"peak RSS                                 {rss}")


if __name__ == "__main__":
    main()
