"""Fine-tune MiniLM's top transformer layer(s) (plus a small head) for request safety.

A head on frozen mean-pooled MiniLM embeddings cannot separate "kill a Python process" from
"kill my neighbour" well: the sentence embedding is trained for topic similarity. Re-training only
the top layer or two (the encoder's ``top_layers``) lets token-level intent reach the pooled vector,
while the layers below stay frozen, so their outputs are computed once and cached, and training
takes minutes on a CPU. The shipped model keeps MiniLM's own top layers for the category and
response heads (their semantic space), and runs this tuned copy beside them on the same trunk.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from proguard_core.models.embedded.encoder import Layer, MiniLMEncoder
from proguard_core.models.embedded.heads import layer_arrays


def collect_states(
    encoder: MiniLMEncoder, texts: list[str], max_tokens: int = 128, show_progress: bool = True
) -> list[np.ndarray]:
    """Token states entering the encoder's top layers, per text (first ``max_tokens`` word pieces)."""
    from tqdm import tqdm

    ids = [
        [*seq[: max_tokens - 1], seq[-1]] if len(seq) > max_tokens else seq
        for seq in encoder.token_ids(texts)
    ]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    out: list[np.ndarray] = [np.zeros(0)] * len(ids)
    starts = range(0, len(order), 64)
    for start in tqdm(
        starts, desc="trunk states", unit="batch", disable=not show_progress, dynamic_ncols=True
    ):
        chunk = order[start : start + 64]
        x, mask = encoder.hidden_before_top([ids[i] for i in chunk])
        for row, i in enumerate(chunk):
            out[i] = x[row, : int(mask[row].sum())].astype(np.float16)
    return out


def clipped_texts(encoder: MiniLMEncoder, texts: list[str], max_tokens: int = 128) -> list[str]:
    """Each text up to the end of the last word piece ``collect_states`` keeps for it: what a second
    reader should read so that both views cover the same characters."""
    out = []
    for text, encoding in zip(texts, encoder.tokenizer.encode_batch(texts), strict=True):
        # [CLS] and the first max_tokens - 2 pieces are kept, then [SEP].
        out.append(text if len(encoding.ids) <= max_tokens else text[: encoding.offsets[max_tokens - 2][1]])
    return out


_LAYER_PARAMS = tuple(field.name for field in dataclasses.fields(Layer))


