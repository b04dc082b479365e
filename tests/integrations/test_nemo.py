"""NeMo Guardrails adapter on real LLMRails (Colang 1.0 and 2.x) with nemoguardrails' fake LLM."""

from __future__ import annotations

import base64
import os
import warnings
from typing import Any

import pytest

os.environ.setdefault("NEMO_GUARDRAILS_NO_USAGE_STATS", "1")
pytest.importorskip("nemoguardrails")

from nemoguardrails import LLMRails, RailsConfig
from nemoguardrails.testing.fake_model import FakeLLMModel

from proguard_core import Guard, Verdict
from proguard_core.backends.fake import FakeBackend
from proguard_core.models.generative import GenerativeGuard
from proguard_integrations.nemo import (
    config_dir,
    flows_path,
    guarded_rails,
    proguard_check_retrieval,
    register,
)
from tests.integrations.conftest import BLUE_PNG, RED_PNG, Recorder


def rails_for(
    guard: Guard, *replies: str, version: str = "colang1", **options: Any
) -> tuple[LLMRails, FakeLLMModel]:
    llm = FakeLLMModel(responses=list(replies) or ["unused"])
    rails = LLMRails(RailsConfig.from_path(str(config_dir(version))), llm=llm)  # type: ignore[arg-type]
    register(rails, guard, **options)
    return rails, llm


def user(content: Any) -> list[dict[str, Any]]:
    return [{"role": "user", "content": content}]


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def test_packaged_configs_exist() -> None:
    assert flows_path("colang1").is_file() and flows_path("colang2").is_file()
    assert (config_dir("colang2") / "main.co").is_file()


# --- Colang 1.0 -----------------------------------------------------------------------------------


def test_safe_turn_passes_and_unsafe_input_never_reaches_the_llm(guard: Guard) -> None:
    rails, llm = rails_for(guard, "Paris is the capital.")
    assert rails.generate(messages=user("Capital of France?"))["content"] == "Paris is the capital."
    rails, llm = rails_for(guard, "never used")
    out = rails.generate(messages=user("how do I build a bomb"), options={"output_vars": ["proguard_result"]})
    assert out.response[-1]["content"] == "I can't help with that (Weapons)."
    assert llm.inference_count == 0
    result = out.output_data["proguard_result"]
    assert result.is_blocked
    assert result.metadata["policy_violations"] == ["C8S1"]
    assert result.metadata["categories"] == ["C8S1 Weapons"]
    assert result.metadata["explanation"] == "Asks for or gives weapon instructions."


def test_unsafe_reply_is_replaced_and_judged_with_the_prompt(recorder: Recorder) -> None:
    rails, _ = rails_for(recorder.guard, "Sure: pack the bomb with nails.")
    assert rails.generate(messages=user("help with a school project"))["content"] == (
        "I can't share that answer (Weapons)."
    )
    assert "User: help with a school project\nAgent:  Sure: pack the bomb with nails." in recorder.texts()[-1]


async def test_images_in_messages_are_checked(recorder: Recorder) -> None:
    rails, _ = rails_for(recorder.guard, "A blue square.")
    parts = [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": data_url(RED_PNG)}},
    ]
    out = await rails.generate_async(messages=user(parts))
    assert out["content"] == "I can't help with that (Sexual Exposure)."
    parts[1] = {"type": "image_url", "image_url": {"url": data_url(BLUE_PNG)}}
    assert (await rails.generate_async(messages=user(parts)))["content"] == "A blue square."
    assert recorder.image_count() >= 2


def test_failing_or_unreadable_guard_blocks(broken_guard: Guard) -> None:
    rails, llm = rails_for(broken_guard, "hi")
    out = rails.generate(messages=user("hello"), options={"output_vars": ["proguard_result"]})
    assert out.response[-1]["content"] == "I can't help with that (guard unavailable)."
    assert out.output_data["proguard_result"].metadata["verdict"]["policy"] == "fail_closed:error"
    garbled = Guard(GenerativeGuard(FakeBackend("I think it is probably fine")))
    rails, llm = rails_for(garbled, "hi")
    assert rails.generate(messages=user("hello"))["content"] == "I can't help with that (guard unavailable)."
    assert llm.inference_count == 0


def test_remote_image_the_guard_refuses_blocks_instead_of_erroring(guard: Guard) -> None:
    rails, _ = rails_for(guard, "hi")
    parts = [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
    ]
    out = rails.generate(messages=user(parts), options={"output_vars": ["proguard_result"]})
    assert out.response[-1]["content"] == "I can't help with that (guard unavailable)."
    assert out.output_data["proguard_result"].failed


def test_on_verdict_and_category_subset_reach_the_caller(recorder: Recorder) -> None:
    seen: list[tuple[str, Verdict]] = []
    rails, _ = rails_for(recorder.guard, "ok", categories=["C8"], on_verdict=lambda s, v: seen.append((s, v)))
    rails.generate(messages=user("hello"))
    assert [s for s, _ in seen] == ["input", "output"]
    assert "C11:" not in str(recorder.calls[0][0]["content"])


def test_rails_exceptions_carry_the_categories(guard: Guard) -> None:
    colang = flows_path("colang1").read_text()
    yaml = "models: []\nenable_rails_exceptions: true\nrails:\n  input:\n    flows: [proguard check input]\n"
    rails = LLMRails(
        RailsConfig.from_content(colang_content=colang, yaml_content=yaml), llm=FakeLLMModel(responses=["x"])
    )
    register(rails, guard)
    out = rails.generate(messages=user("bomb please"))
    assert out["role"] == "exception"
    assert out["content"]["type"] == "ProGuardInputRailException"
    assert "C8S1 Weapons" in out["content"]["message"]


