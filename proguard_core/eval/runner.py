"""Run a guard over benchmark rows and score it: the main pass and the category-held-out OOD pass."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from proguard_core.errors import InputError
from proguard_core.eval.metrics import (
    BenchmarkScores,
    Confusion,
    OODScores,
    is_failure,
    is_listed,
    ood_name,
    predicted_unsafe,
    reports_ood,
    score_benchmark,
    score_ood,
    weighted_average,
)
from proguard_core.eval.similarity import Embedder, ood_description_scores
from proguard_core.guard import Guard
from proguard_core.sources import SOURCES, Row
from proguard_core.taxonomy import Taxonomy
from proguard_core.types import Verdict

Progress = Callable[[int], None]


@dataclass
class EvalRun:
    """Everything one evaluation produced; :mod:`proguard_core.eval.report` writes it out."""

    guard: str
    model: str
    benchmarks: list[BenchmarkScores]
    averages: dict[str, Any]
    ood: OODScores | None
    predictions: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    items: int = 0


def check_rows(
    guard: Guard,
    rows: Sequence[Row],
    provided: Sequence[tuple[str, ...] | None],
    *,
    batch_size: int = 32,
    progress: Progress | None = None,
) -> list[Verdict]:
    """One verdict per row, in order, through ``guard.check_batch``.

    Rows are grouped by their provided category list (one list per ``check_batch`` call). A
    row the guard refuses as input (an unreadable image, say) gets a failure verdict decided by
    the guard's error policy instead of stopping the whole run.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    verdicts: list[Verdict | None] = [None] * len(rows)
    groups: dict[tuple[str, ...] | None, list[int]] = {}
    for index, offer in enumerate(provided):
        groups.setdefault(offer, []).append(index)
    for offer, indices in groups.items():
        for begin in range(0, len(indices), batch_size):
            chunk = indices[begin : begin + batch_size]
            for index, verdict in zip(
                chunk, _check_chunk(guard, [rows[i] for i in chunk], offer), strict=True
            ):
                verdicts[index] = verdict
            if progress is not None:
                progress(len(chunk))
    return [v for v in verdicts if v is not None]


def _check_chunk(guard: Guard, rows: Sequence[Row], offer: tuple[str, ...] | None) -> list[Verdict]:
    try:
        return guard.check_batch([row.guard_input() for row in rows], categories=offer)
    except InputError as exc:
        if len(rows) == 1:
            return [_input_failure(guard, exc)]
    # Find the bad rows one by one so the others still count.
    out = []
    for row in rows:
        try:
            out.extend(guard.check_batch([row.guard_input()], categories=offer))
        except InputError as exc:
            out.append(_input_failure(guard, exc))
    return out


def _input_failure(guard: Guard, exc: InputError) -> Verdict:
    if guard.policy.on_error == "raise":
        raise exc
    allow = guard.policy.on_error == "allow"
    return Verdict(
        safe=allow,
        error=f"{type(exc).__name__}: {exc}",
        policy="fail_open:input_error" if allow else "fail_closed:input_error",
        model=guard.model_name,
    )


def ood_offer(row: Row, taxonomy: Taxonomy) -> tuple[str, ...] | None:
    """The categories to list when the row's true category is hidden; None when it cannot be.

    The whole top-level category of the truth is hidden (listing a sibling subcategory would
    leave the answer half-offered). Rows with their own ``provided`` list keep the rest of it.
    """
    if row.category is None or row.category not in taxonomy:
        return None
    top = taxonomy.top_level(row.category).id
    base = row.provided if row.provided is not None else tuple(c.id for c in taxonomy.categories)
    keep = tuple(p for p in base if p in taxonomy and taxonomy.top_level(p).id != top)
    return keep or None


def _truth_listed(row: Row, taxonomy: Taxonomy) -> bool:
    return (
        row.category is not None
        and row.category in taxonomy
        and is_listed(row.category, row.provided, taxonomy)
    )


