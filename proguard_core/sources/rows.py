"""The labelled row every source reader produces, and the one way a reader labels it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from proguard_core.sources._files import share_of
from proguard_core.sources.table import lookup, reported_category
from proguard_core.types import Label

Stage = Literal["request", "response"]
# ``train`` and ``heldout`` partition a training-pool source (the held-out part is reported, never
# fitted); ``dev`` rows select models and thresholds; ``eval`` rows are only ever reported.
Split = Literal["train", "heldout", "dev", "eval"]


@dataclass(frozen=True)
class Row:
    """One labelled item of a benchmark source or a user file.

    ``stage`` says what the label is about: the request (prompt and/or image) or the agent's
    response. ``candidates`` are the taxonomy ids the source label admits for an unsafe row (empty:
    a risk without an id here); ``category`` is the one id category accuracy is scored against, or
    None when the source label is broader than one category. ``source_category`` keeps the
    source's own label, ``source`` the part of the source the row comes from (a file, a model).
    ``provided`` lists the category ids shown to the guard (None: its whole taxonomy).
    """

    id: str
    benchmark: str
    label: Label
    stage: Stage = "request"
    prompt: str | None = None
    response: str | None = None
    image: Path | None = None
    category: str | None = None
    candidates: tuple[str, ...] = ()
    source_category: str | None = None
    provided: tuple[str, ...] | None = None
    source: str = ""
    split: Split = "train"

    def guard_input(self) -> dict[str, Any]:
        """Fields for ``Guard.check_batch`` (a dict of GuardInput fields)."""
        item: dict[str, Any] = {"prompt": self.prompt, "response": self.response}
        if self.image is not None:
            item["images"] = (self.image,)
        return item

    @property
    def unsafe(self) -> bool:
        return self.label == "unsafe"


def labelled(
    benchmark: str,
    key: str,
    source_label: str,
    *,
    table: str | None = None,
    prefix: bool = False,
    **fields: Any,
) -> Row | None:
    """A row labelled through the source table, or None when the table drops ``source_label``.

    ``table`` names the table entry when it differs from the benchmark (FigStep's two views share
    one); ``prefix`` matches the longest table key ``source_label`` starts with.
    """
    target = lookup(table or benchmark, source_label, prefix=prefix)
    if target.label is None:
        return None
    fields.setdefault("source_category", source_label)
    return Row(
        id=f"{benchmark}/{key}",
        benchmark=benchmark,
        label=target.label,
        category=reported_category(target.candidates),
        candidates=target.candidates,
        **fields,
    )


def held_out(key: str, share: float) -> Split:
    """``heldout`` for a stable ``share`` of keys, ``train`` for the rest."""
    return "heldout" if share_of(key) < share else "train"


__all__ = ["Row", "Split", "Stage", "held_out", "labelled"]
