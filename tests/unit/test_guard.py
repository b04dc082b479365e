"""The Guard facade: policy, splitting, merging, batching, async, timeouts."""

import asyncio
import json
import threading
import time

import pytest
from pydantic import ValidationError

from proguard_core import (
    BackendError,
    Guard,
    GuardInput,
    GuardTimeoutError,
    InputError,
    Policy,
    RemoteImageRefusedError,
    UnparseableOutputError,
    Verdict,
    format_output,
    load_guard,
)
from proguard_core.backends.fake import FakeBackend
from proguard_core.guard import parse_spec, split_text
from proguard_core.models.generative import GenerativeGuard
from tests.unit.images_util import png_bytes

UNSAFE_C8 = format_output("unsafe", "safe", "C8S1", "weapons")
SAFE = format_output("safe", "safe", None, "fine")


def keyword_guard(max_text_chars=None, **guard_kw):
    """Unsafe when the checked conversation mentions 'bomb' or holds a red image marker."""

    def respond(conversation):
        text = conversation[-1]["content"][-1]["text"]
        has_image = any(p["type"] == "image" for p in conversation[-1]["content"])
        if "bomb" in text:
            return UNSAFE_C8
        if has_image and conversation[-1]["content"][0]["image"].width == 99:
            return format_output("unsafe", "unsafe", "C7", "bad image")
        return SAFE

    backend = FakeBackend(respond)
    return Guard(GenerativeGuard(backend, max_text_chars=max_text_chars), **guard_kw), backend


def test_check_returns_typed_verdict_that_round_trips():
    guard, _ = keyword_guard()
    verdict = guard.check("how do I build a bomb?")
    assert not verdict.safe and verdict.request == "unsafe" and verdict.response is None
    assert verdict.category.id == "C8S1" and verdict.reasoning == "weapons"
    assert Verdict.model_validate_json(verdict.model_dump_json()) == verdict
    json.loads(verdict.model_dump_json())
    with pytest.raises(ValidationError, match="frozen"):
        verdict.safe = True


def test_response_label_only_when_a_response_is_given():
    guard, _ = keyword_guard()
    assert guard.check("hi", "hello").response == "safe"
    assert guard.check("hi").response is None


@pytest.mark.parametrize(
    ("policy", "expected_safe", "tag"),
    [
        (Policy(), False, "fail_closed:parse_error"),
        (Policy(on_parse_error="allow"), True, "fail_open:parse_error"),
    ],
)
def test_parse_errors_fail_closed_by_default(policy, expected_safe, tag):
    guard = Guard(GenerativeGuard(FakeBackend("I refuse to answer in your format")), policy=policy)
    verdict = guard.check("hello")
    assert verdict.parse_error and verdict.safe is expected_safe and verdict.policy == tag


def test_parse_error_policy_raise():
    guard = Guard(GenerativeGuard(FakeBackend("garbage")), policy=Policy(on_parse_error="raise"))
    with pytest.raises(UnparseableOutputError):
        guard.check("hello")


def test_backend_errors_fail_closed_or_raise():
    failing = FakeBackend([RuntimeError("CUDA out of memory")])
    verdict = Guard(GenerativeGuard(failing)).check("hello")
    assert not verdict.safe and verdict.policy == "fail_closed:error" and "CUDA" in verdict.error
    allowed = Guard(GenerativeGuard(failing), policy=Policy(on_error="allow")).check("hello")
    assert allowed.safe and allowed.policy == "fail_open:error"
    with pytest.raises(BackendError):
        Guard(GenerativeGuard(failing), policy=Policy(on_error="raise")).check("hello")


def test_unexpected_engine_exceptions_also_fail_closed():
    class Broken:
        name = "broken"
        max_text_chars = None

        def predict(self, requests):
            raise ZeroDivisionError("bug")

        async def apredict(self, requests):
            raise ZeroDivisionError("bug")

    verdict = Guard(Broken()).check("hello")
    assert not verdict.safe and "ZeroDivisionError" in verdict.error


def test_timeout_fails_closed():
    slow = FakeBackend(lambda conv: time.sleep(0.5) or SAFE)
    guard = Guard(GenerativeGuard(slow), policy=Policy(timeout_s=0.05))
    verdict = guard.check("hello")
    assert not verdict.safe and verdict.policy == "fail_closed:error" and "no verdict within" in verdict.error
    with pytest.raises(GuardTimeoutError):
        Guard(GenerativeGuard(slow), policy=Policy(timeout_s=0.05, on_error="raise")).check("hello")


async def test_async_timeout_fails_closed():
    class Slow:
        name = "slow"
        max_text_chars = None

        def predict(self, requests):
            raise AssertionError("sync path not expected")

        async def apredict(self, requests):
            await asyncio.sleep(1)

    verdict = await Guard(Slow(), policy=Policy(timeout_s=0.05)).acheck("hello")
    assert not verdict.safe and "no verdict within" in verdict.error


def test_unsafe_tail_of_long_text_is_caught():
    guard, backend = keyword_guard(max_text_chars=300)
    text = "lorem ipsum dolor sit amet " * 200 + "now tell me how to build a bomb"
    verdict = guard.check(text)
    assert not verdict.safe and verdict.parts > 10
    checked = [c[-1]["content"][-1]["text"] for c in backend.calls]
    # every character of the original text reached the model in some part
    joined = "".join(checked)
    assert "build a bomb" in joined
    assert all(len(t) < 300 + 200 for t in checked)


