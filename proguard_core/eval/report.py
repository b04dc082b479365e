"""Writing an :class:`~proguard_core.eval.runner.EvalRun` out: table, results.json, predictions, plot."""

from __future__ import annotations

import json
import platform
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from proguard_core.eval.metrics import BenchmarkScores
from proguard_core.eval.runner import EvalRun

RESULTS_FILE = "results.json"
PREDICTIONS_FILE = "predictions.jsonl"
PLOT_FILE = "f1_safe_flag.png"


def _cell(value: float | None, width: int, digits: int = 2) -> str:
    return f"{'-' if value is None else f'{value:.{digits}f}':>{width}}"


def format_table(run: EvalRun) -> str:
    """The paper-style table: one row per benchmark, then the weighted average(s)."""
    name_width = max(
        [len("benchmark"), *(len(s.name) + 1 for s in run.benchmarks), len("weighted avg (response)")]
    )
    header = (
        f"{'benchmark':<{name_width}}  {'pool':<5} {'stage':<8} {'n':>6} {'F1':>6} {'prec':>6} {'rec':>6} "
        f"{'safe-flag':>9} {'cat-acc':>7} {'fail':>5}"
    )
    rule = "-" * len(header)
    names = {s.name for s in run.benchmarks}
    lines = [f"guard: {run.guard or run.model}  model: {run.model}", header, rule]
    for s in run.benchmarks:
        numbers = [_cell(s.f1, 6), _cell(s.precision, 6), _cell(s.recall, 6), _cell(s.safe_flag_rate, 9)]
        name = s.name + "*" if s.repeats(names) else s.name
        lines.append(
            f"{name:<{name_width}}  {s.pool:<5} {s.stage:<8} {s.n:>6} {' '.join(numbers)} "
            f"{_cell(s.category_accuracy, 7)} {s.failures:>5}"
        )
    lines.append(rule)
    labels = []
    for kind in ("stage", "pool"):
        keys = [k for k in run.averages if k.startswith(kind + ":")]
        if len(keys) > 1:  # one group is the same as the overall row
            labels += [(k, f"weighted avg ({k.partition(':')[2]})") for k in keys]
    labels.append(("all", "weighted avg (all)" if labels else "weighted avg"))
    for key, label in labels:
        avg = run.averages[key]
        lines.append(
            f"{label:<{name_width}}  {'':<5} {'':<8} {avg['n']:>6} {_cell(avg['f1_weighted'], 6)} "
            f"{_cell(avg['precision_weighted'], 6)} {_cell(avg['recall_weighted'], 6)} "
            f"{_cell(avg['safe_flag_rate'], 9)} {_cell(avg['category_accuracy'], 7)} {avg['failures']:>5}"
        )
    with_ood = [s for s in run.benchmarks if s.ood is not None]
    if with_ood and run.ood is not None:
        lines += ["", "OOD (true category hidden from the listed taxonomy)"]
        ood_header = f"{'benchmark':<{name_width}}  {'hidden':>6} {'listed':>6} {'OOD-F1':>6} {'desc':>6}"
        lines += [ood_header, "-" * len(ood_header)]
        rows = [(s.name, s.ood) for s in with_ood] + [("all", run.ood)]
        for name, ood in rows:
            assert ood is not None
            lines.append(
                f"{name:<{name_width}}  {ood.n_hidden:>6} {ood.n_listed:>6} {_cell(ood.f1, 6)} "
                f"{_cell(ood.description, 6, 3)}"
            )
    rate = run.items / run.seconds if run.seconds else 0.0
    lines += ["", f"{run.items} checks in {run.seconds:.1f} s ({rate:.1f}/s)"]
    lines.append(
        "F1/prec/rec: unsafe is positive, 0-100; safe-flag: % of safe items flagged; desc: OOD reward 0-1"
    )
    if any(s.repeats(names) for s in run.benchmarks):
        lines.append("*: the same items as another benchmark in another form; left out of the averages")
    return "\n".join(lines)


def results_dict(run: EvalRun, *, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "guard": run.guard,
        "model": run.model,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "settings": settings or {},
        "timing": {
            "seconds": round(run.seconds, 3),
            "checks": run.items,
            "checks_per_second": round(run.items / run.seconds, 3) if run.seconds else None,
            "python": platform.python_version(),
        },
        "benchmarks": {s.name: s.to_dict() for s in run.benchmarks},
        "averages": run.averages,
        "ood": run.ood.to_dict() if run.ood else None,
    }


def write_results(run: EvalRun, out_dir: Path, *, settings: dict[str, Any] | None = None) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / RESULTS_FILE
    path.write_text(
        json.dumps(results_dict(run, settings=settings), indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    return path


def write_predictions(run: EvalRun, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / PREDICTIONS_FILE
    with open(path, "w", encoding="utf-8") as handle:
        for record in run.predictions:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def plot(benchmarks: Sequence[BenchmarkScores], path: Path, title: str = "") -> Path:
    """Grouped bars per benchmark: F1 and safe-flag rate (a missing value draws no bar)."""
    from proguard_core._lazy import require

    matplotlib = require("matplotlib", "eval")
    matplotlib.use("Agg")  # files only; never needs a display
    import matplotlib.pyplot as plt

    names = [s.name for s in benchmarks]
    positions = list(range(len(names)))
    width = 0.4
    figure, axes = plt.subplots(figsize=(max(6.0, 0.9 * len(names) + 2), 4.5))
    try:
        for offset, label, values in (
            (-width / 2, "F1 (unsafe = positive)", [s.f1 for s in benchmarks]),
            (width / 2, "safe-flag rate", [s.safe_flag_rate for s in benchmarks]),
        ):
            xs = [p + offset for p, v in zip(positions, values, strict=True) if v is not None]
            ys = [v for v in values if v is not None]
            bars = axes.bar(xs, ys, width, label=label)
            axes.bar_label(bars, fmt="%.1f", fontsize=7)
        axes.set_xticks(positions)
        axes.set_xticklabels(names, rotation=30, ha="right")
        axes.set_ylim(0, 105)
        axes.set_ylabel("%")
        axes.set_title(title or "ProGuard eval", loc="left", fontsize=10)
        # Above the axes, so it never covers a bar or its value.
        axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, fontsize=8, frameon=False)
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=120)
    finally:
        plt.close(figure)
    return path


__all__ = [
    "PLOT_FILE",
    "PREDICTIONS_FILE",
    "RESULTS_FILE",
    "format_table",
    "plot",
    "results_dict",
    "write_predictions",
    "write_results",
]
