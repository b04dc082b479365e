"""ProGuard verdicts in the shape of OpenAI's moderation API (``omni-moderation``).

OpenAI's categories are coarser than ProGuard's and do not cover all of them. The table below
maps each ProGuard id onto zero or more OpenAI keys; a child key also sets its parent
(``sexual/minors`` sets ``sexual``). ``flagged`` is always the guard's decision, so content can be
flagged while every OpenAI category is false: copyright, misinformation, private data,
environmental hazards, risks named outside the taxonomy and custom categories have no OpenAI key.
The ``proguard`` field of each result says what was found.

| ProGuard | OpenAI keys |
|---|---|
| C1 Copyright (S1-S3) | none |
| C2S1 False and Fabricated Information | none |
| C2S2 Private Data Leakage | none |
| C3S1 Fraud and Scams | illicit |
| C3S2 Psychological Manipulation and Inducement | harassment |
| C3S3 Sexual Suggestive Content | sexual |
| C4S1 System Intrusion, C4S2 Malicious Software | illicit |
| C5 Living Environment Hazards (S1, S2) | none |
| C6S1 Financial Fraud, C6S2 Illegal Trade | illicit |
| C7S1 Hate Speech and Discrimination | hate |
| C7S2 Extremism and Terrorism | illicit/violent, violence |
| C7S3 Horrific Content | violence/graphic |
| C8S1 Weapons, C8S2 Biological, Chemical, and Radioactive Materials | illicit/violent |
| C8S3 Illegal Drugs and Narcotics | illicit |
| C9S1 Self-Harm and Suicide | self-harm |
| C9S2 Animal Abuse | violence |
| C9S3 Violent and Property Crime | violence, illicit/violent |
| C10 Blood-Related Disturbing Content (S1-S3) | violence/graphic |
| C11S1 Inappropriate Exposure of Minors | sexual/minors |
| C11S2 Exposure of Sexual Organs | sexual |

Text-image checks answer with category ids (``C8``); those use the category row: C3 illicit,
C4 illicit, C6 illicit, C7 hate and violence, C8 illicit/violent, C9 violence, C10
violence/graphic, C11 sexual; C1, C2, C5 none.

Scores: a key's score is the highest verdict score (``Verdict.scores`` or a category's ``score``)
among the ProGuard ids mapped to it; without scores it is 1.0 when the key is flagged, else 0.0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from proguard_core import Verdict

OPENAI_CATEGORIES: tuple[str, ...] = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)

_SUB: dict[str, tuple[str, ...]] = {
    "C3S1": ("illicit",),
    "C3S2": ("harassment",),
    "C3S3": ("sexual",),
    "C4S1": ("illicit",),
    "C4S2": ("illicit",),
    "C6S1": ("illicit",),
    "C6S2": ("illicit",),
    "C7S1": ("hate",),
    "C7S2": ("illicit/violent", "violence"),
    "C7S3": ("violence/graphic",),
    "C8S1": ("illicit/violent",),
    "C8S2": ("illicit/violent",),
    "C8S3": ("illicit",),
    "C9S1": ("self-harm",),
    "C9S2": ("violence",),
    "C9S3": ("violence", "illicit/violent"),
    "C10S1": ("violence/graphic",),
    "C10S2": ("violence/graphic",),
    "C10S3": ("violence/graphic",),
    "C11S1": ("sexual/minors",),
    "C11S2": ("sexual",),
}
_TOP: dict[str, tuple[str, ...]] = {
    "C3": ("illicit",),
    "C4": ("illicit",),
    "C6": ("illicit",),
    "C7": ("hate", "violence"),
    "C8": ("illicit/violent",),
    "C9": ("violence",),
    "C10": ("violence/graphic",),
    "C11": ("sexual",),
}
CATEGORY_MAP: Mapping[str, tuple[str, ...]] = {**_TOP, **_SUB}


def openai_keys(category_id: str | None) -> tuple[str, ...]:
    """OpenAI keys for one ProGuard id, parents included (``C11S1`` -> sexual/minors, sexual)."""
    if category_id is None:
        return ()
    keys: list[str] = []
    for key in CATEGORY_MAP.get(category_id, ()):
        keys.append(key)
        parent = key.partition("/")[0]
        if parent != key:
            keys.append(parent)
    return tuple(dict.fromkeys(keys))


def moderation_result(verdict: Verdict, input_types: Iterable[str] = ("text",)) -> dict[str, Any]:
    """One entry of ``results`` for a verdict; ``input_types`` are "text" and/or "image"."""
    flagged_keys = {key for c in verdict.categories if not verdict.safe for key in openai_keys(c.id)}
    id_scores: dict[str, float] = dict(verdict.scores)
    for c in verdict.categories:
        if c.id is not None and c.score is not None:
            id_scores[c.id] = max(c.score, id_scores.get(c.id, c.score))
    key_scores: dict[str, float] = {}
    for category_id, score in id_scores.items():
        for key in openai_keys(category_id):
            key_scores[key] = max(score, key_scores.get(key, 0.0))
    types = sorted(set(input_types))
    categories = {key: key in flagged_keys for key in OPENAI_CATEGORIES}
    scores = {
        key: float(key_scores.get(key, 1.0 if key in flagged_keys else 0.0)) for key in OPENAI_CATEGORIES
    }
    return {
        "flagged": not verdict.safe,
        "categories": categories,
        "category_scores": scores,
        "category_applied_input_types": {key: types for key in OPENAI_CATEGORIES},
        "proguard": proguard_fields(verdict),
    }


def proguard_fields(verdict: Verdict) -> dict[str, Any]:
    """What OpenAI's schema has no place for: taxonomy ids, the out-of-taxonomy name, labels."""
    ood = next((c.name for c in verdict.categories if not c.in_taxonomy), None)
    return {
        "safe": verdict.safe,
        "request": verdict.request,
        "response": verdict.response,
        "categories": [c.id for c in verdict.categories if c.id is not None],
        "category_names": [c.name for c in verdict.categories],
        "out_of_taxonomy": ood,
        "summary": verdict.summary(),
        "explanation": verdict.reasoning,
        "policy": verdict.policy,
        "parse_error": verdict.parse_error,
        "error": verdict.error,
        "modality": verdict.modality.value,
        "parts": verdict.parts,
    }


def empty_result() -> dict[str, Any]:
    """OpenAI answers an empty string with an unflagged result; so do we, without a guard call."""
    return {
        "flagged": False,
        "categories": {key: False for key in OPENAI_CATEGORIES},
        "category_scores": {key: 0.0 for key in OPENAI_CATEGORIES},
        "category_applied_input_types": {key: [] for key in OPENAI_CATEGORIES},
        "proguard": {
            "safe": True,
            "request": None,
            "response": None,
            "categories": [],
            "category_names": [],
            "out_of_taxonomy": None,
            "summary": "nothing to check",
            "explanation": "",
            "policy": None,
            "parse_error": False,
            "error": None,
            "modality": "text",
            "parts": 0,
        },
    }


__all__ = [
    "CATEGORY_MAP",
    "OPENAI_CATEGORIES",
    "empty_result",
    "moderation_result",
    "openai_keys",
    "proguard_fields",
]
