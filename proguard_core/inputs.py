"""What callers hand a Guard, turned into a :class:`GuardInput` in one pass.

Besides a ready ``GuardInput``, a Guard accepts:

* text: the prompt;
* a ``(prompt, response)`` pair, either side ``None``;
* a dict of ``GuardInput`` fields (``prompt``, ``response``, ``images``, ``history``);
* a chat message, or a conversation (a list of them): OpenAI-style dicts
  (``{"role": "user", "content": "..." | [parts]}``) or message objects shaped like LangChain's
  (``.type`` "human" / "ai" / ..., ``.content_blocks`` or ``.content``). Objects are read by
  their shape, so this module imports no framework.

In a conversation the last user turn is the prompt, the assistant turns after it are the
response (tool-call arguments included: they can carry harmful content too), and the user and
assistant turns before it are history, given as context. System, developer and tool messages are
the application's own text and are not judged, nor are reasoning blocks (the model's scratchpad,
not what the user sees); images of earlier turns are not checked again. Content the guard cannot
read (audio, files, provider-only file ids) is an :class:`InputError`, never silently skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, Union

from pydantic import ValidationError

from proguard_core.errors import InputError
from proguard_core.types import GuardInput, Turn


class MessageLike(Protocol):
    """A chat message object in LangChain's shape (``HumanMessage``, ``AIMessage``, ...)."""

    @property
    def type(self) -> str: ...

    @property
    def content(self) -> Any: ...


CheckItem = Union[
    GuardInput, str, "tuple[str | None, str | None]", Mapping[str, Any], MessageLike, Sequence[Any]
]

Role = Literal["user", "assistant", "other"]

_ROLES: dict[str, Role] = {
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "ai": "assistant",
    "system": "other",
    "developer": "other",
    "tool": "other",
    "function": "other",
    "remove": "other",
}
_TEXT_PARTS = {
    "text": "text",
    "input_text": "text",
    "output_text": "text",
    "refusal": "refusal",
    "text-plain": "text",
    "server_tool_result": "output",  # what a provider-side tool (web search...) gave the model
}
_TOOL_PARTS = {
    "tool_call",
    "tool_call_chunk",
    "server_tool_call",
    "server_tool_call_chunk",
    "invalid_tool_call",
}
_UNJUDGED_PARTS = {"reasoning", "thinking"}
_FIELDS = frozenset(GuardInput.model_fields)
WHAT_TO_PASS = (
    "pass text, a (prompt, response) pair, a GuardInput, a dict of its fields, "
    "or chat messages ({'role': ..., 'content': ...} dicts or LangChain messages)"
)


@dataclass(frozen=True)
class MessageContent:
    """One chat message as the guard reads it: who said it, its text, its image references."""

    role: Role
    text: str
    images: tuple[Any, ...] = field(default=())


def to_guard_input(item: Any) -> GuardInput:
    """Any accepted item as a GuardInput; an :class:`InputError` that says what to pass otherwise."""
    if isinstance(item, GuardInput):
        return item
    if isinstance(item, (str, bytes)):
        return validated({"prompt": item})
    if isinstance(item, tuple):
        return _pair(item)
    if isinstance(item, Mapping):
        if "role" in item:
            return conversation_input([item])
        unknown = sorted(str(k) for k in item if k not in _FIELDS)
        if unknown:
            raise InputError(
                f"a dict to check holds GuardInput fields (prompt, response, images, history) or is a "
                f"chat message with 'role' and 'content'; unknown keys: {', '.join(unknown)}"
            )
        return validated(dict(item))
    if is_message(item):
        return conversation_input([item])
    if isinstance(item, Sequence) and item and all(_is_message_item(m) for m in item):
        return conversation_input(item)
    raise InputError(f"cannot check a {type(item).__name__}: {WHAT_TO_PASS}")


def conversation_input(messages: Iterable[Any]) -> GuardInput:
    """A conversation as one check: its last user turn, the replies to it, earlier turns as context."""
    read = [read_message(m) for m in messages]
    if not any(m.role != "other" for m in read):
        raise InputError("a conversation to check needs a user or an assistant message")
    return from_messages(read)


def from_messages(messages: Sequence[MessageContent]) -> GuardInput:
    """The rule of :func:`conversation_input`, on messages already read."""
    said = [m for m in messages if m.role != "other"]
    last_user = next((i for i in range(len(said) - 1, -1, -1) if said[i].role == "user"), -1)
    replies = said[last_user + 1 :]
    prompt = said[last_user] if last_user >= 0 else None
    history = tuple(
        Turn(role="user" if m.role == "user" else "assistant", text=m.text)
        for m in said[: max(last_user, 0)]
        if m.text.strip()
    )
    response = "\n".join(m.text for m in replies if m.text.strip())
    images = (*(prompt.images if prompt else ()), *(i for m in replies for i in m.images))
    return validated(
        {
            "prompt": prompt.text if prompt is not None and prompt.text.strip() else None,
            "response": response or None,
            "images": images,
            "history": history,
        }
    )


