"""Where the embedded guard's training and evaluation scripts find the repository, the benchmark
data and their caches."""

from __future__ import annotations

from pathlib import Path

from proguard_core._cache import cache_dir

__all__ = ["DEFAULT_DATA_DIR", "REPO", "cache_dir"]

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = REPO.parent / "shared" / "benchmarks"
