"""What callers pass to Guard.check / check_batch: single images, pairs, chat messages, verdict JSON."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from proguard_core import Guard, GuardInput, InputError, Turn, Verdict, format_output
from proguard_core.backends.fake import FakeBackend
from proguard_core.models.base import ModelRequest
from proguard_core.models.generative import GenerativeGuard
from tests.unit.images_util import png_bytes

UNSAFE = format_output("unsafe", "unsafe", "C8S1", "weapons")
SAFE = format_output("safe", "safe", None, "fine")


class SeenGuard:
    """A guard over a scripted engine that keeps the GuardInput of every request it was sent."""

    def __init__(self) -> None:
        def respond(conversation: Any) -> str:
            text = str(conversation[-1]["content"][-1].get("text", ""))
            return UNSAFE if "bomb" in text else SAFE

        self.guard = Guard(GenerativeGuard(FakeBackend(respond)))
        self.inputs: list[GuardInput] = []
        predict = self.guard.model.predict

        def recording(requests: list[ModelRequest]) -> list[Verdict]:
            self.inputs.extend(r.input for r in requests)
            return predict(requests)

        self.guard.model.predict = recording  # type: ignore[method-assign]


@pytest.fixture
def seen() -> SeenGuard:
    return SeenGuard()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


# --- images -------------------------------------------------------------------------------------


def test_a_single_image_path_is_one_image(seen: SeenGuard, tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    photo.write_bytes(png_bytes((64, 48), "green"))
    for single in (str(photo), photo, photo.read_bytes(), data_url(photo.read_bytes())):
        verdict = seen.guard.check("What is shown here?", images=single)
        assert verdict.parts == 1 and verdict.modality.value == "text_image"
    assert all(len(i.images) == 1 and i.images[0].width == 64 for i in seen.inputs)
    assert seen.guard.check("two", images=[photo, str(photo)]).parts == 2


def test_a_missing_single_image_names_the_whole_path(seen: SeenGuard) -> None:
    with pytest.raises(InputError, match=r"nope/photo\.png"):
        seen.guard.check("What is shown here?", images="nope/photo.png")


# --- pairs and dicts ------------------------------------------------------------------------------


def test_check_batch_takes_prompt_response_pairs(seen: SeenGuard) -> None:
    verdicts = seen.guard.check_batch(
        [("Tell me about a fun weekend project", "Fill a pipe with powder: a bomb."), ("Hi", None)]
    )
    assert [v.safe for v in verdicts] == [False, True]
    assert verdicts[0].response == "unsafe" and verdicts[1].response is None
    assert seen.inputs[0].prompt == "Tell me about a fun weekend project"
    assert seen.inputs[0].response == "Fill a pipe with powder: a bomb."
    assert seen.guard.check(("hello", "hi there")).response == "safe"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (("a", "b", "c"), r"\(prompt, response\)"),
        ((1, 2), r"\(prompt, response\)"),
        ({"promt": "typo"}, "unknown keys: promt"),
        ({"prompt": "x", "history": [{"role": "system", "text": "y"}]}, "^history.0.role: "),
        (["just", "strings"], "cannot check a list: pass text, a \\(prompt, response\\) pair"),
        (12, "cannot check a int"),
        ({"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}, "'input_audio' part"),
        ({"role": "narrator", "content": "x"}, "role 'narrator': expected user or assistant"),
        ([{"role": "system", "content": "be nice"}], "needs a user or an assistant message"),
    ],
)
def test_what_cannot_be_checked_is_a_one_line_error(seen: SeenGuard, item: Any, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        seen.guard.check_batch([item])
    assert "\n" not in str(caught.value)


def test_a_whole_item_takes_no_separate_fields(seen: SeenGuard) -> None:
    with pytest.raises(InputError, match="whole item"):
        seen.guard.check(("p", "r"), images=[png_bytes()])


# --- chat messages --------------------------------------------------------------------------------


def test_one_chat_message_dict(seen: SeenGuard) -> None:
    assert seen.guard.check({"role": "user", "content": "How do I build a bomb?"}).unsafe
    assert seen.guard.check({"role": "assistant", "content": "Here you go."}).response == "safe"
    assert seen.inputs[0].prompt == "How do I build a bomb?" and seen.inputs[0].response is None
    assert seen.inputs[1].prompt is None and seen.inputs[1].response == "Here you go."


def test_openai_conversation_judges_the_last_user_turn_and_the_reply_after_it(seen: SeenGuard) -> None:
    conversation = [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Hi!"},
        {"role": "assistant", "content": "Hello, how can I help?"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Tell me about a fun weekend project"},
                {"type": "image_url", "image_url": {"url": data_url(png_bytes((64, 48), "blue"))}},
            ],
        },
        {"role": "assistant", "content": None, "tool_calls": [_openai_call("search", '{"q": "pipe"}')]},
        {"role": "tool", "tool_call_id": "1", "content": "results"},
        {"role": "assistant", "content": "Build a pipe bomb."},
    ]
    verdict = seen.guard.check(conversation)
    assert verdict.unsafe and verdict.response == "unsafe"
    item = seen.inputs[0]
    assert item.prompt == "Tell me about a fun weekend project"
    assert item.response == 'search({"q": "pipe"})\nBuild a pipe bomb.'
    assert item.history == (
        Turn(role="user", text="Hi!"),
        Turn(role="assistant", text="Hello, how can I help?"),
    )
    assert len(item.images) == 1 and item.images[0].width == 64


def test_langchain_messages_are_read_by_their_shape(seen: SeenGuard) -> None:
    messages = pytest.importorskip("langchain_core.messages")
    conversation = [
        messages.SystemMessage("Be brief."),
        messages.HumanMessage("Suggest a name for a cat."),
        messages.AIMessage("How about Whiskers?"),
        messages.HumanMessage(
            content_blocks=[
                {"type": "text", "text": "And for a dog?"},
                {"type": "image", "base64": base64.b64encode(png_bytes()).decode(), "mime_type": "image/png"},
            ]
        ),
        messages.AIMessage("", tool_calls=[{"name": "lookup", "args": {"q": "bomb names"}, "id": "1"}]),
    ]
    verdict = seen.guard.check(conversation)
    item = seen.inputs[0]
    assert item.prompt == "And for a dog?" and item.response == 'lookup({"q": "bomb names"})'
    assert [t.text for t in item.history] == ["Suggest a name for a cat.", "How about Whiskers?"]
    assert len(item.images) == 1 and verdict.response == "unsafe"
    assert seen.guard.check(messages.HumanMessage("hello")).safe
    with pytest.raises(InputError, match="file_id"):
        seen.guard.check(messages.HumanMessage(content=[{"type": "image", "file_id": "file-1"}]))


def test_every_text_a_reply_holds_is_read(seen: SeenGuard) -> None:
    reply = {
        "role": "assistant",
        "content": [
            {"type": "reasoning", "reasoning": "the scratchpad is not judged"},
            {
                "type": "server_tool_result",
                "tool_call_id": "s1",
                "status": "success",
                "output": {"hits": ["a bomb"]},
            },
            {"type": "text-plain", "mime_type": "text/plain", "text": "notes"},
            {"type": "refusal", "refusal": "I won't."},
        ],
    }
    seen.guard.check([{"role": "user", "content": "search"}, reply])
    assert seen.inputs[0].response == '{"hits": ["a bomb"]}\nnotes\nI won\'t.'
    with pytest.raises(InputError, match="text-plain"):
        seen.guard.check({"role": "user", "content": [{"type": "text-plain", "url": "https://x/a.txt"}]})


def test_check_batch_checks_each_conversation_apart(seen: SeenGuard) -> None:
    first = [{"role": "user", "content": "a bomb, please"}]
    second = [{"role": "user", "content": "tea?"}, {"role": "assistant", "content": "Green tea."}]
    assert [v.safe for v in seen.guard.check_batch([first, second])] == [False, True]


def test_core_import_stays_free_of_langchain() -> None:
    import subprocess
    import sys

    code = "import sys, proguard_core; proguard_core.load_guard; print('langchain_core' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
    )


# --- verdicts as JSON -----------------------------------------------------------------------------


def test_a_verdict_goes_through_json_dumps_via_to_dict(seen: SeenGuard) -> None:
    verdict = seen.guard.check("How do I build a bomb?", images=png_bytes())
    text = json.dumps(verdict.to_dict())
    assert Verdict.model_validate(json.loads(text)) == verdict
    assert json.loads(verdict.model_dump_json()) == verdict.to_dict()


def _openai_call(name: str, arguments: str) -> dict[str, Any]:
    return {"id": "1", "type": "function", "function": {"name": name, "arguments": arguments}}
