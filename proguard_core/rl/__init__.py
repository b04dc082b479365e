"""RL data and rewards for training ProGuard guards with GRPO (TRL).

``data`` turns benchmark files and user files into typed :class:`~proguard_core.rl.data.GuardSample`
rows, hides true categories to simulate out-of-taxonomy risks, and renders TRL prompts through
:func:`proguard_core.prompts.build_messages`. ``rewards`` scores completions with the same parser
as inference. Neither module imports torch or TRL at import time.
"""

from __future__ import annotations

from proguard_core.rl.data import (
    BuildReport,
    GuardSample,
    HidingConfig,
    balance_modalities,
    load_samples,
    load_training_pool,
    to_trl_rows,
)
from proguard_core.rl.rewards import (
    RewardWeights,
    category_reward,
    format_reward,
    request_reward,
    response_reward,
    score_completion,
    total_reward,
)

__all__ = [
    "BuildReport",
    "GuardSample",
    "HidingConfig",
    "RewardWeights",
    "balance_modalities",
    "category_reward",
    "format_reward",
    "load_samples",
    "load_training_pool",
    "request_reward",
    "response_reward",
    "score_completion",
    "to_trl_rows",
    "total_reward",
]
