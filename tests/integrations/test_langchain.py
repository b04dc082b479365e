"""ProGuardCheck and ProGuardMiddleware on real LangChain objects (fake chat models, real LCEL)."""

from __future__ import annotations

import base64
import warnings
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

pytest.importorskip("langchain_core")

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda

from proguard_core import Guard, GuardViolation
from proguard_integrations.langchain import (
    EVENT_NAME,
    ProGuardCheck,
    VerdictLog,
    collect_verdicts,
    get_verdict,
)
from tests.integrations.conftest import BLUE_PNG, RED_PNG, Recorder

PROMPT = ChatPromptTemplate.from_messages([("system", "You are helpful."), ("human", "{question}")])


def chat(*replies: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(r) for r in replies]))


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


class Events(BaseCallbackHandler):
    def __init__(self) -> None:
        self.custom: list[dict[str, Any]] = []
        self.chains: list[str] = []

    def on_custom_event(self, name: str, data: Any, *, run_id: UUID, **kwargs: Any) -> None:
        if name == EVENT_NAME:
            self.custom.append(data)

    def on_chain_start(self, serialized: Any, inputs: Any, **kwargs: Any) -> None:
        self.chains.append(kwargs.get("name") or "")


# --- input stage -------------------------------------------------------------------------------


def test_input_check_passes_safe_prompt_and_blocks_unsafe_one_before_the_model(guard: Guard) -> None:
    model = chat("Paris.")
    chain = ProGuardCheck(guard) | PROMPT | model | StrOutputParser()
    assert chain.invoke({"question": "Capital of France?"}) == "Paris."

    blocked_model = chat("never produced")
    piped: Any = ProGuardCheck(guard).pipe(PROMPT, blocked_model)
    with pytest.raises(GuardViolation) as caught:
        piped.invoke({"question": "How do I build a bomb?"})
    verdict = caught.value.verdict
    assert verdict.unsafe and verdict.request == "unsafe"
    assert verdict.category is not None and verdict.category.id == "C8S1"
    assert next(blocked_model.messages, None) is not None  # the model was never asked


def test_accepts_str_prompt_value_message_list_and_message(recorder: Recorder) -> None:
    check = ProGuardCheck(recorder.guard)
    assert check.invoke("hello") == "hello"
    value = PROMPT.invoke({"question": "what is 2+2"})
    assert check.invoke(value) is value
    history = [HumanMessage("earlier question"), AIMessage("earlier answer"), HumanMessage("new question")]
    assert check.invoke(history) == history
    assert check.invoke(("human", "tuple form")) == ("human", "tuple form")
    texts = recorder.texts()
    assert "User: what is 2+2" in texts[1]
    assert "User: earlier question" in texts[2] and "User: new question" in texts[2]
    assert "User: tuple form" in texts[3]


def test_callbacks_see_a_named_run_and_the_verdict_event(guard: Guard) -> None:
    events = Events()
    chain = ProGuardCheck(guard) | PROMPT | chat("fine")
    chain.invoke({"question": "hi"}, config={"callbacks": [events]})
    assert "ProGuardCheck[input]" in events.chains
    assert events.custom and events.custom[0]["stage"] == "input" and events.custom[0]["safe"] is True
    assert events.custom[0]["verdict"]["model"] == "fake"


def test_categories_limit_what_the_guard_is_asked_about(recorder: Recorder) -> None:
    ProGuardCheck(recorder.guard, categories=["C8"]).invoke("hello")
    system = recorder.calls[0][0]["content"]
    assert "C8: Dangerous Goods" in str(system) and "C11:" not in str(system)


# --- multimodal ----------------------------------------------------------------------------------


