"""Fine-tune MiniLM's top two layers with the request and response heads on top.

A head on frozen MiniLM sentence embeddings cannot tell "kill a Python process" from "kill my
neighbour": the embedding is trained for topic similarity. Re-training the top two layers lets
intent reach the pooled vector. The four layers below stay frozen, so their token states are
computed once (``states.py``) and every epoch runs two layers, forwards and backwards.

The layers are re-trained with both safety heads: the request head reads a text's embedding, the
response head a (request, reply) pair's. Request and reply batches alternate, so each step moves
the shared layers for both tasks; the request side of a pair is read without gradients (a
forward pass only). The category head is fitted afterwards on the embeddings the layers give. A
long text is judged in windows at run time and the most unsafe window decides, so training does
the same: a text's score is its highest window score (multiple-instance learning), and a
harmless long text teaches that none of its windows is unsafe.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from proguard_core.models.embedded.encoder import Layer
from proguard_core.models.embedded.heads import layer_arrays

States = list[np.ndarray]  # one (tokens, 384) float16 array per window
_LAYER_FIELDS = tuple(field.name for field in dataclasses.fields(Layer))


class TrainableLayer(nn.Module):
    """One MiniLM transformer layer as torch parameters, starting from the shipped weights; the same
    arithmetic as ``onnx_graph.transformer_layer``."""

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
        for name in _LAYER_FIELDS:
            value = torch.from_numpy(np.array(getattr(layer, name), dtype=np.float32))
            self.register_parameter(name, nn.Parameter(value))

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


def _mlp(width: int, hidden: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Dropout(0.1), nn.Linear(width, hidden), nn.GELU(), nn.Dropout(0.1), nn.Linear(hidden, 1)
    )


def pair_input(prompt: torch.Tensor, reply: torch.Tensor) -> torch.Tensor:
    """The response head's input; ``heads.pair_features`` is the same at run time."""
    return torch.cat([prompt, reply, prompt * reply, (prompt - reply).abs()], dim=1)


class TunedTop(nn.Module):
    def __init__(self, layers: Sequence[Layer], hidden: int = 256) -> None:
        super().__init__()
        self.layers = nn.ModuleList(TrainableLayer(layer) for layer in layers)
        self.request_head = _mlp(384, hidden)
        self.response_head = _mlp(4 * 384, hidden)

    def embed(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x, mask)
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
        return nn.functional.normalize(pooled, dim=1)

    def tuned_layers(self) -> list[Layer]:
        return [
            Layer(**{name: getattr(layer, name).detach().numpy() for name in _LAYER_FIELDS})
            for layer in self.layers
        ]

    def export(self, base: Sequence[Layer]) -> dict[str, np.ndarray]:
        """Arrays in the heads file's format: the layers as int8 differences from ``base``, MiniLM's
        own top layers, and both safety heads."""
        return {
            **layer_arrays("request", self.tuned_layers(), base),
            **head_arrays("request", self.request_head),
            **head_arrays("response", self.response_head),
        }


def head_arrays(prefix: str, head: nn.Sequential) -> dict[str, np.ndarray]:
    """An MLP head (``_mlp``'s shape) as the heads file stores it (``heads.MLPHead``)."""
    first, last = head[1], head[4]
    assert isinstance(first, nn.Linear) and isinstance(last, nn.Linear)
    return {
        f"{prefix}.w1": first.weight.detach().numpy().T.astype(np.float16),
        f"{prefix}.b1": first.bias.detach().numpy().astype(np.float32),
        f"{prefix}.w2": last.weight.detach().numpy().T.astype(np.float16),
        f"{prefix}.b2": last.bias.detach().numpy().astype(np.float32),
    }


def padded(states: States, rows: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
    length = max(len(states[i]) for i in rows)
    x = np.zeros((len(rows), length, 384), dtype=np.float32)
    mask = np.zeros((len(rows), length), dtype=np.float32)
    for row, i in enumerate(rows):
        x[row, : len(states[i])] = states[i]
        mask[row, : len(states[i])] = 1
    return torch.from_numpy(x), torch.from_numpy(mask)


@dataclasses.dataclass
class Texts:
    """Training texts as windows: ``windows[i]`` are the indices (into ``states``) of text i's
    windows; for replies, ``context[i]`` is the index of the request window reply i answers."""

    states: States
    windows: list[list[int]]
    unsafe: np.ndarray
    weight: np.ndarray
    context: list[int] | None = None

    def __len__(self) -> int:
        return len(self.windows)


def text_logits(model: TunedTop, texts: Texts, batch: Sequence[int]) -> torch.Tensor:
    """Each text's highest window logit (the window that decides at run time)."""
    flat = [w for i in batch for w in texts.windows[i]]
    owner = torch.tensor([k for k, i in enumerate(batch) for _ in texts.windows[i]])
    x, mask = padded(texts.states, flat)
    embedded = model.embed(x, mask)
    if texts.context is None:
        logits = model.request_head(embedded)[:, 0]
    else:
        cx, cmask = padded(texts.states, [texts.context[i] for i in batch])
        with torch.no_grad():
            prompts = model.embed(cx, cmask)
        logits = model.response_head(pair_input(prompts[owner], embedded))[:, 0]
    out = torch.full((len(batch),), -1e9)
    return out.scatter_reduce(0, owner, logits, reduce="amax")


def _batches(texts: Texts, size: int, rng: np.random.Generator) -> list[list[int]]:
    # Similar lengths in a batch keep padding low; the batches themselves are shuffled.
    lengths = np.array([sum(len(texts.states[w]) for w in ws) for ws in texts.windows])
    order = np.argsort(lengths + rng.uniform(0, 8, len(lengths)))
    batches = [order[i : i + size].tolist() for i in range(0, len(order), size)]
    rng.shuffle(batches)
    return batches


def train(
    layers: Sequence[Layer],
    requests: Texts,
    replies: Texts,
    *,
    epochs: int = 2,
    seed: int = 0,
    on_step: Callable[[int], object] = lambda _: None,
) -> TunedTop:
    """Fine-tune the layers and both safety heads."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = TunedTop(layers)
    layer_params = [p for name, p in model.named_parameters() if name.startswith("layers.")]
    head_params = [p for name, p in model.named_parameters() if not name.startswith("layers.")]
    opt = torch.optim.AdamW(
        [{"params": layer_params, "lr": 4e-5}, {"params": head_params, "lr": 1e-3}], weight_decay=1e-2
    )
    for _ in range(epochs):
        model.train()
        plan = [(requests, b) for b in _batches(requests, 32, rng)] + [
            (replies, b) for b in _batches(replies, 32, rng)
        ]
        for step in rng.permutation(len(plan)):
            texts, batch = plan[step]
            target = torch.from_numpy(texts.unsafe[batch].astype(np.float32))
            weight = torch.from_numpy(texts.weight[batch].astype(np.float32))
            loss = nn.functional.binary_cross_entropy_with_logits(
                text_logits(model, texts, batch), target, reduction="none"
            )
            opt.zero_grad()
            ((loss * weight).sum() / weight.sum()).backward()
            opt.step()
            on_step(1)
    model.eval()
    return model


def steps_per_epoch(requests: Texts, replies: Texts) -> int:
    return -(-len(requests) // 32) + -(-len(replies) // 32)


__all__ = [
    "Texts",
    "TunedTop",
    "head_arrays",
    "padded",
    "pair_input",
    "steps_per_epoch",
    "text_logits",
    "train",
]
