"""Token states leaving MiniLM's lower (frozen) layers, for every training window, computed once.

Fine-tuning runs the top two layers only, on these states. They take a few minutes to compute on
2 cores, so each window's states are kept on disk (``~/.cache/proguard/trunk_states``, keyed by its
word-piece ids) and later runs read them back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from proguard_core._cache import cache_dir
from proguard_core.models.embedded.encoder import MiniLMEncoder, text_windows


def capped_windows(encoder: MiniLMEncoder, texts: Sequence[str], keep: int) -> list[list[list[int]]]:
    """Each text's windows as the guard makes them, at most ``keep``: the first and last halves of a
    longer text's (a jailbreak's frame opens it, the request usually closes it)."""
    out = []
    for encoding in encoder.tokenizer.encode_batch(list(texts)):
        windows = [ids for ids, _ in text_windows(encoding.ids, encoding.offsets)]
        if len(windows) > keep:
            windows = windows[: keep // 2] + windows[len(windows) - (keep - keep // 2) :]
        out.append(windows)
    return out


def last_window(encoder: MiniLMEncoder, texts: Sequence[str]) -> list[list[int]]:
    """Each text's last window: the part of a request a reply is judged against."""
    return [windows[-1] for windows in capped_windows(encoder, texts, keep=1 << 30)]


class StateStore:
    """Trunk states by window, on disk: one float16 file appended to, and an index of offsets."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or cache_dir() / "trunk_states"
        self.directory.mkdir(parents=True, exist_ok=True)
        self._data = self.directory / "states.f16"
        self._index_path = self.directory / "index.json"
        self.index: dict[str, tuple[int, int]] = (
            {k: tuple(v) for k, v in json.loads(self._index_path.read_text()).items()}
            if self._index_path.exists()
            else {}
        )

    @staticmethod
    def key(ids: Sequence[int]) -> str:
        return hashlib.sha1(np.asarray(ids, dtype=np.int32).tobytes()).hexdigest()

    def states(
        self, encoder: MiniLMEncoder, windows: Sequence[Sequence[int]], show_progress: bool = True
    ) -> list[np.ndarray]:
        """The trunk states of each window (tokens x 384, float16), computing the missing ones."""
        keys = [self.key(w) for w in windows]
        missing = sorted({k: i for i, k in enumerate(keys) if k not in self.index}.values())
        if missing:
            with open(self._data, "ab") as out:
                offset = out.tell() // (2 * encoder.dim)
                chunks = encoder.batches([windows[i] for i in missing], 4096)
                for chunk in tqdm(
                    chunks, desc="trunk states", unit="batch", disable=not show_progress, dynamic_ncols=True
                ):
                    rows = [missing[j] for j in chunk]
                    x, mask = encoder.trunk_states([windows[i] for i in rows])
                    for row, i in enumerate(rows):
                        length = int(mask[row].sum())
                        out.write(x[row, :length].astype(np.float16).tobytes())
                        self.index[keys[i]] = (offset, length)
                        offset += length
            self._index_path.write_text(json.dumps(self.index))
        data = np.memmap(self._data, dtype=np.float16, mode="r").reshape(-1, encoder.dim)
        return [np.asarray(data[start : start + length]) for start, length in (self.index[k] for k in keys)]


__all__ = ["StateStore", "capped_windows", "last_window"]
