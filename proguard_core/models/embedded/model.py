"""EmbeddedGuard: the default guard that runs on a laptop CPU with nothing to download.

MiniLM (onnxruntime, ``encoder.py``) with its top two layers re-trained, and three small heads on
the embeddings they give: request safety, response safety of a (request, reply) pair, and the
taxonomy subcategory. A text is judged in windows of up to 128 word pieces and its most unsafe
window decides, so an unsafe tail of a long text is not averaged away. A reply is judged against
the end of its request, and on its own content: training paired harmful replies with harmless
requests too, so an injected reply is unsafe whatever was asked.

Images get an NSFW score and OCR (``image_reading.py``); the OCR text goes through the request
head alone and combined with the prompt, which catches typographic attacks.

Text the encoder can hardly read (another script, mostly code; ``reading.py``) is judged with a
stricter threshold by default: see ``EmbeddedGuard(unreadable=...)``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

from proguard_core.errors import InputError
from proguard_core.models.base import ModelRequest
from proguard_core.models.embedded.encoder import FloatArray, MiniLMEncoder, Windows
from proguard_core.models.embedded.heads import WEIGHTS_PATH, Heads, pair_features, sigmoid, softmax
from proguard_core.models.embedded.image_reading import NSFW_THRESHOLD, ImageReader, ImageReading
from proguard_core.models.embedded.reading import reading
from proguard_core.taxonomy import Category, Taxonomy
from proguard_core.types import CategoryVerdict, GuardInput, Label, Modality, Timings, Verdict

# What the guard does with a window it can hardly read: judge it with the heads file's stricter
# threshold (default), flag it as undecidable (fail closed), or never flag it (fail open).
Unreadable = Literal["judge", "block", "allow"]
# Below this the category head is unsure enough that no listed subcategory is claimed.
MIN_CATEGORY_PROB = 0.2
# Cosine similarity a user-defined category description needs to be chosen zero-shot.
CUSTOM_CATEGORY_MIN_SIM = 0.45


def _logit(p: np.ndarray | float) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q))


@dataclass
class TextScore:
    """One text's verdict: its deciding window (the one furthest above, or least below, the
    threshold that applies to it), that window's probability, threshold and embedding."""

    prob: float
    threshold: float
    emb: FloatArray
    windows: int = 1
    # Why the deciding window counts as unreadable (``reading.Reading.reason``), None when readable.
    unreadable: str | None = None
    blocked_unreadable: bool = False

    @property
    def flagged(self) -> bool:
        return self.blocked_unreadable or self.prob >= self.threshold


@dataclass
class WindowScores:
    """A head's probability for every window of some texts, with each window's embedding and, for
    a window the guard can hardly read, why (``reading.Reading.reason``; None when readable)."""

    windows: Windows
    prob: np.ndarray
    emb: FloatArray
    texts: Sequence[str]
    unreadable: list[str | None] = field(init=False)

    def __post_init__(self) -> None:
        self.unreadable = []
        for owner, (start, end) in zip(self.windows.owner, self.windows.spans, strict=True):
            read = reading(self.texts[owner][start:end])
            self.unreadable.append(None if read.readable else read.reason)

    def thresholds(self, threshold: float, unreadable_threshold: float, rule: Unreadable) -> np.ndarray:
        """The threshold each window is held to: ``threshold``, or for an unreadable window the
        stricter one (``judge``), none it can pass (``allow``) or zero (``block``)."""
        limits = np.full(len(self.prob), threshold, dtype=np.float64)
        strict = {"judge": max(threshold, unreadable_threshold), "allow": np.inf, "block": 0.0}[rule]
        limits[[i for i, reason in enumerate(self.unreadable) if reason is not None]] = strict
        return limits


