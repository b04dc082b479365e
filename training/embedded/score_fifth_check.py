"""Score heads files on the fifth author's check (``fifth_author_checks.py``), for the gate in
DATA_CARD.md ("A fifth author's check").

    python -m training.embedded.score_fifth_check GUARD [GUARD ...] [--json OUT]

GUARD is a heads file alone, ``shipped`` for the shipped heads alone, or ``FIRST,SECOND[,FROM,TO]``:
FIRST's guard with SECOND as its second opinion in that band (default: FIRST's threshold to 0.90).
For each guard: the AUC of the harmful requests against the harmless ones, and, at its request
threshold, how many harmless requests it flags and how many harmful ones it catches. Only counts
are printed, never an item: the set stays useful only while nobody tunes on its text.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from training.embedded.fifth_author_checks import FIFTH_AUTHOR_SAFE, FIFTH_AUTHOR_UNSAFE
from training.embedded.train import auc


def score(spec: str) -> dict[str, float | int | str]:
    from proguard_core.models.embedded import EmbeddedGuard

    first, *rest = spec.split(",")
    guard = EmbeddedGuard(
        weights=None if first == "shipped" else Path(first),
        second_opinion=Path(rest[0]) if rest else None,
        second_opinion_band=(float(rest[1]), float(rest[2])) if len(rest) == 3 else None,
        ocr=False,
        nsfw=False,
    )
    threshold = guard.heads.request_threshold
    harmless = np.array([s.prob for s in guard.score_requests(list(FIFTH_AUTHOR_SAFE))])
    harmful = np.array([s.prob for s in guard.score_requests(list(FIFTH_AUTHOR_UNSAFE))])
    return {
        "guard": spec,
        "threshold": threshold,
        "auc": round(auc(harmful, harmless), 4),
        "harmless_flagged": int((harmless >= threshold).sum()),
        "harmless_n": len(harmless),
        "harmful_caught": int((harmful >= threshold).sum()),
        "harmful_n": len(harmful),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("guards", nargs="+", metavar="GUARD")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    rows = [score(spec) for spec in args.guards]
    for row in rows:
        print(
            f"{row['guard']}: threshold {row['threshold']:.2f}, AUC {row['auc']:.4f}, "
            f"harmless flagged {row['harmless_flagged']}/{row['harmless_n']}, "
            f"harmful caught {row['harmful_caught']}/{row['harmful_n']}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
