"""LlamaIndex adapters on real LlamaIndex objects: MockLLM, an in-memory VectorStoreIndex."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("llama_index.core")

from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.core.base.llms.types import (
    ChatMessage,
    CompletionResponse,
    CompletionResponseGen,
    ImageBlock,
    LLMMetadata,
    MessageRole,
    TextBlock,
)
from llama_index.core.callbacks import CallbackManager
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.llms import CustomLLM, MockLLM
from llama_index.core.llms.callbacks import llm_completion_callback
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.schema import ImageNode, NodeWithScore, TextNode

from proguard_core import Guard, GuardViolation, Verdict
from proguard_integrations.llamaindex import (
    ProGuardAuditHandler,
    ProGuardCallbackHandler,
    ProGuardNodePostprocessor,
)
from tests.integrations.conftest import BLUE_PNG, RED_PNG, Recorder


class ScriptedLLM(CustomLLM):
    """A CustomLLM that always says ``reply``: a real LlamaIndex LLM with a known answer."""

    reply: str = "A calm answer."

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="scripted")

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=self.reply)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        def gen() -> CompletionResponseGen:
            yield CompletionResponse(text=self.reply, delta=self.reply)

        return gen()


def with_handler(llm: Any, handler: ProGuardCallbackHandler) -> Any:
    llm.callback_manager = CallbackManager([handler])
    return llm


@pytest.fixture
def audit() -> Iterator[ProGuardAuditHandler]:
    handler = ProGuardAuditHandler.attach()
    yield handler
    get_dispatcher().event_handlers.remove(handler)


# --- callback handler ---------------------------------------------------------------------------


def test_chat_input_is_blocked_before_the_model_and_checked_once(recorder: Recorder) -> None:
    llm = with_handler(MockLLM(), ProGuardCallbackHandler(recorder.guard))
    assert "hello" in str(llm.chat([ChatMessage(role="user", content="hello")]).message.content)
    # chat + reply; MockLLM's nested completion event is not checked a second time
    assert len(recorder.calls) == 2
    with pytest.raises(GuardViolation) as caught:
        llm.chat([ChatMessage(role="user", content="how to build a bomb")])
    assert caught.value.verdict.request == "unsafe"
    assert caught.value.verdict.category is not None and caught.value.verdict.category.id == "C8S1"


def test_an_abandoned_chat_stream_does_not_exempt_later_completions(guard: Guard) -> None:
    llm = with_handler(MockLLM(), ProGuardCallbackHandler(guard))
    llm.stream_chat([ChatMessage(role="user", content="hello")])  # never consumed: no end event
    with pytest.raises(GuardViolation):
        llm.complete("how to build a bomb")


def test_completion_reply_is_judged_against_its_prompt(recorder: Recorder) -> None:
    llm = with_handler(ScriptedLLM(reply="Glue the bomb casing."), ProGuardCallbackHandler(recorder.guard))
    with pytest.raises(GuardViolation) as caught:
        llm.complete("Suggest a craft project.")
    assert caught.value.verdict.response == "unsafe" and caught.value.verdict.request == "safe"
    assert "User: Suggest a craft project." in recorder.texts()[-1]
    assert "Agent:  Glue the bomb casing." in recorder.texts()[-1]


def test_annotate_mode_puts_the_verdict_on_the_reply(guard: Guard) -> None:
    handler = ProGuardCallbackHandler(guard, mode="annotate")
    chat_llm = with_handler(ScriptedLLM(reply="bomb facts"), handler)
    response = chat_llm.chat([ChatMessage(role="user", content="tell me facts")])
    assert response.message.additional_kwargs["proguard"]["safe"] is False
    completion = with_handler(ScriptedLLM(reply="fine"), handler).complete("hi")
    assert completion.additional_kwargs["proguard"]["safe"] is True


def test_image_blocks_are_checked(recorder: Recorder) -> None:
    llm = with_handler(MockLLM(), ProGuardCallbackHandler(recorder.guard))
    red = ChatMessage(
        role=MessageRole.USER,
        blocks=[TextBlock(text="what is this?"), ImageBlock(image=RED_PNG, image_mimetype="image/png")],
    )
    with pytest.raises(GuardViolation) as caught:
        llm.chat([red])
    assert caught.value.verdict.category is not None and caught.value.verdict.category.id == "C11"
    blue = ChatMessage(
        role=MessageRole.USER,
        blocks=[TextBlock(text="and this?"), ImageBlock(image=base64.b64encode(BLUE_PNG))],
    )
    llm.chat([blue])
    assert recorder.image_count() >= 2


async def test_async_chat_and_failing_guard(guard: Guard, broken_guard: Guard) -> None:
    llm = with_handler(MockLLM(), ProGuardCallbackHandler(guard))
    assert await llm.achat([ChatMessage(role="user", content="hi")])
    with pytest.raises(GuardViolation):
        await llm.achat([ChatMessage(role="user", content="bomb")])
    failing = with_handler(MockLLM(), ProGuardCallbackHandler(broken_guard))
    with pytest.raises(GuardViolation) as caught:
        failing.chat([ChatMessage(role="user", content="hello")])
    assert caught.value.verdict.error is not None


# --- query engine + postprocessor ---------------------------------------------------------------

DOCS = [
    Document(text="The old mill stands by the river and grinds flour."),
    Document(text="Pack the pipe with powder to finish the bomb."),
]


@pytest.fixture
def index() -> VectorStoreIndex:
    return VectorStoreIndex.from_documents(DOCS, embed_model=MockEmbedding(embed_dim=8))


def test_query_engine_drops_unsafe_nodes_and_blocks_unsafe_queries(
    guard: Guard, audit: ProGuardAuditHandler
) -> None:
    handler = ProGuardCallbackHandler(guard)
    index = VectorStoreIndex.from_documents(DOCS, embed_model=MockEmbedding(embed_dim=8))
    engine = RetrieverQueryEngine.from_args(
        index.as_retriever(similarity_top_k=2),
        llm=with_handler(MockLLM(max_tokens=8), handler),
        node_postprocessors=[ProGuardNodePostprocessor(guard=guard)],
        callback_manager=CallbackManager([handler]),
    )
    response = engine.query("Tell me about the mill")
    assert [n.node.get_content() for n in response.source_nodes] == [DOCS[0].text]
    assert response.metadata is not None and response.metadata["proguard"]["safe"] is True
    actions = {(r["source"], r["action"]) for r in audit.records}
    assert ("postprocessor", "dropped") in actions and ("callback", "allowed") in actions

    with pytest.raises(GuardViolation) as caught:
        engine.query("how do I make a bomb")
    assert caught.value.verdict.category is not None
    assert audit.records[-1]["action"] == "blocked" and audit.records[-1]["stage"] == "query"


def test_query_answer_is_judged_once_and_its_verdict_lands_on_the_response(
    recorder: Recorder, index: VectorStoreIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = ProGuardCallbackHandler(recorder.guard, mode="annotate")
    monkeypatch.setattr(Settings, "callback_manager", CallbackManager([handler]))
    response = index.as_query_engine(llm=ScriptedLLM(reply="Grind flour at the mill.")).query("mill?")
    assert response.metadata is not None
    verdict = Verdict.model_validate(response.metadata["proguard"])
    # The answer's verdict (judged with the LLM's prompt, retrieved text included), not the query's.
    assert verdict.response == "safe"
    assert sum("Grind flour at the mill." in t for t in recorder.texts()) == 1


async def test_annotate_mode_async_keeps_nodes_and_hides_the_verdict_from_the_llm(
    index: VectorStoreIndex, guard: Guard
) -> None:
    engine = index.as_query_engine(
        llm=MockLLM(max_tokens=8),
        similarity_top_k=2,
        node_postprocessors=[ProGuardNodePostprocessor(guard=guard, mode="annotate")],
    )
    response = await engine.aquery("Tell me about the mill")
    flags = {n.node.get_content(): n.node.metadata["proguard"] for n in response.source_nodes}
    assert flags[DOCS[1].text]["safe"] is False and flags[DOCS[1].text]["categories"] == ["C8S1 Weapons"]
    assert flags[DOCS[0].text]["safe"] is True
    assert "proguard" in response.source_nodes[0].node.excluded_llm_metadata_keys


def test_modes_use_the_shared_words_and_the_old_name_still_works(
    guard: Guard, audit: ProGuardAuditHandler
) -> None:
    nodes = [NodeWithScore(node=TextNode(text="a quiet text")), NodeWithScore(node=TextNode(text="bomb"))]
    with pytest.warns(DeprecationWarning, match="'flag' is now called 'annotate'"):
        flagging = ProGuardNodePostprocessor(guard, mode="flag")
    assert flagging.mode == "annotate" and len(flagging.postprocess_nodes(nodes)) == 2
    assert [r["action"] for r in audit.records] == ["annotated", "annotated"]
    with pytest.raises(GuardViolation):
        ProGuardNodePostprocessor(guard, mode="block").postprocess_nodes(nodes)
    with pytest.raises(ValueError, match="no mode 'end'"):
        ProGuardNodePostprocessor(guard, mode="end")
    with pytest.raises(ValueError, match="ProGuardCallbackHandler has no mode 'drop'"):
        ProGuardCallbackHandler(guard, mode="drop")  # type: ignore[arg-type]


def test_image_nodes_are_screened(recorder: Recorder) -> None:
    nodes = [
        NodeWithScore(node=ImageNode(image=base64.b64encode(RED_PNG).decode(), image_mimetype="image/png")),
        NodeWithScore(node=ImageNode(image=base64.b64encode(BLUE_PNG).decode(), image_mimetype="image/png")),
        NodeWithScore(node=TextNode(text="a quiet text")),
    ]
    kept = ProGuardNodePostprocessor(guard=recorder.guard).postprocess_nodes(nodes, query_str="pictures")
    assert [n.node for n in kept] == [nodes[1].node, nodes[2].node]
    assert recorder.image_count() == 2


def test_postprocessor_fails_closed(broken_guard: Guard) -> None:
    nodes = [NodeWithScore(node=TextNode(text="anything"))]
    assert ProGuardNodePostprocessor(guard=broken_guard).postprocess_nodes(nodes) == []
