"""LlamaIndex values -> GuardInput. Images are read as bytes from ImageBlock / ImageNode.

Remote images are handed to the Guard as URLs, never fetched here: the Guard decides (it refuses
them unless built with ``allow_remote_images=True``), so an adapter cannot open a network hole.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, ImageBlock, MessageRole, TextBlock
from llama_index.core.schema import BaseNode, ImageNode, MetadataMode

from proguard_core import GuardInput
from proguard_core.inputs import MessageContent, Role, from_messages, validated


def block_image(block: ImageBlock) -> Any:
    """Bytes, a path or a URL for one ImageBlock, whichever it holds."""
    if block.image is not None:
        return block.resolve_image().read()  # undoes base64 if the block stores it encoded
    if block.path is not None:
        return Path(block.path)
    if block.url is not None:
        return str(block.url)
    raise ValueError("ImageBlock has no image, path or url")


def message_text(message: ChatMessage) -> str:
    return "\n".join(b.text for b in message.blocks if isinstance(b, TextBlock))


def message_parts(message: ChatMessage) -> tuple[str, list[Any]]:
    images = [block_image(b) for b in message.blocks if isinstance(b, ImageBlock)]
    return message_text(message), images


_ROLES: dict[str, Role] = {MessageRole.USER.value: "user", MessageRole.ASSISTANT.value: "assistant"}


def prompt_from_messages(messages: Sequence[ChatMessage]) -> GuardInput | None:
    """The latest user message (text + images), earlier user/assistant turns as history."""
    said = [m for m in messages if m.role.value in _ROLES]
    last_user = next((i for i in range(len(said) - 1, -1, -1) if said[i].role == MessageRole.USER), None)
    if last_user is None:
        return None
    text, images = message_parts(said[last_user])
    if not text.strip() and not images:
        return None
    # Earlier turns are context, read as text; their images were checked when they were sent.
    earlier = [MessageContent(_ROLES[m.role.value], message_text(m)) for m in said[:last_user]]
    return from_messages([*earlier, MessageContent("user", text, tuple(images))])


def node_input(node: BaseNode) -> GuardInput | None:
    """A retrieved node as the guard sees it: content the model is about to read."""
    text = node.get_content(metadata_mode=MetadataMode.NONE) or ""
    images: list[Any] = []
    if isinstance(node, ImageNode):
        if node.image:
            images.append(f"data:{node.image_mimetype or 'image/png'};base64,{node.image}")
        elif node.image_path:
            images.append(Path(node.image_path))
        elif node.image_url:
            images.append(node.image_url)
    if not text.strip() and not images:
        return None
    return validated({"prompt": text, "images": tuple(images)})
