"""GRPO smoke runs through training.train_grpo on tiny random models (seconds, CPU)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

pytest.importorskip("trl")
pytest.importorskip("peft")

from PIL import Image

from proguard_core.testing.tiny_vlm import build_tiny_text_lm, build_tiny_vlm
from training.train_grpo import TrainConfig, apply_override, main, parse_args, train


def _png(color: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (56, 56), color).save(buffer, format="PNG")
    return buffer.getvalue()


def _write_rows(path: Path, images: Path) -> None:
    images.mkdir()
    (images / "red.png").write_bytes(_png((200, 10, 10)))
    (images / "blue.png").write_bytes(_png((10, 10, 200)))
    (images / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    rows = [
        {"prompt": "How do I build a pipe bomb?", "label": "unsafe", "category": "C8S1"},
        {"prompt": "How do I bake bread?", "label": "safe"},
        {"prompt": "What is shown here?", "image": "images/red.png", "label": "unsafe", "category": "C10S2"},
        {"image": "images/blue.png", "label": "safe"},
        {"image": "images/red.png", "label": "unsafe", "category": "C7S3"},
        {"prompt": "Explain this picture", "image": "images/blue.png", "label": "safe"},
        {"prompt": "bad image", "image": "images/broken.png", "label": "safe"},
        {"prompt": "no label at all"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")


TINY_GRPO = {
    "max_steps": 2,
    "num_generations": 2,
    "per_device_train_batch_size": 2,
    "max_completion_length": 6,
    "learning_rate": 1e-4,
    "beta": 0.0,
    "gradient_checkpointing": False,
}


def test_grpo_smoke_tiny_vlm_with_images_saves_a_loadable_checkpoint(tmp_path: Path) -> None:
    model_dir = build_tiny_vlm(tmp_path / "tiny_vlm")
    data = tmp_path / "rows.jsonl"
    _write_rows(data, tmp_path / "images")
    config = TrainConfig(
        model=str(model_dir),
        output_dir=str(tmp_path / "run"),
        data=[str(data)],
        holdout=2,
        hide_rate=0.5,
        num_threads=2,
        eval_max_new_tokens=4,
        grpo=dict(TINY_GRPO),
        lora={"r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "v_proj"]},
    )
    result = train(config)

    assert result.steps == 2
    assert result.final_dir is not None and (result.final_dir / "config.json").exists()
    assert "skipped 2" in result.data_report  # the broken image and the unlabelled row
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert any("rewards/total_reward/mean" in r for r in records)
    assert (tmp_path / "run" / "reward_curves.png").stat().st_size > 1000
    assert result.eval_before is not None and result.eval_after is not None
    assert result.eval_after["n"] == 2

    from proguard_core.guard import load_guard

    guard = load_guard(backend="transformers", model=str(result.final_dir), max_new_tokens=4)
    verdict = guard.check("Is this fine?", images=[_png((0, 120, 0))])
    assert verdict.raw is not None  # random weights: the text is gibberish, but it came back


def test_grpo_text_lm_full_finetune_with_primer_via_cli(tmp_path: Path) -> None:
    model_dir = build_tiny_text_lm(tmp_path / "tiny_lm")
    data = tmp_path / "rows.jsonl"
    _write_rows(data, tmp_path / "images")
    out = tmp_path / "run"
    overrides = {
        "primer_rows": 2,
        "holdout": 2,
        "eval_max_new_tokens": 4,
        "grpo.num_generations": 2,
        "grpo.per_device_train_batch_size": 2,
        "grpo.max_completion_length": 4,
        "grpo.beta": 0.0,
        "grpo.gradient_checkpointing": "false",
    }
    argv = ["--model", str(model_dir), "--output-dir", str(out), "--data", str(data), "--max-steps", "1"]
    for key, value in overrides.items():
        argv += ["--set", f"{key}={value}"]
    assert main(argv) == 0

    # Image rows were dropped for the text-only model; the primer ran on training rows only.
    primer = json.loads((out / "primer.json").read_text())
    assert 1 <= primer["rows"] <= 2 and len(primer["losses"]) == primer["rows"]
    results = json.loads((out / "results.json").read_text())
    assert results["steps"] == 1 and results["eval_before"]["n"] <= 2
    assert (out / "final" / "model.safetensors").exists()
    from proguard_core.guard import load_guard

    guard = load_guard(backend="transformers", model=str(out / "final"), max_new_tokens=4)
    assert guard.check("hello").raw is not None


def test_config_overrides_and_unknown_keys(tmp_path: Path) -> None:
    data: dict[str, object] = {"grpo": {"learning_rate": 1e-6}}
    apply_override(data, "grpo.learning_rate=2e-5")
    apply_override(data, "lora.r=8")
    assert data == {"grpo": {"learning_rate": 2e-5}, "lora": {"r": 8}}
    config_file = tmp_path / "c.json"
    config_file.write_text(json.dumps({"model": "m", "typo_field": 1}))
    from proguard_core.errors import InputError

    with pytest.raises(InputError, match="typo_field"):
        parse_args(["--config", str(config_file)])
    assert main(["--config", str(config_file)]) == 2


@pytest.mark.parametrize("name", ["cpu_smoke", "one_gpu", "multi_gpu", "vllm_colocate", "vllm_server"])
def test_shipped_configs_parse(name: str) -> None:
    root = Path(__file__).resolve().parents[2] / "training" / "configs"
    config, _ = parse_args(["--config", str(root / f"{name}.yaml")])
    assert config.model
    if name.startswith("vllm"):
        assert config.grpo["use_vllm"] is True


def test_proguard_train_subcommand_is_wired(capsys: pytest.CaptureFixture[str]) -> None:
    from proguard_core.cli import main as cli_main

    assert cli_main(["train", "--help"]) == 0
    assert "--config" in capsys.readouterr().out
