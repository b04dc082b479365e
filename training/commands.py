"""The ``proguard`` subcommands this package adds; pyproject.toml registers them."""

from __future__ import annotations

from collections.abc import Sequence

from proguard_core.cli import Command


def _train(argv: Sequence[str]) -> int:
    from training.train_grpo import main

    return main(argv)


TRAIN = Command("train a guard with GRPO (TRL)", _train)
