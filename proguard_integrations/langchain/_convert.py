"""LangChain values -> GuardInput, and verdicts attached back onto LangChain values.

Images are read from ``message.content_blocks``, which LangChain normalises from every provider
format it knows (OpenAI ``image_url`` parts, standard ``image`` blocks with base64 or url), so
the guard sees the picture itself, never a string rendering of the message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
    convert_to_messages,
)
from langchain_core.prompt_values import ChatPromptValue, PromptValue, StringPromptValue

from proguard_core import GuardInput, InputError, Turn, Verdict
from proguard_integrations._shared import VERDICT_KEY, guard_input, verdict_payload


def message_text(message: BaseMessage) -> str:
    return message.text if isinstance(message.text, str) else str(message.text)


def message_images(message: BaseMessage) -> list[str]:
    """Image references a GuardInput accepts (data URLs, http URLs) from a message's blocks."""
    images: list[str] = []
    for content_block in message.content_blocks:
        block: dict[str, Any] = dict(content_block)
        if block.get("type") != "image":
            continue
        if block.get("base64"):
            images.append(f"data:{block.get('mime_type') or 'image/png'};base64,{block['base64']}")
        elif block.get("url"):
            images.append(str(block["url"]))
        else:
            # A provider-side file id cannot be looked at; refusing beats passing it unchecked.
            raise InputError("ProGuard cannot check an image given only by file_id; pass its bytes or URL")
    return images


def reply_text(message: BaseMessage) -> str:
    """What a reply says, tool calls included: arguments can carry harmful content too."""
    text = message_text(message)
    if isinstance(message, AIMessage) and message.tool_calls:
        calls = "\n".join(
            f"{c['name']}({json.dumps(c['args'], ensure_ascii=False)})" for c in message.tool_calls
        )
        text = f"{text}\n{calls}" if text else calls
    return text


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


def prompt_from_messages(messages: Sequence[BaseMessage]) -> GuardInput | None:
    """The latest user turn (text + images) with the earlier turns as history."""
    last_user = next(
        (i for i in range(len(messages) - 1, -1, -1) if isinstance(messages[i], HumanMessage)), None
    )
    if last_user is None:
        return None
    message = messages[last_user]
    history = tuple(
        Turn(role="user" if isinstance(m, HumanMessage) else "assistant", text=message_text(m))
        for m in messages[:last_user]
        if isinstance(m, (HumanMessage, AIMessage)) and message_text(m).strip()
    )
    return guard_input(prompt=message_text(message), images=message_images(message), history=history)


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
        found = prompt_from_messages(messages)
        if found is not None:
            return found
        # No user turn (e.g. only a system prompt): everything that will reach the model.
        return guard_input(
            prompt="\n".join(message_text(m) for m in messages if message_text(m).strip()),
            images=[i for m in messages for i in message_images(m)],
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
    images: list[Any] = []
    prompt = context
    if isinstance(value, str):
        response = value
    elif isinstance(value, BaseMessage):
        response, images = reply_text(value), message_images(value)
    else:
        messages = as_messages(value)
        if messages and isinstance(messages[-1], AIMessage):
            response, images = reply_text(messages[-1]), message_images(messages[-1])
            prompt = prompt_from_messages(messages[:-1]) or context
        elif isinstance(value, Mapping):
            response = _dict_text(value)
        else:
            raise InputError(f"ProGuardCheck cannot read a {type(value).__name__} reply")
    if not response.strip() and not images:
        return None
    if prompt is None:
        return guard_input(response=response, images=images)
    return guard_input(
        prompt=prompt.prompt,
        response=response,
        images=(*prompt.images, *images),
        history=prompt.history,
    )


def tool_result(message: ToolMessage) -> GuardInput | None:
    """A tool's output enters the model's context like user text; check it that way."""
    text, images = message_text(message), message_images(message)
    if not text.strip() and not images:
        return None
    return guard_input(prompt=text, images=images)


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


def _annotated_message(message: BaseMessage, payload: dict[str, Any]) -> BaseMessage:
    return message.model_copy(
        update={"response_metadata": {**message.response_metadata, VERDICT_KEY: payload}}
    )


def get_verdict(value: Any) -> Verdict | None:
    """Read back a verdict that ``mode="annotate"`` attached to a message, prompt or dict."""
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
        return message_text(chunk) + "".join(c.get("args") or "" for c in chunk.tool_call_chunks)
    if isinstance(chunk, BaseMessage):
        return message_text(chunk)
    return str(chunk)


__all__ = [
    "annotate",
    "as_messages",
    "chunk_text",
    "get_verdict",
    "input_stage",
    "message_images",
    "message_text",
    "output_stage",
    "prompt_from_messages",
    "reply_text",
    "tool_result",
]