class TrainableLayer(nn.Module):
    """One MiniLM transformer layer as torch parameters, starting from the shipped weights."""

    # Registered by name in __init__; declared so type checkers see tensors, not Module | Tensor.
    qkv_w: nn.Parameter
    qkv_b: nn.Parameter
    out_w: nn.Parameter
    out_b: nn.Parameter
    ln1_w: nn.Parameter
    ln1_b: nn.Parameter
    up_w: nn.Parameter
    up_b: nn.Parameter
    down_w: nn.Parameter
    down_b: nn.Parameter
    ln2_w: nn.Parameter
    ln2_b: nn.Parameter

    def __init__(self, layer: Layer, heads: int = 12) -> None:
        super().__init__()
        self.heads = heads
        for name in _LAYER_PARAMS:
            self.register_parameter(
                name, nn.Parameter(torch.from_numpy(np.array(getattr(layer, name), dtype=np.float32)))
            )

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        n, length, d = x.shape
        hd = d // self.heads
        qkv = (x @ self.qkv_w + self.qkv_b).view(n, length, 3, self.heads, hd)
        q, k, v = (qkv[:, :, i].transpose(1, 2) for i in range(3))
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd) + ((1 - mask) * -1e9)[:, None, None, :]
        ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(n, length, d)
        h = nn.functional.layer_norm(ctx @ self.out_w + self.out_b + x, (d,), self.ln1_w, self.ln1_b, 1e-12)
        ff = nn.functional.gelu(h @ self.up_w + self.up_b) @ self.down_w + self.down_b
        return nn.functional.layer_norm(ff + h, (d,), self.ln2_w, self.ln2_b, 1e-12)


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Token states (batch, tokens, width) averaged over the real, unpadded tokens of each row."""
    return (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)


class TunedTop(nn.Module):
    """MiniLM's top layers, re-trained together with a request-safety head on their pooled output."""

    trunk_mean: torch.Tensor  # buffers, present when the head reads the trunk
    trunk_std: torch.Tensor

    def __init__(
        self,
        layers: Sequence[Layer],
        hidden: int = 256,
        trunk_scale: tuple[np.ndarray, np.ndarray] | None = None,
        second_width: int = 0,
    ) -> None:
        super().__init__()
        self.layers = nn.ModuleList(TrainableLayer(layer) for layer in layers)
        # With ``trunk_scale`` the head also reads the trunk's averaged token states, standardized
        # (``encoder.standardized_trunk_mean`` at run time).
        self.reads_trunk = trunk_scale is not None
        if trunk_scale is not None:
            self.register_buffer("trunk_mean", torch.from_numpy(trunk_scale[0].astype(np.float32)))
            self.register_buffer("trunk_std", torch.from_numpy(trunk_scale[1].astype(np.float32)))
        # With ``second_width`` it also reads a second reader's view of each text, given to
        # ``forward`` as ``second_reader.head_view`` makes it (the guard uses the same function).
        self.second_width = second_width
        width = 384 * (2 if self.reads_trunk else 1) + second_width
        self.head = nn.Sequential(
            nn.Dropout(0.1), nn.Linear(width, hidden), nn.GELU(), nn.Dropout(0.1), nn.Linear(hidden, 1)
        )

    def pooled(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x, mask)
        return nn.functional.normalize(masked_mean(x, mask), dim=1)

    def request_input(
        self, x: torch.Tensor, mask: torch.Tensor, second: torch.Tensor | None = None
    ) -> torch.Tensor:
        """What the head reads: the pooled output of the top layers, then the trunk's view and the
        second reader's, if it reads them."""
        parts = [self.pooled(x, mask)]
        if self.reads_trunk:
            parts.append((masked_mean(x, mask) - self.trunk_mean) / self.trunk_std)
        if self.second_width:
            if second is None:
                raise ValueError("this head reads a second reader's view; none was given")
            parts.append(second)
        return torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor, second: torch.Tensor | None = None
    ) -> torch.Tensor:
        return self.head(self.request_input(x, mask, second))[:, 0]

    def export(self, prefix: str, base: Sequence[Layer] | None = None) -> dict[str, np.ndarray]:
        """Arrays in the heads file's format (``Heads.load`` reads them back); with ``base``, MiniLM's
        own layers these started from, the layers are stored as differences from them."""
        layers = [
            Layer(**{name: getattr(layer, name).detach().numpy() for name in _LAYER_PARAMS})
            for layer in self.layers
        ]
        out = layer_arrays(prefix, layers, base)
        lin1, lin2 = self.head[1], self.head[4]
        assert isinstance(lin1, nn.Linear) and isinstance(lin2, nn.Linear)
        out[f"{prefix}.w1"] = lin1.weight.detach().numpy().T.astype(np.float16)
        out[f"{prefix}.b1"] = lin1.bias.detach().numpy().astype(np.float32)
        out[f"{prefix}.w2"] = lin2.weight.detach().numpy().T.astype(np.float16)
        out[f"{prefix}.b2"] = lin2.bias.detach().numpy().astype(np.float32)
        if self.reads_trunk:
            out[f"{prefix}.trunk_mean"] = self.trunk_mean.numpy().astype(np.float32)
            out[f"{prefix}.trunk_std"] = self.trunk_std.numpy().astype(np.float32)
        return out


def weighted_step(opt: torch.optim.Optimizer, losses: torch.Tensor, weights: torch.Tensor) -> None:
    """One optimiser step on the weighted mean of per-example losses."""
    loss = (losses * weights).sum() / weights.sum()
    opt.zero_grad()
    loss.backward()
    opt.step()


