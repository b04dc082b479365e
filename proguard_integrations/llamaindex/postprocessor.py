"""``ProGuardNodePostprocessor``: screens retrieved text and image nodes before the LLM reads them.

    query_engine = index.as_query_engine(node_postprocessors=[ProGuardNodePostprocessor(guard)])

``mode`` uses the words of every ProGuard adapter:

* ``"drop"`` (default): unsafe nodes are left out, the rest reach the LLM;
* ``"annotate"``: every node is kept and gets the decision in ``node.metadata["proguard"]``
  (``safe``, ``summary``, ``categories``), a key hidden from the LLM and the embedder so the
  annotation itself does not change what they read;
* ``"block"``: an unsafe node raises :class:`proguard_core.GuardViolation`, so the query fails.

``mode="flag"`` (the earlier name of ``"annotate"``) still works, with a DeprecationWarning. All
nodes of one retrieval are checked in one batch.
"""

from __future__ import annotations

from typing import Any, Literal

from llama_index.core.bridge.pydantic import Field
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import NodeWithScore, QueryBundle

from proguard_core import GuardInput, GuardViolation, Verdict
from proguard_integrations._shared import VERDICT_KEY, resolve_guard, resolve_mode, violated_categories
from proguard_integrations.llamaindex._convert import node_input
from proguard_integrations.llamaindex.instrumentation import emit

PostprocessorMode = Literal["drop", "annotate", "block"]


class ProGuardNodePostprocessor(BaseNodePostprocessor):
    """Drops or flags unsafe retrieved nodes (text and images)."""

    guard: Any = Field(default=None, exclude=True, description="a proguard_core.Guard; None: the default")
    mode: PostprocessorMode = "drop"
    categories: list[str] | None = None

    def __init__(self, guard: Any = None, *, mode: str = "drop", **kwargs: Any) -> None:
        mode = resolve_mode("ProGuardNodePostprocessor", mode, ("drop", "annotate", "block"))
        super().__init__(guard=guard, mode=mode, **kwargs)  # type: ignore[call-arg]

    @classmethod
    def class_name(cls) -> str:
        return "ProGuardNodePostprocessor"

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        items = [node_input(n.node) for n in nodes]
        todo = [i for i, item in enumerate(items) if item is not None]
        checked: list[GuardInput] = [item for item in items if item is not None]
        verdicts = resolve_guard(self.guard).check_batch(checked, categories=self.categories)
        return self._apply(nodes, dict(zip(todo, verdicts, strict=True)))

    async def _apostprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        items = [node_input(n.node) for n in nodes]
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
            if self.mode == "annotate":
                self._annotate(scored, verdict)
                kept.append(scored)
                emit("postprocessor", "retrieval", "annotated", verdict)
            elif verdict.unsafe and self.mode == "block":
                emit("postprocessor", "retrieval", "blocked", verdict)
                raise GuardViolation(verdict, f"ProGuard blocked a retrieved node: {verdict.summary()}")
            elif verdict.unsafe:
                emit("postprocessor", "retrieval", "dropped", verdict)
            else:
                kept.append(scored)
                emit("postprocessor", "retrieval", "allowed", verdict)
        return kept

    @staticmethod
    def _annotate(scored: NodeWithScore, verdict: Verdict) -> None:
        node = scored.node
        node.metadata[VERDICT_KEY] = {
            "safe": verdict.safe,
            "summary": verdict.summary(),
            "categories": violated_categories(verdict),
        }
        for keys in (node.excluded_llm_metadata_keys, node.excluded_embed_metadata_keys):
            if VERDICT_KEY not in keys:
                keys.append(VERDICT_KEY)


__all__ = ["PostprocessorMode", "ProGuardNodePostprocessor"]
