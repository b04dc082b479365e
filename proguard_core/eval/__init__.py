"""Benchmark evaluation: loaders, metrics, the runner and reports behind ``proguard eval``.

Importing this package loads no model, plotting or embedding library; those load on first use.

    from proguard_core.eval import EVAL_POOL, load_benchmark, evaluate
    from proguard_core.eval.similarity import ood_name_reward, ood_description_score
"""

from proguard_core.eval.loaders import (
    BENCHMARKS,
    EVAL_POOL,
    TRAIN_POOL,
    EvalDataError,
    EvalRow,
    load_benchmark,
    load_file,
)
from proguard_core.eval.metrics import BenchmarkScores, Confusion, OODScores, weighted_average
from proguard_core.eval.runner import EvalRun, evaluate

__all__ = [
    "BENCHMARKS",
    "EVAL_POOL",
    "TRAIN_POOL",
    "BenchmarkScores",
    "Confusion",
    "EvalDataError",
    "EvalRow",
    "EvalRun",
    "OODScores",
    "evaluate",
    "load_benchmark",
    "load_file",
    "weighted_average",
]
