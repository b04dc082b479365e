"""Request bodies of the HTTP API, and turning them into :class:`GuardInput`.

Images arrive only as data URLs or bare base64. Any other string is refused, never looked up:
the library's ``image_from`` treats a short string as a file path, which is right for a local
caller and a file-read hole for a network service.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from proguard_core import (
    GuardInput,
    ImageData,
    ImageLimits,
    ImageTooLargeError,
    InputError,
    RemoteImageRefusedError,
    Turn,
    UnsupportedImageError,
)
from proguard_core.images import image_from


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TextPart(_Strict):
    type: Literal["text"]
    text: str


class ImageURL(_Strict):
    url: str
    detail: str | None = None  # accepted for OpenAI compatibility; the guard sees the full image


class ImageURLPart(_Strict):
    type: Literal["image_url"]
    image_url: ImageURL


ContentPart = Annotated[TextPart | ImageURLPart, Field(discriminator="type")]


class ModerationRequest(BaseModel):
    # Unknown fields are ignored, as OpenAI's SDK may send ones we do not use.
    model_config = ConfigDict(extra="ignore")

    input: str | list[str] | list[ContentPart]
    model: str | None = None


class HistoryTurn(_Strict):
    role: Literal["user", "assistant"]
    text: str


class CheckRequest(_Strict):
    prompt: str | None = None
    response: str | None = None
    images: list[str] = Field(default_factory=list, description="data URLs or base64-encoded image bytes")
    history: list[HistoryTurn] = Field(default_factory=list)
    categories: list[str] | None = Field(
        default=None, description="provided category ids, e.g. ['C4', 'C8S1']"
    )


def text_chars(body: CheckRequest | ModerationRequest) -> int:
    """Characters of text the request asks to check: what the size limit counts."""
    if isinstance(body, CheckRequest):
        return len(body.prompt or "") + len(body.response or "") + sum(len(t.text) for t in body.history)
    raw = [body.input] if isinstance(body.input, str) else body.input
    return sum(len(p) if isinstance(p, str) else len(p.text) for p in raw if not isinstance(p, ImageURLPart))


def image_bytes(value: str, limits: ImageLimits) -> bytes:
    """Bytes of a data URL or bare base64 string; URLs of any scheme are refused (no SSRF)."""
    text = value.strip()
    head = text[:32].lower()
    if head.startswith("data:"):
        header, comma, payload = text.partition(",")
        if not comma or not header.lower().endswith(";base64"):
            raise UnsupportedImageError("data URL must be base64-encoded: data:image/png;base64,...")
    elif "://" in head or head.startswith(("file:", "ftp:", "gopher:")):
        raise RemoteImageRefusedError(
            "image URLs are not fetched by this server: send the bytes as a data URL"
        )
    else:
        payload = text
    compact = "".join(payload.split())
    # Refuse before decoding: base64 is 4 characters per 3 bytes.
    if len(compact) * 3 // 4 > limits.max_bytes:
        raise ImageTooLargeError(f"image is over {limits.max_bytes} bytes")
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise UnsupportedImageError("image is neither a data URL nor valid base64") from None


def decode_images(values: list[str], limits: ImageLimits) -> tuple[ImageData, ...]:
    return tuple(image_from(image_bytes(v, limits), limits) for v in values)


def check_input(body: CheckRequest, limits: ImageLimits) -> GuardInput:
    images = decode_images(body.images, limits)
    return GuardInput(
        prompt=body.prompt,
        response=body.response,
        images=images,
        history=tuple(Turn(role=t.role, text=t.text) for t in body.history),
    )


def moderation_inputs(
    body: ModerationRequest, limits: ImageLimits
) -> list[tuple[GuardInput | None, list[str]]]:
    """One (input, input types) per result; ``None`` for an empty string, which needs no guard call.

    A list of strings is several inputs; a list of content parts is one input (its texts joined,
    all its images), as in OpenAI's API.
    """
    raw = body.input
    if isinstance(raw, str):
        raw = [raw]
    if not raw:
        raise InputError("input is empty")
    strings = [item for item in raw if isinstance(item, str)]
    if len(strings) == len(raw):
        return [(GuardInput(prompt=text) if text.strip() else None, ["text"]) for text in strings]
    texts = [p.text for p in raw if isinstance(p, TextPart)]
    urls = [p.image_url.url for p in raw if isinstance(p, ImageURLPart)]
    prompt = "\n".join(texts)
    images = decode_images(urls, limits)
    types = (["text"] if prompt.strip() else []) + (["image"] if images else [])
    if not types:
        return [(None, [])]
    return [(GuardInput(prompt=prompt or None, images=images), types)]


__all__ = [
    "CheckRequest",
    "ContentPart",
    "HistoryTurn",
    "ImageURLPart",
    "ModerationRequest",
    "TextPart",
    "check_input",
    "decode_images",
    "image_bytes",
    "moderation_inputs",
    "text_chars",
]
