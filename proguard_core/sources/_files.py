"""Reading the files of ``../shared/benchmarks`` and users' own benchmark files, with errors that
name the file and line."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from proguard_core.errors import InputError

# Some sources hold very long fields (jailbreak templates, pasted documents).
csv.field_size_limit(2**31 - 1)


class DataFileError(InputError):
    """A benchmark or user file is missing or has a row that cannot be read; names file and line."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.line = line
        where = f"{path}" + (f", line {line}" if line is not None else "") + ": " if path is not None else ""
        super().__init__(where + message)


def need(path: Path) -> Path:
    if not path.exists():
        raise DataFileError(
            "not found; pass --data-dir (or set PROGUARD_BENCHMARKS) to the benchmarks folder", path
        )
    return path


def read_csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    """CSV rows; ``#`` comment lines before the header (PyRIT's) are skipped."""
    with open(need(path), encoding="utf-8-sig", newline="") as handle:
        text = handle.read()
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return list(csv.DictReader(io.StringIO("".join(lines)), delimiter=delimiter))


def csv_records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """CSV rows with the line each starts on (a quoted multi-line field moves later rows down)."""
    with open(need(path), encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        start = 2
        for record in reader:
            yield start, {k: v for k, v in record.items() if k is not None}
            start = reader.line_num + 1


def read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    # Split on "\n" only: some sources hold U+2028 and friends inside strings, which
    # str.splitlines() would treat as line ends.
    with open(need(path), encoding="utf-8-sig", newline="\n") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataFileError(f"not valid JSON ({exc.msg})", path, number) from None


def read_json(path: Path) -> Any:
    with open(need(path), encoding="utf-8") as handle:
        return json.load(handle)


def read_lines(path: Path) -> list[str]:
    with open(need(path), encoding="utf-8", newline="\n") as handle:
        return [line.strip() for line in handle.read().split("\n") if line.strip()]


def share_of(key: str) -> float:
    """A stable number in [0, 1) for ``key``: the same split on every machine and run."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") / 2**64


__all__ = [
    "DataFileError",
    "csv_records",
    "need",
    "read_csv",
    "read_json",
    "read_jsonl",
    "read_lines",
    "share_of",
]
