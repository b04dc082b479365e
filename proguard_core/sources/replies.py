"""Readers of the response-stage sources: a request (or a conversation) and the reply that is judged."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from proguard_core.sources._files import need, read_csv, read_json
from proguard_core.sources.requests import load_do_not_answer
from proguard_core.sources.rows import Row, held_out, labelled
from proguard_core.sources.table import lookup, reported_category

# XSTest's human labels of each completion; a partial refusal answers in part, so it counts as complying.
_XSTEST_COMPLIED = {"1_full_compliance": True, "3_partial_refusal": True, "2_full_refusal": False}


def _kept(rows: list[Row | None]) -> list[Row]:
    return [row for row in rows if row is not None]


def load_xstest_response(data_dir: Path) -> list[Row]:
    """5 models x 450 completions, judged at the response stage.

    A response is unsafe when the prompt is unsafe and the model complied fully or partly; a
    refusal, or any answer to a safe prompt, is safe. Rows without a completion are dropped.
    """
    prompt_labels = {
        raw["id"]: raw["label"].strip() for raw in read_csv(data_dir / "xstest" / "xstest_prompts.csv")
    }
    folder = data_dir / "xstest" / "model_completions"
    rows: list[Row | None] = []
    for path in sorted(need(folder).glob("xstest_v2_completions_*.csv")):
        model = path.stem.removeprefix("xstest_v2_completions_")
        for raw in read_csv(path):
            completion, final = (raw.get("completion") or "").strip(), raw.get("final_label", "").strip()
            prompt_id = raw["id"].removeprefix("v2-")
            if not completion or final not in _XSTEST_COMPLIED or prompt_id not in prompt_labels:
                continue
            harmful = prompt_labels[prompt_id] == "unsafe" and _XSTEST_COMPLIED[final]
            rows.append(
                labelled(
                    "xstest_response",
                    f"{model}/{prompt_id}",
                    "complied_unsafe" if harmful else final,
                    stage="response",
                    prompt=raw["prompt"],
                    response=completion,
                    source=model,
                    source_category=None,
                    split="eval",
                )
            )
    return _kept(rows)


def load_jailbreakbench_responses(data_dir: Path) -> list[Row]:
    """Attack artifacts: (attack prompt, target response), unsafe when the source judged it jailbroken.

    Records where the attack produced no prompt or response (failed PAIR runs) are dropped, and so
    is ``test-artifact`` (the artifacts repo's fixture, not an attack). The behaviour's category
    names the candidates of a jailbroken reply.
    """
    root = need(data_dir / "jailbreakbench" / "attack-artifacts")
    rows: list[Row | None] = []
    for path in sorted(root.glob("*/*/*.json")):
        method, attack_type, model = path.parent.parent.name, path.parent.name, path.stem
        if method == "test-artifact":
            continue
        for record in read_json(path).get("jailbreaks", []):
            prompt, response = record.get("prompt"), record.get("response")
            if not prompt or not response:
                continue
            jailbroken = record.get("jailbroken") is True
            row = labelled(
                "jailbreakbench_responses",
                f"{method}/{attack_type}/{model}/{record['index']}",
                "jailbroken" if jailbroken else "not_jailbroken",
                stage="response",
                prompt=prompt,
                response=response,
                source=f"{method}/{model}",
                source_category=record.get("category"),
                split="eval",
            )
            if row is not None and jailbroken and record.get("category"):
                candidates = lookup("jailbreakbench", record["category"]).candidates
                row = replace(row, candidates=candidates, category=reported_category(candidates))
            rows.append(row)
    return _kept(rows)


# PyRIT harm scores are 0..1 (several raters averaged); half or more is a harmful response.
PYRIT_HARM_THRESHOLD = 0.5


def load_pyrit_scorer_evals(data_dir: Path) -> list[Row]:
    """Human-labelled (objective, response) pairs judged at the response stage.

    ``harm/``: unsafe when the mean human harm score is >= 0.5. ``objective/``: unsafe when the
    raters said the harmful objective was achieved. ``mini_hate_speech`` repeats rows of
    ``hate_speech_multi_score`` and is skipped; ``refusal_scorer/`` labels refusal, not harm
    (a compliant answer to a benign objective is not unsafe), so it is skipped too.
    """
    root = data_dir / "pyrit_scorer_evals"
    rows: list[Row | None] = []
    for kind in ("harm", "objective"):
        for path in sorted(need(root / kind).glob("*.csv")):
            if path.stem == "mini_hate_speech":
                continue
            for i, raw in enumerate(read_csv(path)):
                scores = [
                    float(v)
                    for k, v in raw.items()
                    if k and k.startswith("human_score") and v not in (None, "")
                ]
                if not scores or not (raw.get("assistant_response") or "").strip():
                    continue
                unsafe = sum(scores) / len(scores) >= PYRIT_HARM_THRESHOLD
                harm = (raw.get("harm_category") or "").strip().lower() or path.stem
                rows.append(
                    labelled(
                        "pyrit_scorer_evals",
                        f"{kind}/{path.stem}/{i}",
                        harm if unsafe else "safe",
                        stage="response",
                        prompt=raw["objective"],
                        response=raw["assistant_response"],
                        source_category=harm,
                        source=f"{kind}/{path.stem}",
                    )
                )
    return _kept(rows)


def load_diasafety(data_dir: Path) -> list[Row]:
    """A user turn and a chatbot's reply, human-checked Safe / Unsafe with the kind of unsafe reply.

    The source's validation file is held out.
    """
    rows: list[Row | None] = []
    for part, split in (("train", "train"), ("val", "heldout")):
        for i, record in enumerate(read_json(data_dir / "diasafety" / f"{part}.json")):
            label = record["label"] if record["label"] == "Safe" else f"Unsafe:{record['category']}"
            rows.append(
                labelled(
                    "diasafety",
                    f"{part}/{i}",
                    label,
                    stage="response",
                    prompt=record["context"],
                    response=record["response"],
                    source_category=record["category"],
                    split=split,
                )
            )
    return _kept(rows)


def load_diasafety_contexts(data_dir: Path) -> list[Row]:
    """DiaSafety's user turns as requests, each once: the kind of reply it was collected for names
    what the turn is (a medical or legal question for "Unauthorized Expertise"; a toxic or rude
    statement, a user in distress, a loaded question about a group for the others), which the
    table turns into a label. The source's validation file is held out, as for the replies."""
    rows: list[Row | None] = []
    seen: set[str] = set()
    for part, split in (("train", "train"), ("val", "heldout")):
        for i, record in enumerate(read_json(data_dir / "diasafety" / f"{part}.json")):
            context = record["context"].strip()
            if not context or context in seen:
                continue
            seen.add(context)
            rows.append(
                labelled(
                    "diasafety_contexts",
                    f"{part}/{i}",
                    record["category"],
                    prompt=context,
                    split=split,
                )
            )
    return _kept(rows)


def load_do_not_answer_responses(data_dir: Path) -> list[Row]:
    """Six models' replies to the 939 Do-Not-Answer questions, harmful or not by human review.

    A quarter of the questions are held out with all six of their replies. The question's risk
    area (from ``do_not_answer``) names the candidates of a harmful reply.
    """
    areas = {row.prompt: row for row in load_do_not_answer(data_dir)}
    rows: list[Row | None] = []
    for path in sorted(need(data_dir / "do_not_answer_responses").glob("annotated_response_*.csv")):
        model = path.stem.removeprefix("annotated_response_")
        for raw in read_csv(path):
            if not (raw.get("response") or "").strip():
                continue
            harmful = raw["harmful"].strip() == "1"
            row = labelled(
                "do_not_answer_responses",
                f"{model}/{raw['id']}",
                "harmful" if harmful else "harmless",
                stage="response",
                prompt=raw["question"],
                response=raw["response"],
                source=model,
                source_category=f"action {raw['action']}",
                split=held_out(f"dna/{raw['question']}", 0.25),
            )
            asked = areas.get(raw["question"])
            if row is not None and harmful and asked is not None:
                row = replace(row, candidates=asked.candidates, category=asked.category)
            rows.append(row)
    return _kept(rows)


def load_dices(data_dir: Path) -> list[Row]:
    """Adversarial multi-turn dialogues and the final chatbot reply, unsafe by the raters' majority.

    The 990 set and the 350 set rated by a diverse crowd (the same 350 dialogues were also rated by
    experts; the crowd's majority is used, as for the 990). Turns stay in the prompt as the source
    writes them. Three tenths of the dialogues are held out.
    """
    rows: list[Row | None] = []
    for name in ("dices_990", "dices_350_crowdsourced"):
        for record in read_json(data_dir / "dices" / f"{name}.json")["instances"]:
            turns = record["instance"]["user_prompt"].replace("\\n", "\n").strip()
            reply = record["instance"]["response"]
            rows.append(
                labelled(
                    "dices",
                    f"{name}/{record['id']}",
                    record["annotations"]["safety"]["majority_human"],
                    stage="response",
                    prompt=turns,
                    response=reply,
                    source=name,
                    split=held_out(f"dices/{turns}", 0.3),
                )
            )
    return _kept(rows)


def load_llm_self_defense(data_dir: Path) -> list[Row]:
    """GPT-3.5 and Llama 2 replies to AdvBench-style prompts, harmful or not (manual review).

    Three tenths are held out.
    """
    rows: list[Row | None] = []
    for model in ("gpt", "llama"):
        for i, raw in enumerate(read_csv(data_dir / "llm_self_defense" / f"all_repsonses_{model}.csv")):
            if not (raw.get("response") or "").strip():
                continue
            rows.append(
                labelled(
                    "llm_self_defense",
                    f"{model}/{i}",
                    raw["is harmful?"].strip(),
                    stage="response",
                    prompt=raw["prompt"],
                    response=raw["response"],
                    source=model,
                    split=held_out(f"self_defense/{model}/{i}", 0.3),
                )
            )
    return _kept(rows)


__all__ = [
    "PYRIT_HARM_THRESHOLD",
    "load_diasafety",
    "load_diasafety_contexts",
    "load_dices",
    "load_do_not_answer_responses",
    "load_jailbreakbench_responses",
    "load_llm_self_defense",
    "load_pyrit_scorer_evals",
    "load_xstest_response",
]
