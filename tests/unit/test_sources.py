"""The benchmark sources on the real shared data (skipped when the data folder is not beside the repo),
and the one label table they share."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from proguard_core import default_taxonomy
from proguard_core.sources import (
    DEV_POOL,
    EVAL_POOL,
    LABELS,
    SOURCES,
    TRAIN_POOL,
    DataFileError,
    data_dir,
    expand_names,
    load,
    subsample,
)
from proguard_core.sources.table import lookup, reported_category

DATA = Path(
    os.environ.get("PROGUARD_BENCHMARKS", Path(__file__).resolve().parents[3] / "shared" / "benchmarks")
)
needs_data = pytest.mark.skipif(not (DATA / "README.md").exists(), reason="shared benchmark data not present")


@needs_data
def test_xstest_has_250_safe_and_200_unsafe_prompts():
    rows = load("xstest", DATA)
    assert len(rows) == 450
    assert Counter(r.label for r in rows) == {"safe": 250, "unsafe": 200}
    assert all(r.stage == "request" and r.prompt and r.response is None for r in rows)
    assert {r.source for r in rows if r.unsafe} == {
        t for t in {r.source for r in rows} if t.startswith("contrast_")
    }


@needs_data
def test_xstest_responses_are_unsafe_only_when_an_unsafe_prompt_was_answered():
    # completion ids are "<model>/<prompt id>"; one prompt was reworded between versions, so join on ids
    prompts = {r.id.rsplit("/", 1)[1]: r.label for r in load("xstest", DATA)}
    rows = load("xstest_response", DATA)
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
    rows = load("jailbreakbench_responses", DATA)
    # 1803 records less 163 empty PAIR attempts and the 3-record test fixture
    assert len(rows) == 1637
    assert sum(r.unsafe for r in rows) == 937
    assert all(r.stage == "response" and r.prompt and r.response for r in rows)
    assert all(r.category is None and not r.candidates for r in rows if not r.unsafe)
    # a jailbroken reply's candidates are its behaviour's, from the same table entry
    hacking = [r for r in rows if r.unsafe and r.source_category == "Malware/Hacking"]
    assert hacking and {r.category for r in hacking} == {"C4"}


@needs_data
def test_figstep_has_both_variants_with_existing_images():
    with_text = load("figstep", DATA, limit=5)
    alone = load("figstep_image", DATA, limit=5)
    assert all(r.image is not None and r.image.is_file() for r in with_text + alone)
    assert all(r.prompt for r in with_text) and all(r.prompt is None for r in alone)
    assert len(load("figstep_image", DATA)) == 500


@needs_data
def test_vlguard_is_text_only():
    rows = load("vlguard", DATA)
    assert len(rows) == 2 * 558
    assert all(r.image is None for r in rows)
    assert Counter(r.label for r in rows) == {"safe": 558, "unsafe": 558}


@needs_data
@pytest.mark.parametrize("name", list(SOURCES))
def test_every_source_loads_valid_rows(name):
    taxonomy = default_taxonomy()
    rows = load(name, DATA, limit=25)
    assert 0 < len(rows) <= 25
    assert len({r.id for r in rows}) == len(rows)
    expected_splits = {"eval": {"eval"}, "dev": {"dev"}, "train": {"train", "heldout"}}[SOURCES[name].pool]
    for row in rows:
        assert row.benchmark == name
        assert row.label in ("safe", "unsafe")
        assert (row.prompt or "").strip() or (row.response or "").strip() or row.image
        assert row.category is None or (row.category in taxonomy and row.unsafe)
        assert all(c in taxonomy for c in row.candidates)
        assert row.unsafe or not row.candidates
        assert row.split in expected_splits
        assert row.guard_input()


@needs_data
def test_sizes_of_single_label_sets():
    assert len(load("harmbench", DATA)) == 400
    assert len(load("advbench", DATA)) == 520
    assert len(load("strongreject", DATA)) == 313
    assert len(load("mt_bench", DATA)) == 160
    assert {r.label for r in load("alpaca_benign", DATA, limit=200)} == {"safe"}
    assert {r.label for r in load("arena_hard", DATA)} == {"safe"} and len(load("arena_hard", DATA)) == 1250
    assert Counter(r.label for r in load("oktest", DATA)) == {"safe": 300}


@needs_data
def test_real_labelled_sets_match_their_source_cards():
    toxicchat = Counter(r.label for r in load("toxicchat", DATA))
    assert toxicchat == {"safe": 2360, "unsafe": 353}
    convabuse = load("convabuse", DATA, split="train")
    # SOURCE.md: "train 2,501 rows, 337 abusive by majority"; ambiguous turns are not labelled
    assert sum(r.unsafe for r in convabuse) == 337
    diasafety = Counter(r.label for r in load("diasafety", DATA, split="train"))
    assert diasafety == {"safe": 4839, "unsafe": 4178}
    dna = load("do_not_answer_responses", DATA)
    assert len(dna) == 5634 and sum(r.unsafe for r in dna) == 193
    davidson = Counter(r.source_category for r in load("davidson_hate", DATA))
    # the 19,190 merely offensive tweets are neither safe nor unsafe examples
    assert davidson == {"hate": 1430, "neither": 4163}


@needs_data
def test_held_out_parts_are_stable_and_disjoint():
    for name in (
        "arena_hard",
        "convabuse",
        "diasafety",
        "do_not_answer_responses",
        "dices",
        "jailbreak_llms",
    ):
        rows = load(name, DATA)
        held = {r.id for r in rows if r.split == "heldout"}
        assert held and len(held) < len(rows)
        assert held == {r.id for r in load(name, DATA, split="heldout")}
    # a question's six replies stay on one side, so no held-out reply shares its question with training
    dna = load("do_not_answer_responses", DATA)
    sides = {}
    for row in dna:
        sides.setdefault(row.prompt, set()).add(row.split)
    assert all(len(s) == 1 for s in sides.values())


def test_missing_data_dir_names_the_path(tmp_path):
    with pytest.raises(DataFileError, match="--data-dir"):
        load("xstest", tmp_path)


def test_the_data_directory_is_read_at_call_time(monkeypatch, tmp_path):
    monkeypatch.setenv("PROGUARD_BENCHMARKS", str(tmp_path))
    assert data_dir() == tmp_path
    monkeypatch.delenv("PROGUARD_BENCHMARKS")
    assert data_dir() == Path("..") / "shared" / "benchmarks"
    assert data_dir(tmp_path / "x") == tmp_path / "x"


def test_pools_split_every_source():
    assert set(EVAL_POOL).isdisjoint(TRAIN_POOL) and set(DEV_POOL).isdisjoint(
        set(EVAL_POOL) | set(TRAIN_POOL)
    )
    assert set(EVAL_POOL) | set(DEV_POOL) | set(TRAIN_POOL) == set(SOURCES)
    assert {"xstest", "harmbench", "figstep", "jailbreakbench_responses"} <= set(EVAL_POOL)
    assert set(DEV_POOL) == {"toxicchat", "oktest"}
    assert {"advbench", "toxigen", "alpaca_benign", "diasafety", "arena_hard", "convabuse"} <= set(TRAIN_POOL)


def test_the_table_points_at_real_ids_and_every_source_has_an_entry():
    taxonomy = default_taxonomy()
    for entry in LABELS.values():
        for target in entry.values():
            assert all(c in taxonomy for c in target.candidates)
    tables = {"figstep_image": "figstep", "jailbreakbench_behaviors": "jailbreakbench"}
    assert {tables.get(name, name) for name in SOURCES} <= set(LABELS)


def test_one_source_label_means_one_thing():
    # StrongREJECT's broad area admits several ids; no single one is scored as the truth
    goods = lookup("strongreject", "Illegal goods and services")
    assert goods.label == "unsafe" and goods.candidates[0] == "C6S2" and len(goods.candidates) > 1
    assert reported_category(goods.candidates) is None
    # all candidates inside one category report that category; one candidate reports itself
    assert reported_category(lookup("jailbreakbench", "Malware/Hacking").candidates) == "C4"
    assert reported_category(("C2S2",)) == "C2S2"
    assert lookup("do_not_answer", "S003goods_drugs", prefix=True).candidates == ("C6S2", "C8S3", "C8S1")
    assert lookup("davidson_hate", "offensive").label is None
    with pytest.raises(KeyError):
        lookup("xstest", "maybe")


def test_expand_names():
    assert expand_names(["eval"]) == list(EVAL_POOL)
    assert expand_names(["xstest", "eval", " "]) == list(EVAL_POOL)
    assert expand_names(["dev"]) == ["toxicchat", "oktest"]
    with pytest.raises(DataFileError, match="unknown benchmark"):
        expand_names(["xtest"])


def test_subsample_is_seeded_and_keeps_order():
    rows = list(range(100))
    first = subsample(rows, 10)  # type: ignore[arg-type]
    assert first == subsample(rows, 10)  # type: ignore[arg-type]
    assert first == sorted(first) and len(first) == 10
    assert subsample(rows, 500) == rows  # type: ignore[arg-type]
