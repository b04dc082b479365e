"""The HTTP service through its ASGI app: API shapes, batching, limits, errors, metrics."""

from __future__ import annotations

import asyncio
import base64
import re
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from proguard_core import CategoryVerdict, Guard, Policy, Verdict, default_taxonomy, format_output
from proguard_core.backends.base import Conversation, GenerationParams
from proguard_core.backends.fake import FakeBackend
from proguard_core.models.base import ModelRequest
from proguard_core.models.generative import GenerativeGuard
from proguard_integrations.server import ServerConfig, create_app
from proguard_integrations.server.auth import ApiKeys, keys_from_env, presented_key
from proguard_integrations.server.moderation import CATEGORY_MAP, OPENAI_CATEGORIES, openai_keys
from tests.integrations.conftest import BLUE_PNG, RED_PNG, Recorder, judge

pytest.importorskip("fastapi")


@asynccontextmanager
async def serve(guard: Guard, **config: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(guard, ServerConfig(**config))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://proguard.test") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


class BatchRecordingBackend(FakeBackend):
    """The judging fake, remembering how many conversations each engine call received."""

    def __init__(self, delay_s: float = 0.0) -> None:
        super().__init__(judge)
        self.batches: list[int] = []
        self.delay_s = delay_s

    def generate(self, conversations: Sequence[Conversation], params: GenerationParams) -> list[str]:
        self.batches.append(len(conversations))
        if self.delay_s:
            threading.Event().wait(self.delay_s)
        return super().generate(conversations, params)


class ScriptedModel:
    """A GuardModel returning a fixed verdict, for fields the generative path never fills (scores)."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict

    name = "scripted"
    max_text_chars = None

    def predict(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        return [self.verdict for _ in requests]

    async def apredict(self, requests: Sequence[ModelRequest]) -> list[Verdict]:
        return self.predict(requests)


# --- /v1/moderations --------------------------------------------------------------------------


async def test_moderation_single_string_has_openai_shape(guard: Guard) -> None:
    async with serve(guard) as client:
        reply = await client.post(
            "/v1/moderations", json={"input": "Tell me a joke", "model": "omni-moderation-latest"}
        )
    assert reply.status_code == 200
    body = reply.json()
    assert body["id"].startswith("modr-")
    assert body["model"] == "fake"
    [result] = body["results"]
    assert result["flagged"] is False
    assert set(result["categories"]) == set(OPENAI_CATEGORIES)
    assert set(result["category_scores"]) == set(OPENAI_CATEGORIES)
    assert all(v == ["text"] for v in result["category_applied_input_types"].values())
    assert result["proguard"]["safe"] is True and result["proguard"]["request"] == "safe"


async def test_moderation_list_keeps_order_and_maps_categories(recorder: Recorder) -> None:
    async with serve(recorder.guard) as client:
        reply = await client.post("/v1/moderations", json={"input": ["hello", "how to build a bomb", ""]})
    results = reply.json()["results"]
    assert [r["flagged"] for r in results] == [False, True, False]
    bomb = results[1]
    assert bomb["categories"]["illicit/violent"] is True
    assert bomb["categories"]["illicit"] is True  # parent of a flagged child
    assert bomb["categories"]["sexual"] is False
    assert bomb["category_scores"]["illicit/violent"] == 1.0
    assert bomb["category_scores"]["hate"] == 0.0
    assert bomb["proguard"]["categories"] == ["C8S1"]
    assert bomb["proguard"]["summary"].startswith("unsafe")
    # The empty string is answered without a guard call, as OpenAI answers it unflagged.
    assert len(recorder.calls) == 2
    assert results[2]["proguard"]["summary"] == "nothing to check"


async def test_moderation_content_parts_are_one_multimodal_input(recorder: Recorder) -> None:
    parts = [
        {"type": "text", "text": "what is in this picture?"},
        {"type": "image_url", "image_url": {"url": data_url(RED_PNG)}},
    ]
    async with serve(recorder.guard) as client:
        reply = await client.post("/v1/moderations", json={"input": parts})
    [result] = reply.json()["results"]
    assert result["flagged"] is True
    assert result["categories"]["sexual"] is True and result["categories"]["sexual/minors"] is False
    assert result["category_applied_input_types"]["sexual"] == ["image", "text"]
    assert result["proguard"]["modality"] == "text_image"
    assert recorder.image_count() == 1


async def test_out_of_taxonomy_risk_is_flagged_without_an_openai_key() -> None:
    guard = Guard(GenerativeGuard(FakeBackend(format_output("unsafe", "safe", "Election vote buying"))))
    async with serve(guard) as client:
        [result] = (await client.post("/v1/moderations", json={"input": "x"})).json()["results"]
    assert result["flagged"] is True
    assert not any(result["categories"].values())
    assert result["proguard"]["out_of_taxonomy"] == "Election vote buying"


async def test_scores_come_from_the_verdict_when_present() -> None:
    verdict = Verdict(
        safe=False,
        request="unsafe",
        categories=(CategoryVerdict(id="C9S1", name="Self-Harm and Suicide", in_taxonomy=True, score=0.83),),
        scores={"C9S1": 0.83, "C7S1": 0.2},
    )
    async with serve(Guard(ScriptedModel(verdict))) as client:
        [result] = (await client.post("/v1/moderations", json={"input": "x"})).json()["results"]
    assert result["categories"]["self-harm"] is True
    assert result["category_scores"]["self-harm"] == pytest.approx(0.83)
    assert result["categories"]["hate"] is False
    assert result["category_scores"]["hate"] == pytest.approx(0.2)  # a score, not a flag


def test_category_table_is_consistent_with_the_taxonomy() -> None:
    taxonomy = default_taxonomy()
    for category_id, keys in CATEGORY_MAP.items():
        assert category_id in taxonomy
        assert set(keys) <= set(OPENAI_CATEGORIES)
    assert openai_keys("C11S1") == ("sexual/minors", "sexual")
    assert openai_keys("C1S1") == ()  # copyright has no OpenAI category
    assert openai_keys(None) == ()


# --- /v1/check --------------------------------------------------------------------------------


async def test_check_returns_the_native_verdict(recorder: Recorder) -> None:
    async with serve(recorder.guard) as client:
        reply = await client.post(
            "/v1/check", json={"prompt": "how do I clean a rifle?", "response": "first, build a bomb"}
        )
    verdict = Verdict.model_validate_json(reply.content)
    assert (verdict.safe, verdict.request, verdict.response) == (False, "safe", "unsafe")
    assert verdict.category is not None and verdict.category.id == "C8S1"


async def test_check_passes_images_history_and_category_subset(recorder: Recorder) -> None:
    body = {
        "prompt": "describe it",
        "images": [data_url(BLUE_PNG), base64.b64encode(RED_PNG).decode()],
        "history": [{"role": "user", "text": "earlier question"}],
        "categories": ["C4", "C11"],
    }
    async with serve(recorder.guard) as client:
        reply = await client.post("/v1/check", json=body)
    verdict = Verdict.model_validate_json(reply.content)
    assert verdict.unsafe and verdict.parts == 2  # one check per image
    system = recorder.calls[0][0]["content"]
    assert isinstance(system, str)
    assert "C4: " in system and "C11: " in system and "C8: " not in system
    assert "earlier question" in recorder.texts()[0]


async def test_unknown_category_is_a_400(guard: Guard) -> None:
    async with serve(guard) as client:
        reply = await client.post("/v1/check", json={"prompt": "x", "categories": ["C99"]})
    assert reply.status_code == 400
    assert reply.json()["error"]["type"] == "unknown_category"


async def test_empty_check_is_a_400(guard: Guard) -> None:
    async with serve(guard) as client:
        reply = await client.post("/v1/check", json={"prompt": "  "})
    assert reply.status_code == 400
    assert reply.json()["error"]["type"] == "invalid_input"


# --- batching ---------------------------------------------------------------------------------


async def test_concurrent_requests_share_batches_and_keep_their_own_verdicts() -> None:
    backend = BatchRecordingBackend(delay_s=0.02)
    guard = Guard(GenerativeGuard(backend))
    prompts = [f"request {i}: " + ("bomb" if i % 3 == 0 else "tea") for i in range(40)]
    async with serve(guard, max_batch_size=8, max_wait_ms=20) as client:
        replies = await asyncio.gather(*(client.post("/v1/check", json={"prompt": p}) for p in prompts))
    flags = [not r.json()["safe"] for r in replies]
    assert flags == [i % 3 == 0 for i in range(40)]
    assert max(backend.batches) > 1
    assert max(backend.batches) <= 8
    assert sum(backend.batches) == 40


async def test_category_subsets_are_batched_apart(recorder: Recorder) -> None:
    async with serve(recorder.guard, max_wait_ms=20) as client:
        await asyncio.gather(
            client.post("/v1/check", json={"prompt": "a", "categories": ["C4"]}),
            client.post("/v1/check", json={"prompt": "b"}),
        )
    systems = {c[1]["content"][-1]["text"].split("User: ")[1][0]: c[0]["content"] for c in recorder.calls}
    assert "C8: " not in systems["a"] and "C8: " in systems["b"]


async def test_full_queue_answers_429() -> None:
    gate = threading.Event()

    def blocked(conversation: Conversation) -> str:
        gate.wait(10)
        return judge(conversation)

    guard = Guard(GenerativeGuard(FakeBackend(blocked)))
    async with serve(guard, max_batch_size=1, max_queue=2, max_wait_ms=0) as client:
        first = asyncio.create_task(client.post("/v1/check", json={"prompt": "one"}))
        await asyncio.sleep(0.2)  # taken by the batcher, blocked in the engine
        queued = [asyncio.create_task(client.post("/v1/check", json={"prompt": f"q{i}"})) for i in range(2)]
        await asyncio.sleep(0.2)
        refused = await client.post("/v1/check", json={"prompt": "too many"})
        gate.set()
        done = await asyncio.gather(first, *queued)
    assert refused.status_code == 429
    assert refused.json()["error"]["type"] == "queue_full"
    assert refused.headers["retry-after"] == "1"
    assert [r.status_code for r in done] == [200, 200, 200]


# --- failures and timeouts --------------------------------------------------------------------


def _slow_guard(policy: Policy | None = None) -> tuple[Guard, threading.Event]:
    gate = threading.Event()

    def slow(conversation: Conversation) -> str:
        gate.wait(5)
        return judge(conversation)

    return Guard(GenerativeGuard(FakeBackend(slow)), policy=policy), gate


async def test_timeout_gives_a_fail_closed_verdict() -> None:
    guard, gate = _slow_guard()
    async with serve(guard, timeout_s=0.2) as client:
        reply = await client.post("/v1/check", json={"prompt": "hello"})
        gate.set()
    verdict = Verdict.model_validate_json(reply.content)
    assert reply.status_code == 200
    assert verdict.unsafe and verdict.policy == "fail_closed:timeout"
    assert verdict.error is not None and "0.2" in verdict.error


async def test_timeout_with_raise_policy_is_a_504() -> None:
    guard, gate = _slow_guard(Policy(on_error="raise"))
    async with serve(guard, timeout_s=0.2) as client:
        reply = await client.post("/v1/moderations", json={"input": "hello"})
        gate.set()
    assert reply.status_code == 504
    assert reply.json()["error"]["type"] == "timeout"


async def test_engine_failure_follows_the_guard_policy(broken_guard: Guard) -> None:
    async with serve(broken_guard) as client:
        [result] = (await client.post("/v1/moderations", json={"input": "hello"})).json()["results"]
    assert result["flagged"] is True
    assert result["proguard"]["policy"] == "fail_closed:error"
    raising = Guard(GenerativeGuard(FakeBackend([RuntimeError("down")])), policy=Policy(on_error="raise"))
    async with serve(raising) as client:
        reply = await client.post("/v1/check", json={"prompt": "hello"})
    assert reply.status_code == 502
    assert reply.json()["error"]["type"] == "backend_error"


async def test_closed_batcher_answers_503(guard: Guard) -> None:
    async with serve(guard) as client:
        await client.app.state.proguard.batcher.close()  # type: ignore[attr-defined]
        reply = await client.post("/v1/check", json={"prompt": "hello"})
        health = await client.get("/healthz")
    assert reply.status_code == 503
    assert reply.json()["error"]["type"] == "shutting_down"
    assert health.status_code == 503 and health.json()["status"] == "draining"


async def test_unknown_route_and_method_are_typed(guard: Guard) -> None:
    async with serve(guard) as client:
        missing = await client.get("/v2/nothing")
        wrong = await client.get("/v1/check")
    assert (missing.status_code, missing.json()["error"]["type"]) == (404, "not_found")
    assert (wrong.status_code, wrong.json()["error"]["type"]) == (405, "method_not_allowed")


# --- auth, health, metrics, request ids -------------------------------------------------------


async def test_api_keys(guard: Guard) -> None:
    async with serve(guard, api_keys=("alpha", "beta")) as client:
        none = await client.post("/v1/check", json={"prompt": "x"})
        wrong = await client.post(
            "/v1/check", json={"prompt": "x"}, headers={"Authorization": "Bearer alphax"}
        )
        bearer = await client.post(
            "/v1/check", json={"prompt": "x"}, headers={"Authorization": "Bearer beta"}
        )
        header = await client.post("/v1/check", json={"prompt": "x"}, headers={"X-API-Key": "alpha"})
        health = await client.get("/healthz")
        metrics = await client.get("/metrics")
    assert none.status_code == wrong.status_code == 401
    assert none.json()["error"]["type"] == "unauthorized"
    assert none.headers["www-authenticate"] == "Bearer"
    assert bearer.status_code == header.status_code == 200
    assert health.status_code == 200  # load balancers probe without a key
    assert metrics.status_code == 401


def test_key_helpers() -> None:
    assert keys_from_env({"PROGUARD_API_KEYS": "a, b\nc"}) == ("a", "b", "c")
    assert keys_from_env({}) == ()
    keys = ApiKeys(["k1"])
    assert keys.allows("k1") and not keys.allows("k") and not keys.allows(None) and not keys.allows("")
    assert ApiKeys([]).allows(None)
    assert presented_key({"authorization": "Basic abc"}) is None
    assert presented_key({"authorization": "bearer  tok "}) == "tok"


async def test_request_id_is_echoed_or_made(guard: Guard) -> None:
    async with serve(guard) as client:
        given = await client.post("/v1/check", json={"prompt": "x"}, headers={"X-Request-ID": "abc-123"})
        made = await client.post("/v1/check", json={"prompt": "x"})
        hostile = await client.post("/v1/check", json={"prompt": "x"}, headers={"X-Request-ID": "a b" * 100})
    assert given.headers["x-request-id"] == "abc-123"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    assert re.fullmatch(r"[0-9a-f]{32}", hostile.headers["x-request-id"])


_SAMPLE = re.compile(r'^[a-z_]+(\{([a-z_]+="[^"\\]*(\\.[^"\\]*)*",?)*\})? -?[0-9.e+Inf-]+$')


async def test_metrics_exposition(recorder: Recorder) -> None:
    async with serve(recorder.guard, max_wait_ms=10) as client:
        await asyncio.gather(*(client.post("/v1/check", json={"prompt": p}) for p in ["bomb", "tea", "tea"]))
        await client.post("/v1/check", content=b"{")
        text = (await client.get("/metrics")).text
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert all(_SAMPLE.match(line) for line in lines), [line for line in lines if not _SAMPLE.match(line)]
    assert 'proguard_requests_total{endpoint="/v1/check",status="200"} 3' in lines
    assert 'proguard_requests_total{endpoint="/v1/check",status="400"} 1' in lines
    assert 'proguard_verdicts_total{flagged="true"} 1' in lines
    assert 'proguard_flagged_total{category="C8S1"} 1' in lines
    assert 'proguard_errors_total{type="invalid_json"} 1' in lines
    assert "proguard_queue_depth 0" in lines
    assert "# TYPE proguard_request_duration_seconds histogram" in text
    buckets = [float(x.rsplit(" ", 1)[1]) for x in lines if x.startswith("proguard_batch_size_bucket")]
    assert buckets == sorted(buckets)  # cumulative
    count = next(x for x in lines if x.startswith("proguard_batch_size_count"))
    assert float(count.rsplit(" ", 1)[1]) == buckets[-1]
    total = next(x for x in lines if x.startswith("proguard_batch_size_sum"))
    assert float(total.rsplit(" ", 1)[1]) == 3  # three inputs, however they were batched


async def test_health(guard: Guard) -> None:
    async with serve(guard) as client:
        reply = await client.get("/healthz")
    assert reply.status_code == 200
    assert reply.json()["status"] == "ok" and reply.json()["model"] == "fake"


def test_metric_labels_are_escaped() -> None:
    from proguard_integrations.server.metrics import Counter, Histogram

    counter = Counter("x_total", "help", ("name",))
    counter.inc('a"b\\c\nd')
    assert counter.lines() == ['x_total{name="a\\"b\\\\c\\nd"} 1']
    histogram = Histogram("h_seconds", "help", (0.1, 1.0))
    histogram.observe(0.5)
    histogram.observe(5.0)
    assert histogram.lines() == [
        'h_seconds_bucket{le="0.1"} 0',
        'h_seconds_bucket{le="1"} 1',
        'h_seconds_bucket{le="+Inf"} 2',
        "h_seconds_sum 5.5",
        "h_seconds_count 2",
    ]
