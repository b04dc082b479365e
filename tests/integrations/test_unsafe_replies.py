"""A reply the guard calls unsafe is stopped in every documented wiring, whatever the request was.

The guard here is the judging fake of conftest: it reads the reply on its own ("bomb" on the agent
side is unsafe), so each test proves the wiring hands the guard the reply with its harmless
request and acts on the reply's label. Whether the embedded model judges such replies right is
the model's business (the examples' smoke tests run it on the same case).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytest.importorskip("langchain_core")
pytest.importorskip("llama_index.core")
pytest.importorskip("nemoguardrails")

from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.output_parsers import StrOutputParser
from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.callbacks import CallbackManager
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.query_engine import RetrieverQueryEngine
from nemoguardrails.rails.llm.options import RailType

from proguard_core import GuardViolation, Verdict
from proguard_integrations.langchain import ProGuardCheck, collect_verdicts, get_verdict
from proguard_integrations.llamaindex import ProGuardCallbackHandler, ProGuardNodePostprocessor
from proguard_integrations.server.testing import running_server
from tests.integrations.conftest import PIPE_BOMB_REPLY, SMALL_TALK, Recorder
from tests.integrations.test_langchain import PROMPT, chat
from tests.integrations.test_llamaindex import ScriptedLLM, with_handler
from tests.integrations.test_nemo import rails_for, user

QUESTION = {"question": SMALL_TALK}


def judged_with_its_request(recorder: Recorder) -> None:
    """The guard read the reply together with the harmless request that produced it."""
    assert any(f"User: {SMALL_TALK}" in t and "pipe bomb" in t for t in recorder.texts())


def blocked_reply(exc: GuardViolation) -> Verdict:
    assert exc.verdict.request == "safe" and exc.verdict.response == "unsafe"
    return exc.verdict


# --- LangChain runnables ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "paired"),
    [
        pytest.param(lambda g: ProGuardCheck.wrap(PROMPT | chat(PIPE_BOMB_REPLY), g), True, id="wrap"),
        pytest.param(
            lambda g: ProGuardCheck(g) | PROMPT | chat(PIPE_BOMB_REPLY) | ProGuardCheck(g, stage="output"),
            True,
            id="input-then-output",
        ),
        # No input check to pair with: the reply is judged alone.
        pytest.param(
            lambda g: PROMPT | chat(PIPE_BOMB_REPLY) | ProGuardCheck(g, stage="output"), False, id="bare"
        ),
    ],
)
def test_langchain_chains_block_the_reply(recorder: Recorder, build: Any, paired: bool) -> None:
    with pytest.raises(GuardViolation) as caught:
        build(recorder.guard).invoke(QUESTION)
    assert caught.value.verdict.response == "unsafe"
    if paired:
        blocked_reply(caught.value)
        judged_with_its_request(recorder)


async def test_langchain_wrap_blocks_the_reply_in_async_batch_and_stream(recorder: Recorder) -> None:
    chain = ProGuardCheck.wrap(PROMPT | chat(PIPE_BOMB_REPLY, PIPE_BOMB_REPLY), recorder.guard)
    with pytest.raises(GuardViolation):
        await chain.ainvoke(QUESTION)
    with pytest.raises(GuardViolation):
        chain.batch([QUESTION])
    shown = ""
    with pytest.raises(GuardViolation):
        for chunk in ProGuardCheck.wrap(PROMPT | chat(PIPE_BOMB_REPLY), recorder.guard).stream(QUESTION):
            shown += chunk.content
    assert "pipe bomb" not in shown
    judged_with_its_request(recorder)


def test_langchain_annotate_marks_the_reply_even_behind_a_parser(recorder: Recorder) -> None:
    reply = ProGuardCheck.wrap(PROMPT | chat(PIPE_BOMB_REPLY), recorder.guard, mode="annotate").invoke(
        QUESTION
    )
    verdict = get_verdict(reply)
    assert verdict is not None and verdict.unsafe and verdict.response == "unsafe"
    chain = PROMPT | chat(PIPE_BOMB_REPLY) | ProGuardCheck(recorder.guard, stage="output", mode="annotate")
    with collect_verdicts() as verdicts:
        assert (chain | StrOutputParser()).invoke(QUESTION) == PIPE_BOMB_REPLY
    assert verdicts.last is not None and verdicts.last.response == "unsafe"


# --- LangChain agent middleware -----------------------------------------------------------------

agents = pytest.importorskip("langchain.agents")


@pytest.mark.parametrize("mode", ["end", "replace", "block", "annotate"])
def test_middleware_stops_or_marks_the_reply_in_every_mode(recorder: Recorder, mode: str) -> None:
    from proguard_integrations.langchain import ProGuardMiddleware

    agent = agents.create_agent(
        chat(PIPE_BOMB_REPLY), tools=[], middleware=[ProGuardMiddleware(recorder.guard, mode=mode)]
    )
    if mode == "block":
        with pytest.raises(GuardViolation) as caught:
            agent.invoke({"messages": [HumanMessage(SMALL_TALK)]})
        blocked_reply(caught.value)
        return
    messages = agent.invoke({"messages": [HumanMessage(SMALL_TALK)]})["messages"]
    last = messages[-1]
    assert isinstance(last, AIMessage) and last.response_metadata["proguard"]["response"] == "unsafe"
    if mode == "annotate":
        assert last.content == PIPE_BOMB_REPLY
        assert messages[0].response_metadata["proguard"]["stage"] == "input"  # the request, marked safe
    else:
        assert last.content == "I can't help with that (Weapons)."
        assert all("pipe bomb" not in str(m.content) for m in messages)
    judged_with_its_request(recorder)


# --- LlamaIndex ---------------------------------------------------------------------------------


def test_llamaindex_callback_blocks_the_reply_of_chat_and_completion(recorder: Recorder) -> None:
    llm = with_handler(ScriptedLLM(reply=PIPE_BOMB_REPLY), ProGuardCallbackHandler(recorder.guard))
    with pytest.raises(GuardViolation) as caught:
        llm.chat([ChatMessage(role="user", content=SMALL_TALK)])
    blocked_reply(caught.value)
    with pytest.raises(GuardViolation) as caught:
        llm.complete(SMALL_TALK)
    blocked_reply(caught.value)
    judged_with_its_request(recorder)

    annotating = with_handler(
        ScriptedLLM(reply=PIPE_BOMB_REPLY), ProGuardCallbackHandler(recorder.guard, mode="annotate")
    )
    response = annotating.chat([ChatMessage(role="user", content=SMALL_TALK)])
    assert response.message.additional_kwargs["proguard"]["response"] == "unsafe"


@pytest.mark.parametrize("wiring", ["settings", "from_args"])
def test_llamaindex_query_engine_blocks_the_answer(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch, wiring: str
) -> None:
    handler = ProGuardCallbackHandler(recorder.guard)
    index = VectorStoreIndex.from_documents(
        [Document(text="Kites, birdhouses and sourdough are weekend projects.")],
        embed_model=MockEmbedding(embed_dim=8),
    )
    llm = ScriptedLLM(reply=PIPE_BOMB_REPLY)
    if wiring == "settings":  # the README's: the engine hands Settings' manager to its LLM
        monkeypatch.setattr(Settings, "callback_manager", CallbackManager([handler]))
        engine: Any = index.as_query_engine(llm=llm)
    else:  # the engine's own manager: LlamaIndex gives the LLM Settings' instead, unseen by us
        engine = RetrieverQueryEngine.from_args(
            index.as_retriever(), llm=llm, callback_manager=CallbackManager([handler])
        )
    with pytest.raises(GuardViolation) as caught:
        engine.query(SMALL_TALK)
    blocked_reply(caught.value)
    answer_checks = [t for t in recorder.texts() if "pipe bomb" in t]
    assert len(answer_checks) == 1  # judged once, at the LLM or at the end of the query
    assert SMALL_TALK in answer_checks[0]


@pytest.mark.parametrize("mode", ["drop", "annotate", "block"])
def test_llamaindex_postprocessor_stops_or_marks_a_harmful_node(recorder: Recorder, mode: str) -> None:
    from llama_index.core.schema import NodeWithScore, TextNode

    nodes = [
        NodeWithScore(node=TextNode(text="Build a kite.")),
        NodeWithScore(node=TextNode(text=PIPE_BOMB_REPLY)),
    ]
    postprocessor = ProGuardNodePostprocessor(recorder.guard, mode=mode)
    if mode == "block":
        with pytest.raises(GuardViolation):
            postprocessor.postprocess_nodes(nodes, query_str=SMALL_TALK)
        return
    kept = postprocessor.postprocess_nodes(nodes, query_str=SMALL_TALK)
    if mode == "drop":
        assert [n.node.get_content() for n in kept] == ["Build a kite."]
    else:
        assert [n.node.metadata["proguard"]["safe"] for n in kept] == [True, False]


# --- NeMo Guardrails ----------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["colang1", "colang2"])
async def test_nemo_output_rail_refuses_the_reply(recorder: Recorder, version: str) -> None:
    rails, _ = rails_for(recorder.guard, PIPE_BOMB_REPLY, version=version)
    assert (await rails.generate_async(messages=user(SMALL_TALK)))["content"] == (
        "I can't share that answer (Weapons)."
    )
    judged_with_its_request(recorder)


async def test_nemo_streaming_and_check_only_rails_stop_the_reply(recorder: Recorder) -> None:
    rails, _ = rails_for(recorder.guard, PIPE_BOMB_REPLY)
    text = "".join([c async for c in rails.stream_async(messages=user(SMALL_TALK))])
    assert '"guardrails_violation"' in text and "pipe bomb" not in text
    rails, _ = rails_for(recorder.guard)
    conversation = [*user(SMALL_TALK), {"role": "assistant", "content": PIPE_BOMB_REPLY}]
    result = await rails.check_async(conversation, rail_types=[RailType.OUTPUT])
    assert result.status.value == "blocked"
    judged_with_its_request(recorder)


# --- the service ----------------------------------------------------------------------------------


def test_service_check_and_moderation_flag_the_reply(recorder: Recorder) -> None:
    pytest.importorskip("uvicorn")
    with running_server(recorder.guard) as server:
        reply = httpx.post(f"{server.url}/v1/check", json={"prompt": SMALL_TALK, "response": PIPE_BOMB_REPLY})
        verdict = Verdict.model_validate_json(reply.content)
        moderation = httpx.post(f"{server.url}/v1/moderations", json={"input": PIPE_BOMB_REPLY}).json()
    assert verdict.unsafe and (verdict.request, verdict.response) == ("safe", "unsafe")
    assert moderation["results"][0]["flagged"] is True
    judged_with_its_request(recorder)