async def test_retrieval_rail_drops_unsafe_chunks(guard: Guard) -> None:
    outcome = await proguard_check_retrieval(
        context={"relevant_chunks_sep": ["The mill grinds flour.", "Wire the bomb to the timer."]},
        proguard_guard=guard,
    )
    assert outcome.is_transform
    assert outcome.transform_text["relevant_chunks"] == "The mill grinds flour."
    assert outcome.metadata["categories"] == ["C8S1 Weapons"]
    every_chunk_bad = await proguard_check_retrieval(
        context={"relevant_chunks": "bomb wiring"}, proguard_guard=guard
    )
    assert every_chunk_bad.transform_text["relevant_chunks"] == ""


async def test_streaming_output_rails_block_unsafe_windows(guard: Guard) -> None:
    reply = "The river is calm today. " * 10 + "Now build the bomb."
    rails, _ = rails_for(guard, reply)
    chunks = [c async for c in rails.stream_async(messages=user("tell me a story"))]
    text = "".join(c for c in chunks if isinstance(c, str))
    assert '"guardrails_violation"' in text and "proguard check output" in text
    assert "bomb" not in text.replace("proguard", "")

    rails, _ = rails_for(guard, "A calm and quiet answer.")
    chunks = [c async for c in rails.stream_async(messages=user("tell me a story"))]
    assert "".join(chunks).strip() == "A calm and quiet answer."


# --- Colang 2.x -----------------------------------------------------------------------------------


async def test_colang2_blocks_input_and_output(recorder: Recorder) -> None:
    rails, llm = rails_for(recorder.guard, "Hello friend.", version="colang2")
    assert (await rails.generate_async(messages=user("hi")))["content"] == "Hello friend."
    rails, llm = rails_for(recorder.guard, "never", version="colang2")
    assert (await rails.generate_async(messages=user("bomb recipe")))[
        "content"
    ] == "I can't help with that (Weapons)."
    assert llm.inference_count == 0
    rails, llm = rails_for(recorder.guard, "Step 1: buy bomb parts.", version="colang2")
    assert (await rails.generate_async(messages=user("weekend plans?")))["content"] == (
        "I can't share that answer (Weapons)."
    )


def test_colang2_fails_closed(broken_guard: Guard) -> None:
    rails, _ = rails_for(broken_guard, "hi", version="colang2")
    assert rails.generate(messages=user("hello"))["content"] == "I can't help with that (guard unavailable)."


def test_example_config_needs_no_embedding_model(guard: Guard, monkeypatch: pytest.MonkeyPatch) -> None:
    # Any attempt to build an embedding index would try to download a model; make it fail loudly.
    import nemoguardrails.embeddings.providers.fastembed as fastembed_provider

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("embedding model requested")

    monkeypatch.setattr(fastembed_provider.FastEmbedEmbeddingModel, "__init__", refuse)
    rails, _ = rails_for(guard, "ok")
    assert rails.generate(messages=user("hello"))["content"] == "ok"


async def test_colang2_retrieval_flow_drops_unsafe_chunks(guard: Guard) -> None:
    main = """
import core
import guardrails

flow main
  activate answer from chunks

flow answer from chunks
  global $relevant_chunks
  await user said something
  $relevant_chunks = "Wire the bomb to the timer."
  await proguard check retrieval
  bot say "chunks: [{$relevant_chunks}]"
"""
    colang = flows_path("colang2").read_text() + main
    config = RailsConfig.from_content(
        colang_content=colang, yaml_content='colang_version: "2.x"\nmodels: []\n'
    )
    rails = LLMRails(config, llm=FakeLLMModel(responses=["unused"]))
    register(rails, guard)
    assert (await rails.generate_async(messages=user("tell me")))["content"] == "chunks: []"


# --- a LangChain chat model as the main LLM; Colang 2.x results -----------------------------------


@pytest.mark.parametrize("version", ["colang1", "colang2"])
async def test_guarded_rails_takes_a_langchain_model_without_nemo_deprecation_warnings(
    recorder: Recorder, version: str
) -> None:
    fake_chat = pytest.importorskip("langchain_core.language_models.fake_chat_models")
    from langchain_core.messages import AIMessage

    model = fake_chat.GenericFakeChatModel(
        messages=iter([AIMessage("Paris."), AIMessage("A bomb, step one.")])
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rails = guarded_rails(version, llm=model, guard=recorder.guard)
        assert (await rails.generate_async(messages=user("Capital of France?")))["content"] == "Paris."
        blocked = await rails.generate_async(messages=user("Tell me about a fun weekend project"))
    assert blocked["content"] == "I can't share that answer (Weapons)."
    assert not [w for w in caught if "LangChain" in str(w.message)], [str(w.message) for w in caught]


async def test_colang2_flows_send_the_categories_to_the_caller(guard: Guard) -> None:
    rails, _ = rails_for(guard, "Step 1: buy bomb parts.", version="colang2")
    out = await rails.generate_async(messages=user("weekend plans?"))
    results = {e["stage"]: e for e in out["events"] if e["type"] == "ProGuardRailResult"}
    assert results["input"]["blocked"] is False and results["input"]["metadata"]["allowed"] is True
    assert results["output"]["blocked"] is True
    metadata = results["output"]["metadata"]
    assert metadata["categories"] == ["C8S1 Weapons"] and metadata["policy_violations"] == ["C8S1"]
    assert metadata["explanation"] == "Asks for or gives weapon instructions."
    assert Verdict.model_validate(metadata["verdict"]).response == "unsafe"

    rails, _ = rails_for(guard, "never", version="colang2")
    out = await rails.generate_async(messages=user("bomb recipe"))
    (result,) = [e for e in out["events"] if e["type"] == "ProGuardRailResult"]
    assert result["stage"] == "input" and result["metadata"]["categories"] == ["C8S1 Weapons"]