class EmbeddedGuard:
    """MiniLM with re-trained top layers and small heads, plus OCR/NSFW for images. Thread-safe."""

    name = "embedded-minilm-v2"
    # About 8 windows of English; the Guard splits longer inputs into overlapping parts.
    max_text_chars: int | None = 4000

    def __init__(
        self,
        *,
        weights: str | Path | None = None,
        heads: Heads | None = None,
        ocr: bool = True,
        nsfw: bool = True,
        threads: int = 0,
        unreadable: Unreadable = "judge",
    ) -> None:
        """``weights``: a heads file ``python -m training.embedded.train`` wrote (default: the shipped
        one); ``heads``: one already loaded. ``threads``: cores one model call may use (0: all).
        ``unreadable``: see :data:`Unreadable`."""
        if not isinstance(threads, int) or isinstance(threads, bool) or threads < 0:
            raise InputError(f"threads must be a non-negative integer, got {threads!r}")
        if heads is not None and weights is not None:
            raise InputError("pass heads= or weights=, not both")
        if weights is not None and not isinstance(weights, str | Path):
            raise InputError(f"weights must be a path to a heads file, got {type(weights).__name__}")
        if unreadable not in get_args(Unreadable):
            raise InputError(
                f"unreadable must be one of {', '.join(get_args(Unreadable))}, got {unreadable!r}"
            )
        self.heads = heads or Heads.load(Path(weights) if weights is not None else WEIGHTS_PATH)
        self.encoder = MiniLMEncoder(self.heads.layers, threads=threads)
        self.unreadable: Unreadable = unreadable
        self.images = ImageReader(ocr=ocr, nsfw=nsfw)
        self._custom_emb: dict[str, FloatArray] = {}

    @classmethod
    def load(cls, **options: Any) -> EmbeddedGuard:
        return cls(**options)

    # --- text scoring --------------------------------------------------------------------------------

    def request_windows(self, texts: Sequence[str]) -> WindowScores:
        """The request head's probability for every window of every text."""
        windows = self.encoder.windows(texts)
        emb = self.encoder.embed(windows.ids)
        return WindowScores(windows, sigmoid(self.heads.request(emb)[:, 0]).astype(np.float64), emb, texts)

    def reply_windows(self, prompts: Sequence[str], replies: Sequence[str]) -> WindowScores:
        """The response head's probability for every window of every reply, each paired with the
        last window of its request (which may be empty)."""
        asked = self.encoder.windows(prompts)
        last = {owner: i for i, owner in enumerate(asked.owner)}
        prompt_emb = self.encoder.embed([asked.ids[last[i]] for i in range(len(prompts))])
        windows = self.encoder.windows(replies)
        emb = self.encoder.embed(windows.ids)
        features = pair_features(prompt_emb[np.asarray(windows.owner)], emb)
        return WindowScores(
            windows, sigmoid(self.heads.response(features)[:, 0]).astype(np.float64), emb, replies
        )

    def decide(self, scored: WindowScores, threshold: float) -> list[TextScore]:
        """Each text's deciding window under ``threshold`` and this guard's unreadable rule."""
        limits = scored.thresholds(threshold, self.heads.unreadable_threshold, self.unreadable)
        margin = _logit(scored.prob) - _logit(np.minimum(limits, 1.0))
        margin[np.isinf(limits)] = -np.inf
        owner = np.asarray(scored.windows.owner)
        out = []
        for i in range(len(scored.texts)):
            rows = np.flatnonzero(owner == i)
            best = int(rows[np.argmax(margin[rows])])
            reason = scored.unreadable[best]
            limit = float(limits[best]) if np.isfinite(limits[best]) else 1.0
            blocked = self.unreadable == "block" and reason is not None
            out.append(
                TextScore(float(scored.prob[best]), limit, scored.emb[best], len(rows), reason, blocked)
            )
        return out

    def score_requests(self, texts: Sequence[str]) -> list[TextScore]:
        """How unsafe each text is as a request or statement (its most unsafe window decides)."""
        return self.decide(self.request_windows(texts), self.heads.request_threshold) if texts else []

    def score_replies(self, prompts: Sequence[str], replies: Sequence[str]) -> list[TextScore]:
        """How unsafe each reply is, judged against the end of its request (which may be empty)."""
        if not replies:
            return []
        return self.decide(self.reply_windows(prompts, replies), self.heads.response_threshold)

    # --- categories ----------------------------------------------------------------------------------

    def _custom_embedding(self, cat: Category) -> FloatArray:
        if cat.id not in self._custom_emb:
            text = "; ".join([cat.name, cat.description, *cat.synonyms])
            self._custom_emb[cat.id] = self.encoder.embed_texts([text])[0]
        return self._custom_emb[cat.id]

    def categorize(self, emb: FloatArray, provided: Taxonomy, top_level: bool) -> CategoryVerdict:
        """Best category among those provided, or an out-of-taxonomy name when none fits."""
        probs = softmax(self.heads.category(emb[None, :]))[0]
        subs = self.heads.subcategories
        best = int(np.argmax(probs))
        best_id, best_p = subs[best], float(probs[best])
        # User-defined categories the head never saw are matched zero-shot on their description.
        known = {s.split("S")[0] for s in subs}
        custom = [c for c in provided if c.id not in subs and c.id.split("S")[0] not in known]
        if custom:
            sim, cat = max(((float(self._custom_embedding(c) @ emb), c) for c in custom), key=lambda t: t[0])
            if sim >= CUSTOM_CATEGORY_MIN_SIM:
                return CategoryVerdict(id=cat.id, name=cat.name, in_taxonomy=True, score=round(sim, 4))
        parent = best_id.split("S")[0]
        if best_p >= MIN_CATEGORY_PROB:
            wanted = parent if top_level else best_id
            childless_parent = not top_level and best_id not in provided and parent in provided
            if wanted in provided or (childless_parent and not provided.children(parent)):
                found = provided.get(wanted if wanted in provided else parent)
                return CategoryVerdict(id=found.id, name=found.name, in_taxonomy=True, score=round(best_p, 4))
        return CategoryVerdict(
            id=None, name=self.risk_name(emb, provided), in_taxonomy=False, score=round(best_p, 4)
        )

    def risk_name(self, emb: FloatArray, provided: Taxonomy) -> str:
        """Closest name in the open risk vocabulary that does not restate a provided category."""
        sims = self.heads.risk_name_emb @ emb
        for idx in np.argsort(-sims):
            sub = self.heads.risk_name_subcategory[int(idx)]
            if not sub or (sub not in provided and sub.split("S")[0] not in provided):
                return self.heads.risk_names[int(idx)]
        return "unspecified risk"

    # --- GuardModel protocol -------------------------------------------------------------------------

    def predict(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        from proguard_core.images import decode

        started = time.perf_counter()
        images = [self.images.read(decode(r.input.images[0])) if r.input.images else None for r in requests]
        # Every text the request head must see, batched across requests for speed.
        texts: list[str] = []
        owners: list[tuple[int, str]] = []
        prompts: list[str] = []
        replies: list[str] = []
        reply_owner: list[int] = []
        for i, (req, image) in enumerate(zip(requests, images, strict=True)):
            prompt = (req.input.prompt or "").strip()
            response = (req.input.response or "").strip()
            ocr = image.ocr_text if image else ""
            if prompt:
                texts.append(prompt)
                owners.append((i, "prompt"))
            if ocr:
                texts.append(ocr)
                owners.append((i, "image text"))
                if prompt:
                    # Harmless question + harmful image text (or the reverse) only shows together.
                    texts.append(f"{prompt} {ocr}")
                    owners.append((i, "prompt + image text"))
            if response:
                prompts.append(" ".join(x for x in (prompt, ocr) if x))
                replies.append(response)
                reply_owner.append(i)
        per_request: dict[int, list[tuple[str, TextScore]]] = {}
        for (i, what), score in zip(owners, self.score_requests(texts), strict=True):
            per_request.setdefault(i, []).append((what, score))
        per_reply = dict(zip(reply_owner, self.score_replies(prompts, replies), strict=True))
        model_ms = (time.perf_counter() - started) * 1000 / max(1, len(requests))
        return [
            self._verdict(req, image, per_request.get(i, []), per_reply.get(i), model_ms)
            for i, (req, image) in enumerate(zip(requests, images, strict=True))
        ]

    async def apredict(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        return await asyncio.to_thread(self.predict, requests)

    def _verdict(
        self,
        req: ModelRequest,
        image: ImageReading | None,
        texts: list[tuple[str, TextScore]],
        reply: TextScore | None,
        model_ms: float,
    ) -> Verdict:
        inp: GuardInput = req.input
        scores: dict[str, float] = {}
        notes: list[str] = []
        worst = max(texts, key=lambda t: _logit(t[1].prob) - _logit(min(t[1].threshold, 1.0)), default=None)
        for what, score in texts:
            scores[f"request:{what}"] = round(score.prob, 4)
        if worst is not None:
            notes.append(_describe("request", worst[1], f" on the {worst[0]}"))
        nsfw_unsafe = False
        if image is not None:
            scores["nsfw"] = round(image.nsfw, 4)
            nsfw_unsafe = image.nsfw >= NSFW_THRESHOLD
            notes.append(f"NSFW score {image.nsfw:.2f} (threshold {NSFW_THRESHOLD:.2f})")
            notes.append(
                f"image text: {image.ocr_text[:200]!r}" if image.ocr_text else "no text found in the image"
            )
            notes += image.errors
        if reply is not None:
            scores["response"] = round(reply.prob, 4)
            notes.append(_describe("response", reply, ""))
        request_flagged = worst is not None and worst[1].flagged
        request_label: Label | None = None
        if worst is not None or image is not None:
            request_label = "unsafe" if (request_flagged or nsfw_unsafe) else "safe"
        response_label: Label | None = None if reply is None else ("unsafe" if reply.flagged else "safe")
        unsafe = "unsafe" in (request_label, response_label)
        deciding = [s for s in ((worst[1] if worst else None), reply) if s is not None and s.flagged]
        blocked = [s for s in deciding if s.blocked_unreadable]
        policy = (
            "fail_closed:unreadable"
            if deciding and len(blocked) == len(deciding) and not nsfw_unsafe
            else None
        )
        categories: tuple[CategoryVerdict, ...] = ()
        if unsafe and policy is None:
            top_level = inp.modality is Modality.TEXT_IMAGE
            judged = [s for s in deciding if not s.blocked_unreadable]
            if judged:
                cat = self.categorize(max(judged, key=lambda s: s.prob).emb, req.provided, top_level)
            else:
                cat = _nsfw_category(req.provided, image.nsfw if image else 0.0, top_level)
            categories = (cat,)
            scores["category"] = cat.score or 0.0
            notes.append(
                f"category {cat.id} {cat.name}"
                if cat.in_taxonomy
                else f"no provided category fits; new risk named {cat.name!r}"
            )
        return Verdict(
            safe=not unsafe,
            request=request_label,
            response=response_label,
            categories=categories,
            reasoning="; ".join(notes),
            policy=policy,
            scores=scores,
            modality=inp.modality,
            model=self.name,
            timings=Timings(model_ms=round(model_ms, 3), total_ms=round(model_ms, 3)),
        )


def _describe(stage: str, score: TextScore, where: str) -> str:
    text = f"{stage} score {score.prob:.2f}{where} (threshold {score.threshold:.2f}"
    if score.windows > 1:
        text += f", most unsafe of {score.windows} windows"
    text += ")"
    if score.unreadable:
        text += f"; that text is {score.unreadable}, which the guard reads poorly"
        if score.blocked_unreadable:
            text += ", so it is flagged as undecidable (unreadable='block')"
    return text


def _nsfw_category(provided: Taxonomy, score: float, top_level: bool) -> CategoryVerdict:
    wanted = "C11" if top_level else "C11S2"
    for cid in (wanted, "C11"):
        if cid in provided:
            found = provided.get(cid)
            return CategoryVerdict(id=found.id, name=found.name, in_taxonomy=True, score=round(score, 4))
    return CategoryVerdict(id=None, name="explicit nudity", in_taxonomy=False, score=round(score, 4))


__all__ = ["EmbeddedGuard", "TextScore", "Unreadable", "WindowScores"]