def validated(fields: Mapping[str, Any]) -> GuardInput:
    """``GuardInput.model_validate``, its failures turned into one-line InputErrors."""
    try:
        return GuardInput.model_validate(fields)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem["loc"]) or "input"
        raise InputError(f"{where}: {problem['msg']}") from None


def read_message(message: Any) -> MessageContent:
    """Role, text and image references of one OpenAI-style dict or LangChain-shaped message."""
    if isinstance(message, Mapping):
        role_name = message.get("role")
        text, images = read_content(message.get("content"))
        calls = [_openai_tool_call(c) for c in message.get("tool_calls") or ()]
        text = "\n".join(t for t in (text, *calls) if t)
    elif is_message(message):
        # "human", "ai", ... and their streaming chunks: "AIMessageChunk", "HumanMessageChunk"
        role_name = message.type.lower().removesuffix("messagechunk")
        if role_name == "chat":  # LangChain's ChatMessage carries any role name
            role_name = getattr(message, "role", role_name)
        blocks = getattr(message, "content_blocks", None)
        text, images = read_content(blocks if blocks is not None else message.content)
    else:
        raise InputError(f"cannot read a {type(message).__name__} as a chat message: {WHAT_TO_PASS}")
    role = _ROLES.get(str(role_name).lower()) if role_name is not None else None
    if role is None:
        raise InputError(
            f"chat message role {role_name!r}: expected user or assistant "
            "(system, developer and tool messages are accepted and not judged)"
        )
    return MessageContent(role, text, tuple(images))


def read_content(content: Any) -> tuple[str, list[Any]]:
    """Text and image references of a message's content: a string, or a list of parts.

    Parts may be OpenAI's (``text``, ``image_url``, ``input_image``...) or LangChain's standard
    blocks (``text``, ``image`` with ``base64`` or ``url``, ``tool_call``). Image references are
    data URLs or http(s) URLs, which ``GuardInput.images`` accepts; the Guard refuses remote URLs
    unless built to fetch them, so nothing is fetched by surprise.
    """
    if content is None:
        return "", []
    if isinstance(content, str):
        return content, []
    if isinstance(content, Mapping):
        content = [content]
    texts: list[str] = []
    images: list[Any] = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
            continue
        if not isinstance(part, Mapping):
            raise InputError(f"cannot read a {type(part).__name__} message part: expected a dict or text")
        kind = str(part.get("type", ""))
        if kind in _TEXT_PARTS:
            text = part.get(_TEXT_PARTS[kind])
            if text is None and kind == "text-plain":
                raise InputError(
                    "a text-plain part given only as a file or URL cannot be checked; pass its text"
                )
            texts.append(text if isinstance(text, str) else json.dumps(text, ensure_ascii=False, default=str))
        elif kind in ("image_url", "input_image", "image"):
            images.append(_image_reference(part))
        elif kind in _TOOL_PARTS:
            texts.append(_tool_call_text(part.get("name"), part.get("args")))
        elif kind not in _UNJUDGED_PARTS:
            name = kind or "untyped"
            raise InputError(f"ProGuard reads text and images; a {name!r} part cannot be checked")
    return "\n".join(t for t in texts if t), images


def is_message(value: Any) -> bool:
    """Whether ``value`` looks like a LangChain message (a ``type`` name and a ``content``)."""
    return isinstance(getattr(value, "type", None), str) and hasattr(value, "content")


def _is_message_item(value: Any) -> bool:
    return (isinstance(value, Mapping) and "role" in value) or is_message(value)


def _pair(item: tuple[Any, ...]) -> GuardInput:
    if len(item) != 2 or not all(side is None or isinstance(side, str) for side in item):
        raise InputError(f"a tuple is checked as (prompt, response), each text or None; got {item!r:.80}")
    return GuardInput(prompt=item[0], response=item[1])


def _image_reference(part: Mapping[str, Any]) -> Any:
    ref = part.get("image_url")
    if ref is not None:
        url = ref.get("url") if isinstance(ref, Mapping) else ref
        if url:
            return str(url)
    if part.get("base64"):
        return f"data:{part.get('mime_type') or 'image/png'};base64,{part['base64']}"
    if part.get("url"):
        return str(part["url"])
    if part.get("file_id"):
        # A provider-side file cannot be looked at; refusing beats passing it unchecked.
        raise InputError("ProGuard cannot check an image given only by file_id; pass its bytes or URL")
    raise InputError("an image part has no image: give image_url, url or base64")


def _openai_tool_call(call: Any) -> str:
    function = call.get("function") if isinstance(call, Mapping) else None
    if not isinstance(function, Mapping):
        return ""
    return _tool_call_text(function.get("name"), function.get("arguments"))


def _tool_call_text(name: Any, args: Any) -> str:
    arguments = args if isinstance(args, str) else json.dumps(args or {}, ensure_ascii=False)
    return f"{name or 'tool'}({arguments})"


__all__ = [
    "WHAT_TO_PASS",
    "CheckItem",
    "MessageContent",
    "MessageLike",
    "Role",
    "conversation_input",
    "from_messages",
    "is_message",
    "read_content",
    "read_message",
    "to_guard_input",
    "validated",
]