def test_long_response_is_split_and_judged_with_the_prompt():
    guard, backend = keyword_guard(max_text_chars=400)
    verdict = guard.check("question?", "fine words " * 100 + "here is the bomb recipe")
    assert (not verdict.safe and verdict.response == "unsafe") or verdict.request == "unsafe"
    assert all("User: question?" in c[-1]["content"][-1]["text"] for c in backend.calls)


def test_long_input_with_empty_history_turn_and_blank_stretches_is_checked():
    guard, _ = keyword_guard(max_text_chars=300)
    text = "intro " + " " * 2000 + "now the bomb part"
    verdict = guard.check(text, history=[{"role": "user", "text": ""}, {"role": "assistant", "text": "ok"}])
    assert not verdict.safe and verdict.error is None


def test_split_text_covers_everything_with_overlap():
    text = " ".join(f"w{i}" for i in range(1000))
    chunks = split_text(text, 100, overlap=20)
    assert all(len(c) <= 100 for c in chunks)
    rebuilt = chunks[0]
    for chunk in chunks[1:]:
        overlap = next(k for k in range(min(len(rebuilt), len(chunk)), -1, -1) if rebuilt.endswith(chunk[:k]))
        rebuilt += chunk[overlap:]
    assert rebuilt == text


def test_every_image_is_checked_and_the_worst_wins():
    guard, backend = keyword_guard()
    verdict = guard.check(
        "describe these", images=[png_bytes((10, 10)), png_bytes((99, 10)), png_bytes((12, 10))]
    )
    assert verdict.parts == 3 and len(backend.calls) == 3
    assert not verdict.safe and verdict.category.id == "C7"
    assert all(sum(p["type"] == "image" for p in c[-1]["content"]) == 1 for c in backend.calls)


def test_batch_is_ordered_and_chunked():
    guard, backend = keyword_guard(max_batch_size=2)
    items = ["a bomb", "hello", GuardInput(prompt="x", response="bomb"), {"prompt": "fine"}]
    verdicts = guard.check_batch(items)
    assert [v.safe for v in verdicts] == [False, True, False, True]
    assert len(backend.calls) == 4


async def test_async_batch_matches_sync():
    guard, _ = keyword_guard()
    items = ["a bomb", "hello", "nice day"]
    sync = [v.safe for v in guard.check_batch(items)]
    assert [v.safe for v in await guard.acheck_batch(items)] == sync
    assert not (await guard.acheck("bomb")).safe


def test_concurrent_checks_from_threads():
    guard, _ = keyword_guard()
    results = {}

    def work(i):
        results[i] = guard.check("bomb" if i % 2 else "ok").safe

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: i % 2 == 0 for i in range(16)}


def test_categories_subset_reaches_the_prompt_and_the_parser():
    guard, backend = keyword_guard()
    verdict = guard.check("bomb", categories=["C1", "C2"])
    system = backend.calls[0][0]["content"]
    assert "C8S1" not in system and "C1S1" in system
    assert verdict.category.id == "C8S1" and not verdict.category.provided


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda g: g.check(""), InputError),
        (lambda g: g.check("   "), InputError),
        (lambda g: g.check(12), InputError),
        (lambda g: g.check(b"\xff\xfe"), InputError),
        (lambda g: g.check_batch("not a list"), InputError),
        (lambda g: g.check("x", categories=["C99"]), InputError),
        (lambda g: g.check("x", images=["https://example.com/a.png"]), RemoteImageRefusedError),
    ],
)
def test_bad_input_is_a_typed_error(call, error):
    guard, _ = keyword_guard()
    with pytest.raises(error):
        call(guard)


def test_invalid_utf8_bytes_in_input_is_a_clear_error():
    with pytest.raises(InputError, match="UTF-8"):
        GuardInput(prompt=b"abc\xff")


def test_megabyte_of_text_is_fully_checked():
    guard, _ = keyword_guard(max_text_chars=50_000)
    text = "a" * 1_000_000 + " bomb"
    verdict = guard.check(text)
    assert not verdict.safe and verdict.parts >= 20


def test_load_guard_specs():
    assert parse_spec("openai:ProGuard-7B@http://127.0.0.1:8000/v1") == (
        "openai",
        "ProGuard-7B",
        {"base_url": "http://127.0.0.1:8000/v1"},
    )
    assert parse_spec("transformers:models/pg") == ("transformers", "models/pg", {})
    with pytest.raises(InputError):
        parse_spec("nope:x")
    with pytest.raises(InputError):
        parse_spec("transformers")
    guard = load_guard("fake")
    assert guard.check("anything").safe
    scripted = load_guard(backend="fake", outputs=[UNSAFE_C8])
    assert not scripted.check("x").safe
    with pytest.raises(InputError, match="needs model"):
        load_guard(backend="transformers")


def test_backend_options_pass_through_a_spec_and_misspellings_are_named():
    remote = load_guard("openai:ProGuard-7B@http://127.0.0.1:9/v1", max_concurrency=3, timeout_s=7.5)
    engine = remote.model.backend  # type: ignore[attr-defined]
    assert (engine.max_concurrency, engine.base_url) == (3, "http://127.0.0.1:9/v1")
    with pytest.raises(InputError, match=r"no option max_concurency; it accepts: .*max_concurrency"):
        load_guard("openai:ProGuard-7B@http://127.0.0.1:9/v1", max_concurency=3)
    with pytest.raises(InputError, match="'embedded' has no option outputs"):
        load_guard("embedded", outputs=[])
