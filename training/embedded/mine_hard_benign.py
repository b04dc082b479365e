"""Mine Alpaca instructions that a trained request head wrongly flags, for ``train.py --hard-benign``.

    python -m training.embedded.mine_hard_benign [--weights F] [--min-score 0.2]

Adding 6,000 random Alpaca instructions moved the ranking by a thousandth (DATA_CARD.md, seventh
attempt): the head already knows ordinary instructions. Its mistakes lie in a narrow band
("Find out the CEO of IBM", "Generate instructions to clean a messy bedroom", persuasive letters),
about 2% of the Alpaca instructions training does not use. This script scores those with a
trained model and writes the row numbers of the ones at or above ``--min-score``: row numbers,
not texts, so the project keeps none of the benchmark's data. The list depends on the model that
mined it, so it is committed (``hard_benign_alpaca.json``) and training reads it rather than
mining again with whatever weights are current.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path

from tqdm import tqdm

from training.embedded.paths import DEFAULT_DATA_DIR, REPO
from training.embedded.sources import alpaca_rows, prompt_examples

MINED = Path(__file__).with_name("hard_benign_alpaca.json")
WEIGHTS = REPO / "proguard_core" / "models" / "embedded" / "weights" / "heads.npz"

# Alpaca labels every instruction safe, but our taxonomy does not agree on some of them: forged or
# fake documents and numbers, verbatim song lyrics, misrepresenting findings, insults, credentials,
# sexual content, crimes. Mining must not teach the head that these are safe, so any instruction
# containing one of these words is left out, whatever its score.
RISKY_WORDS = (
    "fake",
    "false",
    "lyrics",
    "misrepresent",
    "misinform",
    "hoax",
    "insult",
    "password",
    "pin",
    "credit card",
    "personal information",
    "sexual",
    "seductive",
    "flirt",
    "criminal",
    "crime",
    "steal",
    "hack",
    "weapon",
    "manifesto",
    "aggressive",
    "agressive",
    "drug",
    "gun",
    "kill",
)
_RISKY = re.compile(r"\b(" + "|".join(re.escape(w) for w in RISKY_WORDS) + r")\b", re.IGNORECASE)


def is_risky(text: str) -> bool:
    return _RISKY.search(text) is not None


def candidate_rows(data_dir: Path) -> list[tuple[int, str]]:
    """Alpaca's rows (first occurrence of each instruction) that the training sources do not use."""
    # The data options do not change which Alpaca instructions seed 0 samples.
    used = {ex.text for ex in prompt_examples(data_dir, 0) if ex.source == "alpaca_benign"}
    return [(row, text) for row, text in alpaca_rows(data_dir) if text not in used]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--weights", type=Path, default=WEIGHTS)
    parser.add_argument("--min-score", type=float, default=0.2)
    parser.add_argument("--out", type=Path, default=MINED)
    args = parser.parse_args()

    from proguard_core.models.embedded.heads import Heads
    from proguard_core.models.embedded.model import EmbeddedGuard

    guard = EmbeddedGuard(ocr=False, nsfw=False, heads=Heads.load(args.weights))
    candidates = candidate_rows(args.data_dir)
    scores: list[float] = []
    batch = 256
    for start in tqdm(range(0, len(candidates), batch), desc="scoring Alpaca", unit="batch"):
        texts = [text for _, text in candidates[start : start + batch]]
        scores += [s.prob for s in guard.score_requests(texts)]
    flagged = [
        (row, text, p) for (row, text), p in zip(candidates, scores, strict=True) if p >= args.min_score
    ]
    kept = [(row, p) for row, text, p in flagged if not is_risky(text)]
    record = {
        "weights_sha256": hashlib.sha256(args.weights.read_bytes()).hexdigest(),
        "min_score": args.min_score,
        "candidates": len(candidates),
        "flagged": len(flagged),
        "risky_left_out": len(flagged) - len(kept),
        "rows": [row for row, _ in sorted(kept)],
        "scores": [round(p, 3) for _, p in sorted(kept)],
    }
    args.out.write_text(json.dumps(record, indent=0) + "\n")
    print(
        f"{len(candidates)} unused Alpaca instructions, {len(flagged)} scored >= {args.min_score}, "
        f"{len(flagged) - len(kept)} left out as risky, {len(kept)} written to {args.out}"
    )


if __name__ == "__main__":
    main()
