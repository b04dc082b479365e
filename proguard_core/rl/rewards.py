"""GRPO rewards in TRL's signature: ``fn(prompts, completions, **columns) -> list[float | None]``.

Scoring follows DESIGN.md §1 (max 3 per sample):

* format gate: output that does not follow the exact format (``parse(...).format_ok``) scores 0;
* request label: +1 when correct (+2 for image-only checks, which have no response label);
* response label: +1 when correct (prompt-only rows expect ``Response:safe``);
* category, only when neither the truth nor the prediction is safe/safe:
  in-taxonomy sample: +1 exact id, +0.5 another provided id, 0 for free text or an unlisted id;
  OOD sample (true category hidden): 0 for any id; a free-text name scores
  ``0.5 + max(0, (max_sim - 0.7) / 0.3 * 0.5, (mean_sim - 0.6) / 0.4 * 0.5)``, where sims are the
  cosine similarities of the name to the true category name and its synonyms.

The completions are parsed with :func:`proguard_core.parser.parse`, the grammar inference uses.
Columns come from :class:`proguard_core.rl.data.RLRow`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from proguard_core.eval.similarity import Embedder, cosine_matrix, minilm_embedder, ood_name_reward
from proguard_core.parser import ParsedOutput, parse
from proguard_core.taxonomy import Taxonomy, default_taxonomy
from proguard_core.types import Modality


def _embedder_default() -> Embedder:
    # The evaluation's MiniLM: the OOD reward and the OOD description score must embed alike.
    return minilm_embedder()


def name_similarities(name: str, references: Sequence[str], embedder: Embedder) -> list[float]:
    """Cosine similarity of a predicted risk name to each reference text (true name, synonyms)."""
    if not references:
        return []
    return [float(x) for x in cosine_matrix(embedder, [name], list(references))[0]]


@dataclass(frozen=True)
class RewardBreakdown:
    """One completion's score: the gated total and its ungated parts (None = not applicable)."""

    format_ok: bool
    request: float
    response: float | None
    category: float | None
    total: float


@dataclass(frozen=True)
class RewardWeights:
    """Points per correct part; DESIGN.md §1 uses 1/1/1 and 2 for an image-only request."""

    request: float = 1.0
    image_request: float = 2.0
    response: float = 1.0
    category: float = 1.0


def completion_text(completion: Any) -> str:
    """Plain text of a TRL completion: a string, or ``[{"role": "assistant", "content": ...}]``."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion:
        content = completion[-1].get("content", "") if isinstance(completion[-1], dict) else ""
        if isinstance(content, list):
            return "".join(
                p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
            )
        return str(content or "")
    return ""


class GuardRewards:
    """Reward functions bound to one taxonomy and embedder; each method has TRL's signature."""

    def __init__(
        self,
        taxonomy: Taxonomy | None = None,
        embedder: Embedder | None = None,
        weights: RewardWeights | None = None,
    ) -> None:
        self.taxonomy = taxonomy or default_taxonomy()
        self._embedder = embedder
        self.weights = weights or RewardWeights()
        self._subsets: dict[tuple[str, ...], Taxonomy] = {}

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = _embedder_default()
        return self._embedder

    def _provided(self, ids: Sequence[str] | None) -> Taxonomy:
        if not ids:
            return self.taxonomy
        key = tuple(ids)
        if key not in self._subsets:
            self._subsets[key] = self.taxonomy.subset(key)
        return self._subsets[key]

    # one completion ---------------------------------------------------------------------------

    def score(
        self,
        text: str,
        *,
        request_label: str,
        response_label: str | None = None,
        category_id: str | None = None,
        category_name: str | None = None,
        category_synonyms: Sequence[str] = (),
        modality: str = Modality.TEXT.value,
        provided_ids: Sequence[str] | None = None,
        ood: bool = False,
    ) -> RewardBreakdown:
        mode = Modality(modality)
        provided = self._provided(provided_ids)
        parsed = parse(text, modality=mode, provided=provided, taxonomy=self.taxonomy)
        image_only = mode is Modality.IMAGE
        request = (self.weights.image_request if image_only else self.weights.request) * float(
            parsed.request == request_label
        )
        response: float | None = None
        if not image_only:
            # Prompt-only checks are told to answer the (empty) response as safe.
            expected = response_label or "safe"
            response = self.weights.response * float(parsed.response == expected)
        truth_unsafe = "unsafe" in (request_label, response_label)
        category: float | None = None
        if truth_unsafe and parsed.is_unsafe:
            category = self.weights.category * self._category(
                parsed, category_id, category_name, category_synonyms, ood
            )
        total = request + (response or 0.0) + (category or 0.0) if parsed.format_ok else 0.0
        return RewardBreakdown(parsed.format_ok, request, response, category, total)

    def _category(
        self,
        parsed: ParsedOutput,
        category_id: str | None,
        category_name: str | None,
        synonyms: Sequence[str],
        ood: bool,
    ) -> float:
        if not parsed.categories:
            return 0.0
        # The answer format names one category; the first one is what inference reports.
        predicted = parsed.categories[0]
        if ood:
            if predicted.id is not None or predicted.in_taxonomy:
                return 0.0
            references = list(dict.fromkeys(r for r in (category_name, *synonyms) if r))
            return ood_name_reward(name_similarities(predicted.name, references, self.embedder))
        if predicted.id is None or not predicted.provided:
            return 0.0
        return 1.0 if predicted.id == category_id else 0.5

    def _rows(self, completions: Sequence[Any], kwargs: dict[str, Any]) -> list[RewardBreakdown]:
        n = len(completions)

        def column(name: str, default: Any) -> list[Any]:
            values = kwargs.get(name)
            return list(values) if values is not None else [default] * n

        request = column("request_label", None)
        if any(r is None for r in request):
            raise ValueError("reward needs a request_label column (see proguard_core.rl.data.RLRow)")
        response, cat_id, cat_name = (
            column("response_label", None),
            column("category_id", None),
            column("category_name", None),
        )
        synonyms, modality = column("category_synonyms", ()), column("modality", Modality.TEXT.value)
        provided, ood = column("provided_ids", None), column("ood", False)
        return [
            self.score(
                completion_text(completions[i]),
                request_label=request[i],
                response_label=response[i],
                category_id=cat_id[i],
                category_name=cat_name[i],
                category_synonyms=synonyms[i] or (),
                modality=modality[i],
                provided_ids=provided[i],
                ood=bool(ood[i]),
            )
            for i in range(n)
        ]

    # TRL reward functions ---------------------------------------------------------------------

    def total_reward(
        self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any
    ) -> list[float | None]:
        """The training reward: gated sum of the parts, in [0, 3]."""
        return [r.total for r in self._rows(completions, kwargs)]

    def format_reward(
        self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any
    ) -> list[float | None]:
        """1 when the output follows the exact answer format, else 0."""
        return [float(r.format_ok) for r in self._rows(completions, kwargs)]

    def request_reward(
        self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any
    ) -> list[float | None]:
        """Request-label points (ungated), for logging."""
        return [r.request for r in self._rows(completions, kwargs)]

    def response_reward(
        self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any
    ) -> list[float | None]:
        """Response-label points (ungated); None for image-only rows."""
        return [r.response for r in self._rows(completions, kwargs)]

    def category_reward(
        self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any
    ) -> list[float | None]:
        """Category points (ungated); None where DESIGN.md has no category term."""
        return [r.category for r in self._rows(completions, kwargs)]

    def format_shaping_reward(
        self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any
    ) -> list[float | None]:
        """Partial credit in [0, 1] for the pieces of the answer format (1 when ``format_ok``).

        Not part of DESIGN.md's reward: an optional training aid for small models that never
        produce the exact format at first, when every group scores 0 and GRPO has no signal.
        """
        modality = kwargs.get("modality") or [Modality.TEXT.value] * len(completions)
        return [
            format_progress(completion_text(c), Modality(m) is not Modality.IMAGE)
            for c, m in zip(completions, modality, strict=True)
        ]

    def reward_functions(self) -> list[Any]:
        """[total, format, request, response, category]: train on the first, log the rest (weight 0)."""
        return [
            self.total_reward,
            self.format_reward,
            self.request_reward,
            self.response_reward,
            self.category_reward,
        ]


