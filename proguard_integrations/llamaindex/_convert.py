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

from proguard_core import GuardInput, Turn
from proguard_integrations._shared import guard_input


def block_image(block: ImageBlock) -> Any:
    """Bytes, a path or a URL for one ImageBlock, whichever it holds."""
    if block.image is not None:
        return block.resolve_image().read()  # undoes base64 if the block stores it encoded
    if block.path is not None:
        return Path(block.path)
    if block.url is not None:
        return str(block.url)
    raise ValueError("ImageBlock has no image, path or url")


def message_parts(message: ChatMessage) -> tuple[str, list[Any]]:
    texts = [b.text for b in message.blocks if isinstance(b, TextBlock)]
    images = [block_image(b) for b in message.blocks if isinstance(b, ImageBlock)]
    return "\n".join(texts), images


def prompt_from_messages(messages: Sequence[ChatMessage]) -> GuardInput | None:
    """The latest user message (text + images), earlier user/assistant turns as history."""
    last_user = next(
        (i for i in range(len(messages) - 1, -1, -1) if messages[i].role == MessageRole.USER), None
    )
    if last_user is None:
        return None
    text, images = message_parts(messages[last_user])
    history = []
    for message in messages[:last_user]:
        if message.role in (MessageRole.USER, MessageRole.ASSISTANT):
            earlier, _ = message_parts(message)
            if earlier.strip():
                history.append(
                    Turn(role="user" if message.role == MessageRole.USER else "assistant", text=earlier)
                )
    if not text.strip() and not images:
        return None
    return guard_input(prompt=text, images=images, history=history)


def with_response(context: GuardInput | None, response: str, images: Sequence[Any] = ()) -> GuardInput | None:
    if not response.strip() and not images:
        return None
    if context is None:
        return guard_input(response=response, images=list(images))
    return guard_input(
        prompt=context.prompt,
        response=response,
        images=(*context.images, *images),
        history=context.history,
    )


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
    return guard_input(prompt=text, images=images)
