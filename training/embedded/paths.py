"""Where the embedded guard's training and evaluation scripts find the repository, the benchmark
data and their caches."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = REPO.parent / "shared" / "benchmarks"


def cache_dir() -> Path:
    """Caches that only save time (sentence embeddings, OCR text): ``$XDG_CACHE_HOME/proguard``,
    else ``~/.cache/proguard``. Deleting it changes no result."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "proguard"
