"""Where ProGuard keeps files that only save time."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Caches that only save time (sentence embeddings, OCR text, SmolLM2's converted weights):
    ``$XDG_CACHE_HOME/proguard``, else ``~/.cache/proguard``. Deleting it changes no result."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "proguard"
