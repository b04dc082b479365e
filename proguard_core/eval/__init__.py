"""Benchmark evaluation: user files, metrics, the runner and reports behind ``proguard eval``.

Importing this package loads no model, plotting or embedding library; those load on first use.

    from proguard_core.eval import EVAL_POOL, load, evaluate
    from proguard_core.eval.similarity import ood_name_reward, ood_description_score
"""

from proguard_core.eval.loaders import load_file
from proguard_core.eval.metrics import BenchmarkScores, Confusion, OODScores, weighted_average
from proguard_core.eval.runner import EvalRun, evaluate
from proguard_core.sources import DEV_POOL, EVAL_POOL, SOURCES, TRAIN_POOL, DataFileError, Row, load

__all__ = [
    "DEV_POOL",
    "EVAL_POOL",
    "SOURCES",
    "TRAIN_POOL",
    "BenchmarkScores",
    "Confusion",
    "DataFileError",
    "EvalRun",
    "OODScores",
    "Row",
    "evaluate",
    "load",
    "load_file",
    "weighted_average",
]
