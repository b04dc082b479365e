"""Training rows for GRPO: one typed sample schema, builders, OOD hiding and balanced sampling.

The flow is ``raw records -> GuardSample (validated) -> RLRow (rendered prompt + reward columns)``.
Validation happens while loading, so a bad row is counted and skipped (or raises
:class:`~proguard_core.errors.InputError` up front with ``strict=True``) instead of failing hours into
a run. Rendering goes through :func:`proguard_core.prompts.build_messages`, the same prompt text
inference uses.
"""

from __future__ import annotations

import csv
import json
import logging
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from proguard_core import sources as data_sources
from proguard_core.errors import InputError, ProGuardError
from proguard_core.images import decode, image_from
from proguard_core.parser import format_output
from proguard_core.prompts import ChatMessage, build_messages
from proguard_core.sources import Row
from proguard_core.taxonomy import Taxonomy, default_taxonomy
from proguard_core.types import GuardInput, ImageData, Label, Modality

logger = logging.getLogger(__name__)

_LABELS: dict[str, Label] = {"safe": "safe", "unsafe": "unsafe", "0": "safe", "1": "unsafe"}


@dataclass(frozen=True)
class GuardSample:
    """One labelled thing to check. ``response_label`` is None when there is no response.

    ``category_id`` is the true (sub)category for unsafe samples and None for safe ones.
    """

    request_label: Label
    prompt: str | None = None
    response: str | None = None
    image: ImageData | None = None
    response_label: Label | None = None
    category_id: str | None = None
    source: str = "user"

    @property
    def modality(self) -> Modality:
        has_text = bool((self.prompt or "").strip() or (self.response or "").strip())
        if self.image is not None:
            return Modality.TEXT_IMAGE if has_text else Modality.IMAGE
        return Modality.TEXT

    @property
    def unsafe(self) -> bool:
        return "unsafe" in (self.request_label, self.response_label)


class RLRow(TypedDict):
    """A dataset row for TRL: ``prompt`` (+ ``image``) for generation, the rest for rewards."""

    prompt: list[dict[str, Any]]
    request_label: str
    response_label: str | None
    category_id: str | None
    category_name: str | None
    category_synonyms: list[str]
    modality: str
    provided_ids: list[str]
    ood: bool
    source: str


@dataclass
class BuildReport:
    """What a builder kept and why it dropped the rest."""

    kept: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    def merge(self, other: BuildReport) -> BuildReport:
        self.kept += other.kept
        self.skipped.update(other.skipped)
        return self

    @property
    def total_skipped(self) -> int:
        return sum(self.skipped.values())

    def log(self, what: str = "rows") -> None:
        logger.info("%s: kept %d, skipped %d", what, self.kept, self.total_skipped)
        for reason, count in self.skipped.most_common():
            logger.info("  skipped %d: %s", count, reason)

    def summary(self) -> str:
        reasons = "; ".join(f"{n}x {r}" for r, n in self.skipped.most_common(8))
        return f"kept {self.kept}, skipped {self.total_skipped}" + (f" ({reasons})" if reasons else "")


# --- validation -----------------------------------------------------------------------------------


class _Skip(Exception):
    """A row-level problem: counted and skipped, or raised as InputError in strict mode."""


def _label(value: Any, what: str) -> Label | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return "unsafe" if value else "safe"
    label = _LABELS.get(str(value).strip().lower())
    if label is None:
        raise _Skip(f"{what} label {str(value)[:20]!r} is not safe/unsafe")
    return label