def _batch(
    states: list[np.ndarray], idx: list[int], second: np.ndarray | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    length = max(len(states[i]) for i in idx)
    x = np.zeros((len(idx), length, 384), dtype=np.float32)
    mask = np.zeros((len(idx), length), dtype=np.float32)
    for row, i in enumerate(idx):
        x[row, : len(states[i])] = states[i]
        mask[row, : len(states[i])] = 1
    rows = None if second is None else torch.from_numpy(second[idx].astype(np.float32))
    return torch.from_numpy(x), torch.from_numpy(mask), rows


def train_tuned(
    encoder: MiniLMEncoder,
    states: list[np.ndarray],
    y: np.ndarray,
    w: np.ndarray,
    *,
    epochs: int = 3,
    seed: int = 0,
    soup: int = 1,
    show_progress: bool = True,
    trunk_scale: tuple[np.ndarray, np.ndarray] | None = None,
    second: np.ndarray | None = None,
) -> TunedTop:
    """Fine-tune the top layers and head; with ``soup`` > 1, average the weights of that many runs.

    The runs share the starting point (MiniLM's layers and one head initialisation) and differ in
    batch order and dropout, so they stay close enough for their weights to be averaged (a uniform
    "model soup", arXiv 2203.05482). One run's verdicts move a lot from seed to seed; the average
    costs training time only, not inference time. ``second``: a second reader's view
    (``second_reader.head_view``), one row per state, which the head then reads too.
    """
    from tqdm import tqdm

    steps_per_epoch = -(-len(states) // 32)
    with tqdm(
        total=soup * epochs * steps_per_epoch,
        desc=f"fine-tuning {len(encoder.top_layers)} layer(s) x {soup} runs",
        unit="batch",
        disable=not show_progress,
        dynamic_ncols=True,
    ) as bar:
        runs = [
            _train_once(
                encoder,
                states,
                y,
                w,
                epochs=epochs,
                init_seed=seed,
                order_seed=seed + 1000 * k,
                on_batch=bar.update,
                trunk_scale=trunk_scale,
                second=second,
            )
            for k in range(soup)
        ]
    with torch.no_grad():
        for same_param in zip(*(run.parameters() for run in runs), strict=True):
            same_param[0].copy_(torch.stack(same_param).mean(0))
    return runs[0]


def _train_once(
    encoder: MiniLMEncoder,
    states: list[np.ndarray],
    y: np.ndarray,
    w: np.ndarray,
    *,
    epochs: int,
    init_seed: int,
    order_seed: int,
    on_batch: Callable[[], object] = lambda: None,
    trunk_scale: tuple[np.ndarray, np.ndarray] | None = None,
    second: np.ndarray | None = None,
) -> TunedTop:
    torch.manual_seed(init_seed)
    second_width = 0 if second is None else second.shape[1]
    model = TunedTop(encoder.top_layers, trunk_scale=trunk_scale, second_width=second_width)
    if order_seed != init_seed:  # the first run keeps one stream for init and dropout, as before soups
        torch.manual_seed(order_seed)
    rng = np.random.default_rng(order_seed)
    layer_params = [p for n, p in model.named_parameters() if not n.startswith("head.")]
    opt = torch.optim.AdamW(
        [{"params": layer_params, "lr": 4e-5}, {"params": model.head.parameters(), "lr": 1e-3}],
        weight_decay=1e-2,
    )
    yt, wt = torch.from_numpy(y.astype(np.float32)), torch.from_numpy(w.astype(np.float32))
    lengths = np.array([len(s) for s in states])
    for _ in range(epochs):
        model.train()
        # Length buckets keep padding low; shuffling inside and across buckets keeps SGD honest.
        order = np.argsort(lengths + rng.uniform(0, 6, len(lengths)))
        batches = [order[i : i + 32].tolist() for i in range(0, len(order), 32)]
        rng.shuffle(batches)
        for idx in batches:
            x, mask, rows = _batch(states, idx, second)
            loss = nn.functional.binary_cross_entropy_with_logits(
                model(x, mask, rows), yt[idx], reduction="none"
            )
            weighted_step(opt, loss, wt[idx])
            on_batch()
    model.eval()
    return model


def trunk_scale(states: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation, over texts, of each text's averaged trunk token states."""
    return feature_scale(np.stack([state.astype(np.float32).mean(0) for state in states]))


def feature_scale(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each column over the rows (of the training split)."""
    rows = rows.astype(np.float32)
    return rows.mean(0), rows.std(0) + 1e-6


def predict_tuned(model: TunedTop, states: list[np.ndarray], second: np.ndarray | None = None) -> np.ndarray:
    out = np.zeros(len(states), dtype=np.float32)
    order = np.argsort([len(s) for s in states])
    with torch.no_grad():
        for start in range(0, len(order), 64):
            idx = order[start : start + 64].tolist()
            x, mask, rows = _batch(states, idx, second)
            out[idx] = torch.sigmoid(model(x, mask, rows)).numpy()
    return out
