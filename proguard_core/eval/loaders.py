"""Users' own benchmark files (JSONL or CSV) as :class:`~proguard_core.sources.Row`.

The shared benchmark sources are read by :mod:`proguard_core.sources`; this module reads a file a
user brings, with errors that name the file and line, so that nothing is skipped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from proguard_core.sources import Row, subsample
from proguard_core.sources._files import DataFileError, csv_records, read_jsonl
from proguard_core.taxonomy import Taxonomy, default_taxonomy, normalize_category_id

_USER_FIELDS = {"id", "prompt", "response", "image", "label", "category", "provided", "stage"}


def load_file(path: Path | str, *, taxonomy: Taxonomy | None = None, limit: int | None = None) -> list[Row]:
    """A user benchmark from JSONL or CSV, named after the file stem.

    Fields: ``prompt``, optional ``response``, optional ``image`` (path relative to the file),
    ``label`` (safe/unsafe), optional ``category`` (a taxonomy id or name), optional ``provided``
    (a list of ids, or a comma-separated string), optional ``stage`` (request/response; default
    response when a response is given), optional ``id``. Any bad row raises
    :class:`DataFileError` with the file and line; nothing is skipped silently.
    """
    path = Path(path)
    taxonomy = taxonomy or default_taxonomy()
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        records: Iterable[tuple[int, Any]] = read_jsonl(path)
    elif suffix == ".csv":
        records = csv_records(path)
    else:
        raise DataFileError("unsupported file type; use .jsonl or .csv", path)
    rows = []
    seen: set[str] = set()
    for line, record in records:
        if not isinstance(record, Mapping):
            raise DataFileError("each line must be a JSON object", path, line)
        row = _user_row(path, line, record, taxonomy)
        if row.id in seen:
            raise DataFileError(f"duplicate id {record.get('id')!r}", path, line)
        seen.add(row.id)
        rows.append(row)
    if not rows:
        raise DataFileError("no rows", path)
    return subsample(rows, limit)


def _text(record: Mapping[str, Any], key: str, path: Path, line: int) -> str | None:
    value = record.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise DataFileError(f"{key!r} must be text, got {type(value).__name__}", path, line)
    return value


def _user_row(path: Path, line: int, record: Mapping[str, Any], taxonomy: Taxonomy) -> Row:
    unknown = set(record) - _USER_FIELDS
    if unknown:
        raise DataFileError(
            f"unknown field(s) {sorted(unknown)}; expected some of {sorted(_USER_FIELDS)}", path, line
        )
    prompt, response = _text(record, "prompt", path, line), _text(record, "response", path, line)
    label = str(record.get("label") or "").strip().lower()
    if label not in ("safe", "unsafe"):
        raise DataFileError(f"label must be 'safe' or 'unsafe', got {record.get('label')!r}", path, line)
    image = None
    image_text = _text(record, "image", path, line)
    if image_text:
        image = (path.parent / image_text).resolve()
        if not image.is_file():
            raise DataFileError(f"image {image_text!r} not found next to the file", path, line)
    if not (prompt or response or image):
        raise DataFileError("a row needs a prompt, a response or an image", path, line)
    stage = _text(record, "stage", path, line) or ("response" if response else "request")
    if stage not in ("request", "response"):
        raise DataFileError(f"stage must be 'request' or 'response', got {stage!r}", path, line)
    category = _user_category(record.get("category"), taxonomy, path, line)
    provided = _user_provided(record.get("provided"), taxonomy, path, line)
    return Row(
        id=f"{path.stem}/{record.get('id') or line}",
        benchmark=path.stem,
        label=label,  # type: ignore[arg-type]
        stage=stage,  # type: ignore[arg-type]
        prompt=prompt,
        response=response,
        image=image,
        category=category if label == "unsafe" else None,
        candidates=(category,) if label == "unsafe" and category else (),
        source_category=str(record["category"]) if record.get("category") else None,
        provided=provided,
        source=path.name,
        split="eval",
    )


def _user_category(value: Any, taxonomy: Taxonomy, path: Path, line: int) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise DataFileError(f"category must be text, got {type(value).__name__}", path, line)
    found = taxonomy.find(value)
    if found is None:
        wanted = value.strip().lower()
        found = next((c for c in taxonomy if c.name.lower() == wanted), None)
    if found is None:
        raise DataFileError(f"category {value!r} is neither a taxonomy id nor a category name", path, line)
    return found.id


def _user_provided(value: Any, taxonomy: Taxonomy, path: Path, line: int) -> tuple[str, ...] | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):
        items: list[Any] = [v for v in value.split(",") if v.strip()]
    elif isinstance(value, list):
        items = value
    else:
        raise DataFileError("provided must be a list of category ids or a comma-separated string", path, line)
    ids = []
    for item in items:
        normal = normalize_category_id(str(item))
        if normal is None or normal not in taxonomy:
            raise DataFileError(f"provided id {item!r} is not in the taxonomy", path, line)
        ids.append(normal)
    return tuple(dict.fromkeys(ids))


__all__ = ["load_file"]