# Pieces of the format, each found anywhere (a small model meets them one at a time), plus the
# anchors that the exact format needs: nothing before <think>, nothing after </answer>.
_SHAPING_STEPS: tuple[tuple[float, str], ...] = (
    (0.1, r"<think>"),
    (0.1, r"\A\s*<think>"),
    (0.1, r"<think>.*</think>"),
    (0.1, r"<answer>"),
    (0.15, r"(?m)^Request:(safe|unsafe)$"),
    (0.15, r"(?m)^Response:(safe|unsafe)$"),
    (0.1, r"(?m)^Category:\S"),
    (0.1, r"</answer>"),
    (0.1, r"</answer>\s*\Z"),
)


def format_progress(text: str, response_expected: bool = True) -> float:
    """How much of the exact format a completion has, from 0 to 1 (see ``format_shaping_reward``)."""
    if parse(text, modality=Modality.TEXT if response_expected else Modality.IMAGE).format_ok:
        return 1.0
    steps = [s for s in _SHAPING_STEPS if response_expected or "Response" not in s[1]]
    earned = sum(weight for weight, pattern in steps if re.search(pattern, text, re.DOTALL))
    # Below 1 whatever the pieces, so exact format always beats a near miss.
    return round(0.9 * earned / sum(weight for weight, _ in steps), 4)


@lru_cache(maxsize=1)
def _default_rewards() -> GuardRewards:
    return GuardRewards()


def score_completion(text: str, **columns: Any) -> RewardBreakdown:
    """Score one completion against one row's columns with the default taxonomy and embedder."""
    return _default_rewards().score(text, **columns)


def total_reward(prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
    """TRL reward with the default taxonomy and the shipped MiniLM embedder."""
    return _default_rewards().total_reward(prompts, completions, **kwargs)


def format_reward(prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
    return _default_rewards().format_reward(prompts, completions, **kwargs)


def request_reward(prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
    return _default_rewards().request_reward(prompts, completions, **kwargs)


def response_reward(prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
    return _default_rewards().response_reward(prompts, completions, **kwargs)


def category_reward(prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
    return _default_rewards().category_reward(prompts, completions, **kwargs)


__all__ = [
    "GuardRewards",
    "RewardBreakdown",
    "RewardWeights",
    "category_reward",
    "completion_text",
    "format_progress",
    "format_reward",
    "name_similarities",
    "request_reward",
    "response_reward",
    "score_completion",
    "total_reward",
]
