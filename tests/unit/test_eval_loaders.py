"""Benchmark loaders on the real shared data (skipped when the data folder is not next to the repo)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from proguard_core import default_taxonomy
from proguard_core.eval.loaders import (
    BENCHMARKS,
    CATEGORY_MAP,
    EVAL_POOL,
    TRAIN_POOL,
    EvalDataError,
    expand_names,
    load_benchmark,
    subsample,
)

DATA = Path(
    os.environ.get("PROGUARD_BENCHMARKS", Path(__file__).resolve().parents[3] / "shared" / "benchmarks")
)
needs_data = pytest.mark.skipif(not (DATA / "README.md").exists(), reason="shared benchmark data not present")


@needs_data
def test_xstest_has_250_safe_and_200_unsafe_prompts():
    rows = load_benchmark("xstest", DATA)
    assert len(rows) == 450
    assert Counter(r.label for r in rows) == {"safe": 250, "unsafe": 200}
    assert all(r.stage == "request" and r.prompt and r.response is None for r in rows)
    assert {r.source for r in rows if r.unsafe} == {
        t for t in {r.source for r in rows} if t.startswith("contrast_")
    }


@needs_data
def test_xstest_responses_are_unsafe_only_when_an_unsafe_prompt_was_answered():
    # completion ids are "<model>/<prompt id>"; one prompt was reworded between versions, so join on ids
    prompts = {r.id.rsplit("/", 1)[1]: r.label for r in load_benchmark("xstest", DATA)}
    rows = load_benchmark("xstest_response", DATA)
    assert len({r.source for r in rows}) == 5
    assert all(r.stage == "response" and r.response for r in rows)
    for row in rows:
        if row.unsafe:
            assert prompts[row.id.rsplit("/", 1)[1]] == "unsafe"
    # answers to unsafe prompts are split: compliance is unsafe, refusals stay safe
    unsafe_prompt_rows = [r for r in rows if prompts[r.id.rsplit("/", 1)[1]] == "unsafe"]
    assert 0 < sum(r.unsafe for r in unsafe_prompt_rows) < len(unsafe_prompt_rows)


@needs_data
def test_jailbreakbench_responses_keep_attacks_with_a_prompt_and_response():
    rows = load_benchmark("jailbreakbench_responses", DATA)
    # 1803 records less 163 empty PAIR attempts and the 3-record test fixture
    assert len(rows) == 1637
    assert sum(r.unsafe for r in rows) == 937
    assert all(r.stage == "response" and r.prompt and r.response for r in rows)
    assert all(r.category is None for r in rows if not r.unsafe)


@needs_data
def test_figstep_has_both_variants_with_existing_images():
    with_text = load_benchmark("figstep", DATA, limit=5)
    alone = load_benchmark("figstep_image", DATA, limit=5)
    assert all(r.image is not None and r.image.is_file() for r in with_text + alone)
    assert all(r.prompt for r in with_text) and all(r.prompt is None for r in alone)
    assert len(load_benchmark("figstep_image", DATA)) == 500


@needs_data
def test_vlguard_is_text_only():
    rows = load_benchmark("vlguard", DATA)
    assert len(rows) == 2 * 558
    assert all(r.image is None for r in rows)
    assert Counter(r.label for r in rows) == {"safe": 558, "unsafe": 558}


@needs_data
@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_every_benchmark_loads_valid_rows(name):
    taxonomy = default_taxonomy()
    rows = load_benchmark(name, DATA, limit=25)
    assert 0 < len(rows) <= 25
    assert len({r.id for r in rows}) == len(rows)
    for row in rows:
        assert row.benchmark == name
        assert row.label in ("safe", "unsafe")
        assert row.prompt or row.response or row.image
        assert row.category is None or (row.category in taxonomy and row.unsafe)
        assert row.guard_input()


@needs_data
def test_sizes_of_single_label_sets():
    assert len(load_benchmark("harmbench", DATA)) == 400
    assert len(load_benchmark("advbench", DATA)) == 520
    assert len(load_benchmark("strongreject", DATA)) == 313
    assert len(load_benchmark("do_not_answer", DATA)) == 939
    assert len(load_benchmark("mt_bench", DATA)) == 160
    assert {r.label for r in load_benchmark("alpaca_benign", DATA, limit=200)} == {"safe"}


def test_missing_data_dir_names_the_path(tmp_path):
    with pytest.raises(EvalDataError, match="--data-dir"):
        load_benchmark("xstest", tmp_path)


def test_pools_split_every_benchmark():
    assert set(EVAL_POOL).isdisjoint(TRAIN_POOL)
    assert set(EVAL_POOL) | set(TRAIN_POOL) == set(BENCHMARKS)
    assert {"xstest", "harmbench", "figstep", "jailbreakbench_responses"} <= set(EVAL_POOL)
    assert {"advbench", "toxigen", "alpaca_benign", "vlguard", "jailbreakbench_behaviors"} <= set(TRAIN_POOL)


def test_category_map_points_at_real_ids():
    taxonomy = default_taxonomy()
    for table in CATEGORY_MAP.values():
        for target in table.values():
            assert target is None or target in taxonomy


def test_expand_names():
    assert expand_names(["eval"]) == list(EVAL_POOL)
    assert expand_names(["xstest", "eval", " "]) == list(EVAL_POOL)
    with pytest.raises(EvalDataError, match="unknown benchmark"):
        expand_names(["xtest"])


def test_subsample_is_seeded_and_keeps_order():
    rows = list(range(100))
    first = subsample(rows, 10)  # type: ignore[arg-type]
    assert first == subsample(rows, 10)  # type: ignore[arg-type]
    assert first == sorted(first) and len(first) == 10
    assert subsample(rows, 500) == rows  # type: ignore[arg-type]
