"""``ProGuardNodePostprocessor``: screens retrieved text and image nodes before the LLM reads them.

    query_engine = index.as_query_engine(node_postprocessors=[ProGuardNodePostprocessor(guard)])

``mode="drop"`` removes unsafe nodes; ``mode="flag"`` keeps them and records the decision in
``node.metadata["proguard"]`` (``safe``, ``summary``, ``categories``), a key hidden from the
LLM and the embedder so the flag itself does not change what they read. All nodes of one
retrieval are checked in one batch.
"""

from __future__ import annotations

from typing import Any, Literal

from llama_index.core.bridge.pydantic import Field
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import NodeWithScore, QueryBundle

from proguard_core import GuardInput, Verdict
from proguard_integrations._shared import VERDICT_KEY, resolve_guard, violated_categories
from proguard_integrations.llamaindex import _convert
from proguard_integrations.llamaindex.instrumentation import emit


class ProGuardNodePostprocessor(BaseNodePostprocessor):
    """Drops or flags unsafe retrieved nodes (text and images)."""

    guard: Any = Field(default=None, exclude=True, description="a proguard_core.Guard; None: the default")
    mode: Literal["drop", "flag"] = "drop"
    categories: list[str] | None = None

    @classmethod
    def class_name(cls) -> str:
        return "ProGuardNodePostprocessor"

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        items = [_convert.node_input(n.node) for n in nodes]
        todo = [i for i, item in enumerate(items) if item is not None]
        checked: list[GuardInput] = [item for item in items if item is not None]
        verdicts = resolve_guard(self.guard).check_batch(checked, categories=self.categories)
        return self._apply(nodes, dict(zip(todo, verdicts, strict=True)))

    async def _apostprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        items = [_convert.node_input(n.node) for n in nodes]
        todo = [i for i, item in enumerate(items) if item is not None]
        checked: list[GuardInput] = [item for item in items if item is not None]
        verdicts = await resolve_guard(self.guard).acheck_batch(checked, categories=self.categories)
        return self._apply(nodes, dict(zip(todo, verdicts, strict=True)))

    def _apply(self, nodes: list[NodeWithScore], verdicts: dict[int, Verdict]) -> list[NodeWithScore]:
        kept: list[NodeWithScore] = []
        for i, scored in enumerate(nodes):
            verdict = verdicts.get(i)
            if verdict is None:  # nothing to check (empty node)
                kept.append(scored)
                continue
            if self.mode == "flag":
                self._flag(scored, verdict)
                kept.append(scored)
                emit("postprocessor", "retrieval", "flagged" if verdict.unsafe else "allowed", verdict)
            elif verdict.unsafe:
                emit("postprocessor", "retrieval", "dropped", verdict)
            else:
                kept.append(scored)
                emit("postprocessor", "retrieval", "allowed", verdict)
        return kept

    @staticmethod
    def _flag(scored: NodeWithScore, verdict: Verdict) -> None:
        node = scored.node
        node.metadata[VERDICT_KEY] = {
            "safe": verdict.safe,
            "summary": verdict.summary(),
            "categories": violated_categories(verdict),
        }
        for keys in (node.excluded_llm_metadata_keys, node.excluded_embed_metadata_keys):
            if VERDICT_KEY not in keys:
                keys.append(VERDICT_KEY)


__all__ = ["ProGuardNodePostprocessor"]