def test_openai_image_parts_are_checked_as_images_and_kept_in_the_message(recorder: Recorder) -> None:
    message = HumanMessage(
        content=[
            {"type": "text", "text": "what is in this picture?"},
            {"type": "image_url", "image_url": {"url": data_url(RED_PNG)}},
        ]
    )
    check = ProGuardCheck(recorder.guard)
    with pytest.raises(GuardViolation) as caught:
        check.invoke([message])
    assert caught.value.verdict.category is not None and caught.value.verdict.category.id == "C11"
    assert recorder.image_count() == 1

    safe = HumanMessage(
        content_blocks=[
            {"type": "text", "text": "describe"},
            {"type": "image", "base64": base64.b64encode(BLUE_PNG).decode(), "mime_type": "image/png"},
        ]
    )
    out = ProGuardCheck(recorder.guard, mode="annotate").invoke([safe])
    assert out[-1].content == safe.content  # blocks untouched, not flattened to text
    verdict = get_verdict(out)
    assert verdict is not None and verdict.safe and verdict.modality.value == "text_image"


# --- output stage --------------------------------------------------------------------------------


def test_wrap_checks_the_reply_against_the_prompt_that_produced_it(recorder: Recorder) -> None:
    chain = PROMPT | ProGuardCheck.wrap(chat("Mix these to make a bomb."), recorder.guard)
    with pytest.raises(GuardViolation) as caught:
        chain.invoke({"question": "Any weekend project ideas?"})
    verdict = caught.value.verdict
    assert verdict.response == "unsafe" and verdict.request == "safe"
    output_check = recorder.texts()[-1]
    assert "User: Any weekend project ideas?" in output_check
    assert "Agent:  Mix these to make a bomb." in output_check


def test_output_stage_lets_a_refusal_to_an_unsafe_request_through(guard: Guard) -> None:
    chain = ProGuardCheck.wrap(chat("I can't help with that."), guard, check_input=False, mode="block")
    chain = ProGuardCheck(guard, mode="annotate") | chain
    reply = chain.invoke("how do I build a bomb")
    assert reply.content == "I can't help with that."


def test_output_check_without_input_check_judges_the_reply_alone(recorder: Recorder) -> None:
    chain = (
        PROMPT | chat("A calm answer.") | StrOutputParser() | ProGuardCheck(recorder.guard, stage="output")
    )
    assert chain.invoke({"question": "hi"}) == "A calm answer."
    assert "Agent:  A calm answer." in recorder.texts()[-1]


def test_annotate_attaches_the_verdict_to_the_reply(guard: Guard) -> None:
    chain = ProGuardCheck.wrap(chat("Here is a bomb recipe."), guard, mode="annotate")
    reply = chain.invoke("tell me something")
    assert isinstance(reply, AIMessage) and reply.content == "Here is a bomb recipe."
    verdict = get_verdict(reply)
    assert verdict is not None and verdict.unsafe and verdict.response == "unsafe"
    assert reply.response_metadata["proguard"]["categories"][0]["id"] == "C8S1"


def test_annotate_verdict_stays_reachable_behind_a_parser(guard: Guard) -> None:
    annotating = ProGuardCheck(guard, stage="output", mode="annotate")
    chain = PROMPT | chat("A bomb recipe.", "A bomb recipe.", "Tea.") | annotating | StrOutputParser()
    with collect_verdicts() as verdicts:
        assert chain.invoke({"question": "hi"}) == "A bomb recipe."
    assert verdicts.last is not None and verdicts.last.response == "unsafe"
    assert [(r.stage, r.mode) for r in verdicts.records] == [("output", "annotate")]

    log = VerdictLog()
    chain.invoke({"question": "hi"}, config={"callbacks": [log]})
    assert log.last is not None and log.last.unsafe
    with collect_verdicts() as outside_runs:
        pass
    assert outside_runs.records == []
    with pytest.raises(TypeError, match="collect_verdicts"):
        get_verdict(chain.invoke({"question": "hi"}))


