"""LangChain values -> GuardInput, built once per check, and verdicts attached back onto values.

Messages are read by :mod:`proguard_core.inputs`, the one reader of chat messages: text and
images come from ``message.content_blocks``, which LangChain normalises from every provider
format it knows (OpenAI ``image_url`` parts, standard ``image`` blocks with base64 or url), so the
guard sees the picture itself, never a string rendering of the message; a reply's tool calls are
part of what it says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, convert_to_messages
from langchain_core.prompt_values import ChatPromptValue, PromptValue, StringPromptValue

from proguard_core import GuardInput, InputError, Verdict
from proguard_core.inputs import from_messages, read_message, validated
from proguard_integrations._shared import VERDICT_KEY, verdict_payload, with_reply


def as_messages(value: Any) -> list[BaseMessage] | None:
    """The message list inside a value, or None when the value is not a conversation."""
    if isinstance(value, ChatPromptValue):
        return list(value.messages)
    if isinstance(value, BaseMessage):
        return [value]
    if isinstance(value, Mapping) and "messages" in value:
        return as_messages(value["messages"])
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        try:
            return convert_to_messages(value)
        except (ValueError, TypeError, NotImplementedError):
            return None
    return None


def conversation(messages: Sequence[BaseMessage]) -> GuardInput | None:
    """The latest user turn (text + images), the replies after it, earlier turns as history.

    None when no message is from the user or the model (only a system prompt, say).
    """
    read = [read_message(m) for m in messages]
    if all(m.role == "other" for m in read):
        return None
    return from_messages(read)


def _dict_text(value: Mapping[str, Any]) -> str:
    # Template variables of a prompt: all of their text is what the user controls.
    return "\n".join(v for v in value.values() if isinstance(v, str) and v.strip())


def input_stage(value: Any) -> GuardInput:
    """What to check before a model: the user's latest turn."""
    if isinstance(value, str):
        return GuardInput(prompt=value)
    if isinstance(value, StringPromptValue):
        return GuardInput(prompt=value.to_string())
    messages = as_messages(value)
    if messages is not None:
        read = [read_message(m) for m in messages]
        if any(m.role != "other" for m in read):
            return from_messages(read)
        # No user turn (a system prompt carrying the template's variables, say): everything
        # that will reach the model.
        return validated(
            {
                "prompt": "\n".join(m.text for m in read if m.text.strip()),
                "images": tuple(i for m in read for i in m.images),
            }
        )
    if isinstance(value, PromptValue):
        return GuardInput(prompt=value.to_string())
    if isinstance(value, Mapping):
        return GuardInput(prompt=_dict_text(value))
    raise InputError(f"ProGuardCheck cannot read a {type(value).__name__}; pass text, messages or a prompt")


def output_stage(value: Any, context: GuardInput | None) -> GuardInput | None:
    """What to check after a model: its reply, judged against the prompt that produced it.

    Returns None for a reply with nothing to judge (empty text, no tool calls).
    """
    if isinstance(value, str):
        return with_reply(context, value)
    if isinstance(value, BaseMessage):
        return reply_input(value, context)
    messages = as_messages(value)
    if messages and isinstance(messages[-1], AIMessage):
        # The conversation names its own prompt; the paired input check's is the fallback.
        item = conversation(messages)
        if item is None or item.prompt is not None or not item.has_response:
            return item
        return with_reply(context, item.response or "", item.images)
    if isinstance(value, Mapping):
        return with_reply(context, _dict_text(value))
    raise InputError(f"ProGuardCheck cannot read a {type(value).__name__} reply")


def reply_input(reply: BaseMessage, context: GuardInput | None) -> GuardInput | None:
    """One model reply (text, tool calls, images) judged against ``context``."""
    read = read_message(reply)
    return with_reply(context, read.text, read.images)


def tool_result(message: BaseMessage) -> GuardInput | None:
    """A tool's output enters the model's context like user text; check it that way."""
    read = read_message(message)
    if not read.text.strip() and not read.images:
        return None
    return validated({"prompt": read.text, "images": read.images})


def annotate(value: Any, verdict: Verdict) -> Any:
    """The value with the verdict attached where it survives the chain; text cannot carry one."""
    payload = verdict_payload(verdict)
    if isinstance(value, BaseMessage):
        return _annotated_message(value, payload)
    if isinstance(value, ChatPromptValue) and value.messages:
        return ChatPromptValue(
            messages=[*value.messages[:-1], _annotated_message(value.messages[-1], payload)]
        )
    if isinstance(value, list) and value and isinstance(value[-1], BaseMessage):
        return [*value[:-1], _annotated_message(value[-1], payload)]
    if isinstance(value, Mapping) and not isinstance(value, BaseMessage):
        return {**value, VERDICT_KEY: payload}
    return value


def carries_verdict(value: Any) -> bool:
    """Whether :func:`annotate` can attach a verdict to ``value`` (text and numbers cannot)."""
    if isinstance(value, (BaseMessage, Mapping)):
        return True
    if isinstance(value, ChatPromptValue):
        return bool(value.messages)
    return isinstance(value, list) and bool(value) and isinstance(value[-1], BaseMessage)


def _annotated_message(message: BaseMessage, payload: dict[str, Any]) -> BaseMessage:
    return message.model_copy(
        update={"response_metadata": {**message.response_metadata, VERDICT_KEY: payload}}
    )


def get_verdict(value: Any) -> Verdict | None:
    """Read back a verdict that ``mode="annotate"`` attached to a message, prompt or dict."""
    if isinstance(value, (str, bytes)):
        raise TypeError(
            "text cannot carry a verdict: a step after ProGuardCheck(mode='annotate') turned the "
            "message into text. Read the verdict with proguard_integrations.langchain.collect_verdicts() "
            "or a VerdictLog callback instead"
        )
    payload: Any = None
    if isinstance(value, BaseMessage):
        payload = value.response_metadata.get(VERDICT_KEY)
    elif isinstance(value, ChatPromptValue) and value.messages:
        payload = value.messages[-1].response_metadata.get(VERDICT_KEY)
    elif isinstance(value, list) and value and isinstance(value[-1], BaseMessage):
        payload = value[-1].response_metadata.get(VERDICT_KEY)
    elif isinstance(value, Mapping):
        payload = value.get(VERDICT_KEY)
    return Verdict.model_validate(payload) if payload is not None else None


def chunk_text(chunk: Any) -> str:
    if isinstance(chunk, str):
        return chunk
    if isinstance(chunk, AIMessageChunk):
        # Streamed tool calls arrive as argument fragments; they are part of what the model says.
        return str(chunk.text) + "".join(c.get("args") or "" for c in chunk.tool_call_chunks)
    if isinstance(chunk, BaseMessage):
        return str(chunk.text)
    return str(chunk)


__all__ = [
    "annotate",
    "as_messages",
    "carries_verdict",
    "chunk_text",
    "conversation",
    "get_verdict",
    "input_stage",
    "output_stage",
    "reply_input",
    "tool_result",
]