def evaluate(
    guard: Guard,
    benchmarks: Mapping[str, Sequence[Row]],
    *,
    guard_spec: str = "",
    batch_size: int = 32,
    ood: bool = True,
    embedder: Embedder | None = None,
    show_progress: bool = True,
) -> EvalRun:
    """Check every row, score each benchmark, and (with ``ood``) run the category-held-out pass."""
    taxonomy = guard.taxonomy
    # Indices of the rows that get a second, category-held-out check.
    ood_index: dict[str, list[int]] = {
        name: [
            i
            for i, r in enumerate(rows)
            if ood and r.unsafe and _truth_listed(r, taxonomy) and ood_offer(r, taxonomy) is not None
        ]
        for name, rows in benchmarks.items()
    }
    total = sum(len(rows) for rows in benchmarks.values()) + sum(len(i) for i in ood_index.values())
    bar = _progress_bar(total, show_progress)
    start = time.perf_counter()
    scores: list[BenchmarkScores] = []
    predictions: list[dict[str, Any]] = []
    all_hidden: list[Verdict] = []
    all_listed: list[Verdict] = []
    all_description: list[float] = []
    try:
        for name, rows in benchmarks.items():
            bench_start = time.perf_counter()
            if bar is not None:
                bar.set_description(name)
            offers = [r.provided for r in rows]
            verdicts = check_rows(
                guard, rows, offers, batch_size=batch_size, progress=bar.update if bar else None
            )
            pool = SOURCES[name].pool if name in SOURCES else "user"
            result = score_benchmark(
                name,
                pool,
                [r.stage for r in rows],
                [r.unsafe for r in rows],
                verdicts,
                [r.category for r in rows],
                taxonomy,
                offers,
            )
            result.view_of = SOURCES[name].view_of if name in SOURCES else None
            predictions += [
                _prediction(r, v, "main", r.provided) for r, v in zip(rows, verdicts, strict=True)
            ]
            hidden_rows = [rows[i] for i in ood_index[name]]
            if hidden_rows:
                hidden_offers = [ood_offer(r, taxonomy) for r in hidden_rows]
                hidden = check_rows(
                    guard,
                    hidden_rows,
                    hidden_offers,
                    batch_size=batch_size,
                    progress=bar.update if bar else None,
                )
                listed = [verdicts[i] for i in ood_index[name]]
                description = _description_scores(hidden_rows, hidden, taxonomy, embedder)
                result.ood = score_ood(hidden, listed, description)
                if not result.repeats(benchmarks):
                    all_hidden += hidden
                    all_listed += listed
                    all_description += description
                for row, verdict, offer, score in zip(
                    hidden_rows, hidden, hidden_offers, description, strict=True
                ):
                    record = _prediction(row, verdict, "ood", offer)
                    record["ood_reported"] = reports_ood(verdict)
                    record["ood_score"] = round(score, 4)
                    predictions.append(record)
            result.seconds = time.perf_counter() - bench_start
            scores.append(result)
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - start
    overall_ood = score_ood(all_hidden, all_listed, all_description) if all_hidden else None
    return EvalRun(
        guard=guard_spec,
        model=guard.model_name,
        benchmarks=scores,
        averages=averages(scores),
        ood=overall_ood,
        predictions=predictions,
        seconds=seconds,
        items=total,
    )


def _description_scores(
    rows: Sequence[Row], verdicts: Sequence[Verdict], taxonomy: Taxonomy, embedder: Embedder | None
) -> list[float]:
    """Reward term per hidden row: 0 without a name (missed, or a listed id), else by similarity."""
    named = [(i, ood_name(v)) for i, v in enumerate(verdicts)]
    pairs = [(name, taxonomy.get(rows[i].category or "")) for i, name in named if name is not None]
    # Only load the embedding model when some guard answer needs scoring.
    scored = iter(ood_description_scores(pairs, embedder) if pairs else [])
    return [next(scored) if name is not None else 0.0 for _, name in named]


def averages(scores: Sequence[BenchmarkScores]) -> dict[str, Any]:
    """Weighted-average rows: ``all``, then ``pool:<pool>`` and ``stage:<stage>`` for each present.

    Prompt (request) and response classification are averaged apart as in the paper; mixing
    them lets the larger response sets swamp the prompt numbers. F1 is weighted by benchmark
    size over benchmarks where it is defined (those with unsafe items); the safe-flag rate and
    category accuracy are pooled over the items they count. A benchmark that repeats another one
    in the run in another form (``BenchmarkScores.repeats``) is left out.
    """
    names = {s.name for s in scores}
    scores = [s for s in scores if not s.repeats(names)]
    out: dict[str, Any] = {"all": _average(scores)}
    for pool in dict.fromkeys(s.pool for s in scores):
        out[f"pool:{pool}"] = _average([s for s in scores if s.pool == pool])
    for stage in dict.fromkeys(s.stage for s in scores):
        out[f"stage:{stage}"] = _average([s for s in scores if s.stage == stage])
    return out


def _average(scores: Sequence[BenchmarkScores]) -> dict[str, Any]:
    pooled = Confusion(**{k: sum(s.confusion[k] for s in scores) for k in ("tp", "fp", "tn", "fn")})
    category_hits = sum((s.category_accuracy or 0.0) * s.category_n / 100.0 for s in scores)
    category_n = sum(s.category_n for s in scores)
    return {
        "benchmarks": [s.name for s in scores],
        "n": sum(s.n for s in scores),
        "f1_weighted": weighted_average([s.f1 for s in scores], [s.n for s in scores]),
        "precision_weighted": weighted_average([s.precision for s in scores], [s.n for s in scores]),
        "recall_weighted": weighted_average([s.recall for s in scores], [s.n for s in scores]),
        "safe_flag_rate": pooled.safe_flag_rate,
        "accuracy": pooled.accuracy,
        "category_accuracy": 100.0 * category_hits / category_n if category_n else None,
        "category_n": category_n,
        "failures": sum(s.failures for s in scores),
    }


def _prediction(row: Row, verdict: Verdict, run: str, offer: tuple[str, ...] | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "benchmark": row.benchmark,
        "pass": run,
        "stage": row.stage,
        "label": row.label,
        "predicted": "unsafe" if predicted_unsafe(verdict, row.stage) else "safe",
        "failure": is_failure(verdict),
        "safe": verdict.safe,
        "request": verdict.request,
        "response": verdict.response,
        "categories": [c.id or c.name for c in verdict.categories],
        "category": row.category,
        "source_category": row.source_category,
        "provided": list(offer) if offer is not None else None,
        "summary": verdict.summary(),
    }


def _progress_bar(total: int, show: bool) -> Any:
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="item", dynamic_ncols=True, leave=True)


__all__ = ["EvalRun", "averages", "check_rows", "evaluate", "ood_offer"]