async def test_annotate_verdicts_arrive_in_astream_events(guard: Guard) -> None:
    chain = PROMPT | chat("A bomb recipe.") | ProGuardCheck(guard, stage="output", mode="annotate")
    events = [e async for e in (chain | StrOutputParser()).astream_events({"question": "hi"}, version="v2")]
    (verdict_event,) = [e for e in events if e["event"] == "on_custom_event" and e["name"] == EVENT_NAME]
    assert verdict_event["data"]["verdict"]["response"] == "unsafe"


def test_annotate_on_text_warns_once_unless_something_collects(guard: Guard) -> None:
    chain = PROMPT | chat("fine", "fine", "fine") | StrOutputParser()
    chain = chain | ProGuardCheck(guard, stage="output", mode="annotate")
    with pytest.warns(UserWarning, match="cannot carry the verdict"):
        chain.invoke({"question": "hi"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chain.invoke({"question": "hi"})  # once per check
        fresh = (
            PROMPT | chat("fine") | StrOutputParser() | ProGuardCheck(guard, stage="output", mode="annotate")
        )
        with collect_verdicts() as verdicts:
            fresh.invoke({"question": "hi"})
    assert verdicts.last is not None and verdicts.last.safe


def test_tool_call_arguments_are_part_of_the_reply(guard: Guard) -> None:
    reply = AIMessage("", tool_calls=[{"name": "search", "args": {"q": "bomb parts"}, "id": "1"}])
    with pytest.raises(GuardViolation):
        ProGuardCheck(guard, stage="output").invoke(reply)


# --- batch and async -----------------------------------------------------------------------------


def test_batch_checks_all_items_in_one_guard_call(recorder: Recorder) -> None:
    check = ProGuardCheck(recorder.guard)
    out = check.batch(["hello", "a bomb please", "weather?"], return_exceptions=True)
    assert out[0] == "hello" and out[2] == "weather?"
    assert isinstance(out[1], GuardViolation)
    assert len(recorder.calls) == 3
    with pytest.raises(GuardViolation):
        check.batch(["fine", "bomb"])


def test_batch_through_a_wrapped_chain_keeps_prompts_apart(recorder: Recorder) -> None:
    echo: RunnableLambda[str, AIMessage] = RunnableLambda(lambda text: AIMessage(f"reply to {text}"))
    chain = ProGuardCheck.wrap(echo, recorder.guard)
    assert [m.content for m in chain.batch(["one", "two"])] == ["reply to one", "reply to two"]
    output_checks = [t for t in recorder.texts() if "Agent:  reply" in t]
    assert any("User: one" in t and "reply to one" in t for t in output_checks)
    assert any("User: two" in t and "reply to two" in t for t in output_checks)


async def test_ainvoke_and_abatch(guard: Guard) -> None:
    chain = ProGuardCheck.wrap(PROMPT | chat("ok", "ok", "ok"), guard)
    assert (await chain.ainvoke({"question": "hi"})).content == "ok"
    with pytest.raises(GuardViolation):
        await chain.ainvoke({"question": "bomb"})
    out = await ProGuardCheck(guard).abatch(["fine", "bomb"], return_exceptions=True)
    assert out[0] == "fine" and isinstance(out[1], GuardViolation)


# --- streaming -----------------------------------------------------------------------------------

LONG_SAFE = "The river runs past the old mill and the town square. " * 4
LONG_UNSAFE = LONG_SAFE + "Then you build the bomb in the garage."


def _drain(stream: Iterator[Any]) -> tuple[list[Any], BaseException | None]:
    seen: list[Any] = []
    try:
        for chunk in stream:
            seen.append(chunk)
    except GuardViolation as exc:
        return seen, exc
    return seen, None


def test_block_mode_stream_holds_chunks_until_their_window_passed(guard: Guard) -> None:
    check = ProGuardCheck(guard, stage="output", stream_window_chars=60, stream_overlap_chars=20)
    seen, error = _drain((chat(LONG_UNSAFE) | check).stream("hi"))
    assert isinstance(error, GuardViolation)
    shown = "".join(c.content for c in seen)
    assert shown and "bomb" not in shown  # safe windows flowed, the unsafe one never did

    seen, error = _drain((chat(LONG_SAFE) | check).stream("hi"))
    assert error is None and "".join(c.content for c in seen) == LONG_SAFE
    assert len(seen) > 1  # streamed, not collapsed into one chunk


def test_a_phrase_across_a_window_boundary_is_still_seen(guard: Guard) -> None:
    chunks = ["the river is calm, make a b", "omb now"]  # first window checked before "bomb" completes
    with pytest.raises(GuardViolation):
        list(
            ProGuardCheck(guard, stage="output", stream_window_chars=20, stream_overlap_chars=8).transform(
                iter(chunks)
            )
        )
    # Without the overlap the second window reads "omb now" and the phrase is missed.
    no_overlap = ProGuardCheck(guard, stage="output", stream_window_chars=20, stream_overlap_chars=0)
    assert list(no_overlap.transform(iter(chunks))) == chunks


async def test_annotate_mode_astream_flows_and_ends_with_the_verdict(guard: Guard) -> None:
    check = ProGuardCheck(guard, stage="output", mode="annotate", stream_window_chars=60)
    chunks = [c async for c in (chat(LONG_UNSAFE) | check).astream("hi")]
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert isinstance(total, AIMessageChunk) and total.content == LONG_UNSAFE
    verdict = get_verdict(total)
    assert verdict is not None and verdict.unsafe


async def test_astream_block_mode_raises(guard: Guard) -> None:
    chain = ProGuardCheck.wrap(chat(LONG_UNSAFE), guard)
    seen: list[Any] = []
    with pytest.raises(GuardViolation):
        async for chunk in chain.astream("hi"):
            seen.append(chunk)
    assert "bomb" not in "".join(c.content for c in seen)


# --- failures ------------------------------------------------------------------------------------


def test_a_failing_guard_blocks(broken_guard: Guard) -> None:
    with pytest.raises(GuardViolation) as caught:
        (ProGuardCheck(broken_guard) | chat("x")).invoke("hello")
    assert caught.value.verdict.error and caught.value.verdict.policy == "fail_closed:error"
    with pytest.raises(GuardViolation):
        list((chat("hello there") | ProGuardCheck(broken_guard, stage="output")).stream("x"))


# --- agent middleware ----------------------------------------------------------------------------

agents = pytest.importorskip("langchain.agents")


class ToolCallingFake(GenericFakeChatModel):
    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        return self


def test_middleware_ends_on_unsafe_input_without_calling_the_model(guard: Guard) -> None:
    from proguard_integrations.langchain import ProGuardMiddleware

    model = chat("never")
    agent = agents.create_agent(model, tools=[], middleware=[ProGuardMiddleware(guard)])
    state = agent.invoke({"messages": [HumanMessage("how to make a bomb")]})
    last = state["messages"][-1]
    assert last.content == "I can't help with that (Weapons)."
    assert last.response_metadata["proguard"]["stage"] == "input"
    assert next(model.messages, None) == AIMessage("never")


def test_middleware_replaces_an_unsafe_reply_and_names_the_category(guard: Guard) -> None:
    from proguard_integrations.langchain import ProGuardMiddleware

    middleware = ProGuardMiddleware(guard, violation_message="Blocked [{category_id}] at {stage}.")
    agent = agents.create_agent(chat("sure, a bomb works like this"), tools=[], middleware=[middleware])
    state = agent.invoke({"messages": [HumanMessage("tell me about chemistry")]})
    ai = [m for m in state["messages"] if isinstance(m, AIMessage)]
    assert [m.content for m in ai] == ["Blocked [C8S1] at output."]


def test_middleware_block_and_replace_modes(guard: Guard) -> None:
    from proguard_integrations.langchain import ProGuardMiddleware

    agent = agents.create_agent(chat("x"), tools=[], middleware=[ProGuardMiddleware(guard, mode="block")])
    with pytest.raises(GuardViolation) as caught:
        agent.invoke({"messages": [HumanMessage("bomb")]})
    assert caught.value.verdict.category is not None

    agent = agents.create_agent(
        chat("bomb instructions"), tools=[], middleware=[ProGuardMiddleware(guard, mode="replace")]
    )
    state = agent.invoke({"messages": [HumanMessage("hello")]})
    assert state["messages"][-1].content == "I can't help with that (Weapons)."
    assert all("bomb" not in str(m.content) for m in state["messages"])


def test_middleware_checks_tool_results(recorder: Recorder) -> None:
    from langchain_core.tools import tool

    from proguard_integrations.langchain import ProGuardMiddleware

    @tool
    def lookup(query: str) -> str:
        """Look something up."""
        return "step one of the bomb"

    model = ToolCallingFake(
        messages=iter(
            [
                AIMessage("", tool_calls=[{"name": "lookup", "args": {"query": "news"}, "id": "c1"}]),
                AIMessage("never reached"),
            ]
        )
    )
    middleware = ProGuardMiddleware(recorder.guard, check_tool_results=True)
    state = agents.create_agent(model, tools=[lookup], middleware=[middleware]).invoke(
        {"messages": [HumanMessage("what's new?")]}
    )
    assert isinstance(state["messages"][-2], ToolMessage)
    assert state["messages"][-1].response_metadata["proguard"]["stage"] == "tool"
    # The user turn was checked once, not again when the tool loop re-entered the model node.
    # The user turn: checked once as input, once as the prompt of the tool-calling reply; not
    # again when the tool loop re-entered the model node.
    turn_checks = [t for t in recorder.texts() if "User: what's new?" in t]
    assert len(turn_checks) == 2 and 'lookup({"query": "news"})' in turn_checks[1]


async def test_middleware_async_and_multimodal(guard: Guard) -> None:
    from proguard_integrations.langchain import ProGuardMiddleware

    agent = agents.create_agent(chat("nice picture"), tools=[], middleware=[ProGuardMiddleware(guard)])
    picture = HumanMessage(
        content=[
            {"type": "text", "text": "look"},
            {"type": "image_url", "image_url": {"url": data_url(RED_PNG)}},
        ]
    )
    state = await agent.ainvoke({"messages": [picture]})
    assert state["messages"][-1].content == "I can't help with that (Sexual Exposure)."
    state = await agent.ainvoke({"messages": [HumanMessage("hi")]})
    assert state["messages"][-1].content == "nice picture"


def test_middleware_modes_use_the_shared_words_and_old_names_still_work(guard: Guard) -> None:
    from proguard_integrations.langchain import ProGuardMiddleware

    with pytest.warns(DeprecationWarning, match="exit_behavior"):
        old = ProGuardMiddleware(guard, exit_behavior="error")
    assert old.mode == "block" and old.exit_behavior == "error"
    with pytest.raises(ValueError, match=r"no mode 'drop'.*'end': stop the agent"):
        ProGuardMiddleware(guard, mode="drop")  # type: ignore[arg-type]

    agent = agents.create_agent(
        chat("bomb facts"), tools=[], middleware=[ProGuardMiddleware(guard, mode="annotate")]
    )
    messages = agent.invoke({"messages": [HumanMessage("hello")]})["messages"]
    assert [m.content for m in messages] == ["hello", "bomb facts"]  # nothing stopped
    assert [m.response_metadata["proguard"]["stage"] for m in messages] == ["input", "output"]
    assert messages[1].response_metadata["proguard"]["safe"] is False


async def test_middleware_fails_closed(broken_guard: Guard) -> None:
    from proguard_integrations.langchain import ProGuardMiddleware

    agent = agents.create_agent(chat("hi"), tools=[], middleware=[ProGuardMiddleware(broken_guard)])
    state = await agent.ainvoke({"messages": [HumanMessage("hello")]})
    assert state["messages"][-1].content == "I can't help with that (guard unavailable)."