def _first(record: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in record and record[key] is not None:
            return record[key]
    return None


def sample_from_record(
    record: Mapping[str, Any],
    taxonomy: Taxonomy,
    *,
    source: str = "user",
    image_root: Path | None = None,
) -> GuardSample:
    """Validate one raw record; raises ``_Skip`` with the reason for a bad row.

    Accepted keys: ``prompt``, ``response``, ``image`` (path, bytes, PIL, base64, data URL),
    ``request_label`` (or ``label``), ``response_label``, ``category`` (or ``category_id``).
    """
    if "__bad__" in record:
        raise _Skip(str(record["__bad__"]))
    prompt = _first(record, "prompt")
    response = _first(record, "response")
    for name, text in (("prompt", prompt), ("response", response)):
        if text is not None and not isinstance(text, str):
            raise _Skip(f"{name} is {type(text).__name__}, not text")
    request_label = _label(_first(record, "request_label", "label"), "request")
    if request_label is None:
        raise _Skip("missing request label")
    response_label = _label(_first(record, "response_label"), "response")
    if response_label is not None and not (response or "").strip():
        raise _Skip("response label without a response")
    if (response or "").strip() and response_label is None:
        raise _Skip("response without a response label")

    image = None
    raw_image = _first(record, "image")
    if raw_image is not None and raw_image != "":
        if isinstance(raw_image, Mapping) and ("bytes" in raw_image or "path" in raw_image):
            # datasets' Image feature without decoding: {"bytes": ..., "path": ...}
            raw_image = raw_image.get("bytes") or raw_image.get("path")
        if (
            isinstance(raw_image, str)
            and image_root is not None
            and not raw_image.startswith(("data:", "http"))
        ):
            candidate = image_root / raw_image
            raw_image = candidate if candidate.exists() else raw_image
        try:
            image = image_from(raw_image)
            decode(image)  # header checks pass for truncated files; decoding catches them now
        except (ProGuardError, OSError, ValueError) as exc:
            raise _Skip(f"unreadable image ({type(exc).__name__})") from None

    category_id = None
    raw_category = _first(record, "category_id", "category")
    if raw_category is not None and str(raw_category).strip() and str(raw_category).lower() != "none":
        found = taxonomy.find(str(raw_category))
        if found is None:
            raise _Skip(f"unknown category id {str(raw_category)[:20]!r}")
        category_id = found.id
    sample = GuardSample(
        request_label=request_label,
        prompt=prompt if (prompt or "").strip() else None,
        response=response if (response or "").strip() else None,
        image=image,
        response_label=response_label,
        category_id=category_id,
        source=source,
    )
    if sample.prompt is None and sample.response is None and sample.image is None:
        raise _Skip("nothing to check (no prompt, response or image)")
    if sample.unsafe and category_id is None:
        raise _Skip("unsafe row without a category id")
    if not sample.unsafe and category_id is not None:
        category_id = None  # a safe row's category is meaningless to the reward
        sample = GuardSample(**{**sample.__dict__, "category_id": None})
    if sample.modality is Modality.TEXT_IMAGE and category_id is not None:
        # Text-image answers name a top-level category (the prompt asks for C8, not C8S1).
        sample = GuardSample(**{**sample.__dict__, "category_id": taxonomy.top_level(category_id).id})
    return sample


def samples_from_records(
    records: Iterable[Mapping[str, Any]],
    taxonomy: Taxonomy | None = None,
    *,
    source: str = "user",
    image_root: Path | None = None,
    strict: bool = False,
) -> tuple[list[GuardSample], BuildReport]:
    """Validate records; bad ones are counted in the report (or raise InputError when strict)."""
    taxonomy = taxonomy or default_taxonomy()
    report = BuildReport()
    samples: list[GuardSample] = []
    for index, record in enumerate(records):
        try:
            samples.append(sample_from_record(record, taxonomy, source=source, image_root=image_root))
        except _Skip as exc:
            if strict:
                raise InputError(f"{source} row {index}: {exc}") from None
            report.skip(str(exc))
    report.kept = len(samples)
    return samples, report


# --- user files -----------------------------------------------------------------------------------


def _read_records(path: Path) -> Iterator[Mapping[str, Any]]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    yield {"__bad__": f"invalid JSON on line {number}"}
                    continue
                yield record if isinstance(record, Mapping) else {"__bad__": "JSON line is not an object"}
    elif suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise InputError(f"{path}: a .json file must hold a list of objects")
        yield from (r if isinstance(r, Mapping) else {"__bad__": "JSON item is not an object"} for r in data)
    elif suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            yield from csv.DictReader(handle)
    elif suffix == ".parquet":
        from proguard_core._lazy import require

        parquet = require("pyarrow.parquet", "train")
        yield from parquet.read_table(path).to_pylist()
    else:
        raise InputError(f"{path}: unsupported file type {suffix!r} (use .jsonl, .json, .csv or .parquet)")


def load_samples(
    source: str | Path | Any,
    taxonomy: Taxonomy | None = None,
    *,
    image_root: str | Path | None = None,
    strict: bool = False,
) -> tuple[list[GuardSample], BuildReport]:
    """Samples from a JSONL/JSON/CSV/parquet file, a ``datasets.Dataset`` or an iterable of dicts.

    Raises :class:`InputError` up front when the file is missing, of an unknown type, has no label
    column, or yields no usable row; row-level problems are counted in the report.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise InputError(f"training file not found: {path}")
        records: Iterable[Mapping[str, Any]] = _read_records(path)
        name = path.name
        root: Path | None = Path(image_root) if image_root is not None else path.parent
    else:
        columns = getattr(source, "column_names", None)
        if columns is not None and not {"request_label", "label"} & set(columns):
            raise InputError(f"dataset has no request_label/label column (columns: {', '.join(columns)})")
        records, name = source, "dataset"
        root = Path(image_root) if image_root is not None else None

    samples, report = samples_from_records(records, taxonomy, source=name, image_root=root, strict=strict)
    if not samples:
        raise InputError(f"{name}: no usable rows ({report.summary()})")
    return samples, report


# --- the benchmark training pool ------------------------------------------------------------------

# Training-pool sources (``proguard_core.sources.TRAIN_POOL``) whose rows carry a category for every
# unsafe request, as the rewards need; evaluation- and development-pool sources are never read here.
TRAIN_POOL_SOURCES: tuple[str, ...] = (
    "advbench",
    "strongreject",
    "jailbreakbench_behaviors",
    "do_not_answer",
    "pyrit_scorer_evals",
    "toxigen",
    "alpaca_benign",
    "mt_bench",
)


def _record(row: Row) -> dict[str, Any] | None:
    """A raw record for ``samples_from_records``; None for a reply whose request label is unknown.

    An unsafe row's category is its first candidate, the source label's most likely id. PyRIT's
    objective files pair a harmful objective with a reply, so their requests are unsafe; other
    reply sources do not say whether the request was harmful.
    """
    category = row.candidates[0] if row.unsafe and row.candidates else None
    if row.stage == "request":
        return {"prompt": row.prompt, "label": row.label, "category": category}
    if row.benchmark == "pyrit_scorer_evals" and row.source.startswith("objective/"):
        return {
            "prompt": row.prompt,
            "response": row.response,
            "label": "unsafe",
            "response_label": row.label,
            "category": row.candidates[0] if row.candidates else None,
        }
    return None


def load_training_pool(
    data_dir: str | Path | None = None,
    sources: Sequence[str] = TRAIN_POOL_SOURCES,
    taxonomy: Taxonomy | None = None,
) -> tuple[list[GuardSample], BuildReport]:
    """Every usable sample of the training-pool sources' training split, read by ``proguard_core.sources``."""
    root = data_sources.data_dir(data_dir)
    if not root.is_dir():
        raise InputError(f"benchmark data directory not found: {root}")
    taxonomy = taxonomy or default_taxonomy()
    samples: list[GuardSample] = []
    report = BuildReport()
    for name in sources:
        if name not in data_sources.TRAIN_POOL:
            known = ", ".join(data_sources.TRAIN_POOL)
            raise InputError(f"{name!r} is not a training-pool source (known: {known})")
        records = []
        for row in data_sources.load(name, root, split="train"):
            record = _record(row)
            if record is None:
                report.skip(f"{name}: a reply without a request label")
            else:
                records.append(record)
        found, sub_report = samples_from_records(records, taxonomy, source=name)
        samples.extend(found)
        report.merge(BuildReport(0, Counter({f"{name}: {r}": n for r, n in sub_report.skipped.items()})))
    # Several sources share prompts (AdvBench goals reappear elsewhere); keep the first copy.
    unique: dict[tuple[str | None, str | None], GuardSample] = {}
    for sample in samples:
        key = ((sample.prompt or "").strip().lower(), sample.response)
        if key in unique:
            report.skip("duplicate prompt")
        else:
            unique[key] = sample
    report.kept = len(unique)
    return list(unique.values()), report


def balance_modalities(
    samples: Sequence[GuardSample],
    n: int,
    *,
    seed: int = 0,
    within: Callable[[GuardSample], object] | None = None,
) -> list[GuardSample]:
    """Draw up to ``n`` samples with equal shares per modality (and per ``within`` key inside each).

    A group that runs out leaves its share to the others, so the result has ``min(n, len(samples))``
    rows. ``within=lambda s: s.unsafe`` also balances safe against unsafe inside each modality.
    """
    rng = random.Random(seed)
    groups: dict[tuple[object, object], list[GuardSample]] = {}
    for sample in samples:
        key = (sample.modality.value, within(sample) if within else None)
        groups.setdefault(key, []).append(sample)
    for members in groups.values():
        rng.shuffle(members)
    by_modality: dict[object, list[list[GuardSample]]] = {}
    for (modality, _), members in sorted(groups.items(), key=lambda item: str(item[0])):
        by_modality.setdefault(modality, []).append(members)
    # Round-robin: modality by modality, and inside a modality sub-group by sub-group.
    iterators = {m: _round_robin(lists) for m, lists in by_modality.items()}
    chosen: list[GuardSample] = []
    while len(chosen) < n and iterators:
        for modality in list(iterators):
            item = next(iterators[modality], None)
            if item is None:
                del iterators[modality]
                continue
            chosen.append(item)
            if len(chosen) == n:
                break
    rng.shuffle(chosen)
    return chosen


def _round_robin(lists: list[list[GuardSample]]) -> Iterator[GuardSample]:
    positions = [0] * len(lists)
    while True:
        progressed = False
        for i, members in enumerate(lists):
            if positions[i] < len(members):
                yield members[positions[i]]
                positions[i] += 1
                progressed = True
        if not progressed:
            return


# --- OOD hiding and rendering ---------------------------------------------------------------------


@dataclass(frozen=True)
class HidingConfig:
    """Which categories each row's prompt lists.

    ``hide_rate``: chance that an unsafe row's true top-level category (with all its subcategories)
    is left out, turning it into an out-of-taxonomy sample whose answer must name the risk.
    ``max_provided``: list at most this many top-level categories (the true one included unless
    hidden); shorter prompts train faster. None lists all.
    """

    hide_rate: float = 0.2
    max_provided: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.hide_rate <= 1.0:
            raise InputError(f"hide_rate must be in [0, 1], got {self.hide_rate}")
        if self.max_provided is not None and self.max_provided < 1:
            raise InputError("max_provided must be at least 1")


def provided_for(
    sample: GuardSample, taxonomy: Taxonomy, hiding: HidingConfig, rng: random.Random
) -> tuple[list[str], bool]:
    """Top-level category ids to list for one sample, and whether its true category is hidden."""
    top_ids = [c.id for c in taxonomy.categories]
    true_top = taxonomy.top_level(sample.category_id).id if sample.category_id else None
    hidden = true_top is not None and rng.random() < hiding.hide_rate
    others = [cid for cid in top_ids if cid != true_top]
    k = len(top_ids) if hiding.max_provided is None else hiding.max_provided
    if true_top is None or (hidden and others):
        chosen = rng.sample(others, min(k, len(others)))
    else:
        hidden = False  # a one-category taxonomy has nothing else to list
        chosen = [true_top, *rng.sample(others, min(k - 1, len(others)))]
    order = {cid: i for i, cid in enumerate(top_ids)}
    return sorted(chosen, key=order.__getitem__), hidden


def render_sample(
    sample: GuardSample, taxonomy: Taxonomy, hiding: HidingConfig, rng: random.Random
) -> tuple[list[ChatMessage], dict[str, Any]]:
    """The prompt messages (from ``build_messages``) and the reward columns for one sample."""
    provided_ids, hidden = provided_for(sample, taxonomy, hiding, rng)
    guard_input = GuardInput(
        prompt=sample.prompt,
        response=sample.response,
        images=(sample.image,) if sample.image is not None else (),
    )
    messages = build_messages(guard_input, taxonomy.subset(provided_ids))
    category = taxonomy.get(sample.category_id) if sample.category_id else None
    columns: dict[str, Any] = {
        "request_label": sample.request_label,
        "response_label": sample.response_label,
        "category_id": category.id if category else None,
        "category_name": category.name if category else None,
        "category_synonyms": list(category.synonyms) if category else [],
        "modality": sample.modality.value,
        "provided_ids": provided_ids,
        "ood": hidden,
        "source": sample.source,
    }
    return messages, columns


def trl_prompt(messages: Sequence[ChatMessage], *, multimodal: bool) -> list[dict[str, Any]]:
    """TRL's conversational prompt: ``{"type": "image"}`` placeholders, or flat text for text LMs.

    Multimodal prompts keep every message as a part list (Arrow needs one shape per column) and
    leave the pixels to the ``image`` column; text-only prompts join the text parts into a string,
    which every causal-LM chat template accepts.
    """
    prompt: list[dict[str, Any]] = []
    for message in messages:
        content = message["content"]
        parts: list[dict[str, Any]] = (
            [{"type": "text", "text": content}]
            if isinstance(content, str)
            else [
                {"type": "image"} if p["type"] == "image" else {"type": "text", "text": p["text"]}
                for p in content
            ]
        )
        if multimodal:
            prompt.append({"role": message["role"], "content": parts})
        else:
            text = "\n".join(p["text"] for p in parts if p["type"] == "text")
            prompt.append({"role": message["role"], "content": text})
    return prompt


def to_trl_rows(
    samples: Sequence[GuardSample],
    taxonomy: Taxonomy | None = None,
    hiding: HidingConfig | None = None,
    *,
    multimodal: bool = False,
) -> tuple[list[dict[str, Any]], BuildReport]:
    """Render samples as TRL rows: :class:`RLRow` columns, plus ``image`` (PIL) when ``multimodal``.

    Image rows are skipped (and counted) for text-only models. Rendering is seeded by
    ``hiding.seed``, so the same samples always list the same categories.
    """
    taxonomy = taxonomy or default_taxonomy()
    hiding = hiding or HidingConfig()
    rng = random.Random(hiding.seed)
    report = BuildReport()
    rows: list[dict[str, Any]] = []
    for sample in samples:
        if sample.image is not None and not multimodal:
            report.skip("image row for a text-only model")
            continue
        messages, columns = render_sample(sample, taxonomy, hiding, rng)
        row: dict[str, Any] = {"prompt": trl_prompt(messages, multimodal=multimodal), **columns}
        if multimodal:
            row["image"] = decode(sample.image) if sample.image is not None else None
        rows.append(row)
    report.kept = len(rows)
    return rows, report


def reference_answer(columns: Mapping[str, Any]) -> str:
    """The ideal answer for one row's reward columns (empty reasoning), in the exact format.

    OOD rows answer with the hidden category's name, since its id was not listed.
    """
    image_only = Modality(columns["modality"]) is Modality.IMAGE
    response: Label | None = None if image_only else (columns.get("response_label") or "safe")
    unsafe = "unsafe" in (columns["request_label"], columns.get("response_label"))
    category = None
    if unsafe:
        category = columns["category_name"] if columns.get("ood") else columns["category_id"]
    return format_output(columns["request_label"], response, category)


def split_holdout(
    samples: Sequence[GuardSample], n_holdout: int, *, seed: int = 0
) -> tuple[list[GuardSample], list[GuardSample]]:
    """(train, held-out) with a label- and modality-balanced held-out set of ``n_holdout`` rows."""
    held = balance_modalities(samples, n_holdout, seed=seed + 1, within=lambda s: s.unsafe)
    held_ids = {id(s) for s in held}
    return [s for s in samples if id(s) not in held_ids], held


__all__ = [
    "TRAIN_POOL_SOURCES",
    "BuildReport",
    "GuardSample",
    "HidingConfig",
    "RLRow",
    "balance_modalities",
    "load_samples",
    "load_training_pool",
    "provided_for",
    "reference_answer",
    "render_sample",
    "samples_from_records",
    "split_holdout",
    "to_trl_rows",
    "trl_prompt",
]
