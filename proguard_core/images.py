"""Image intake: every accepted form becomes validated :class:`ImageData`, decoded with limits.

Checks happen before pixels are decoded: byte size, format from the header, declared pixel count
(decompression bombs declare huge sizes in small files). Remote URLs are never fetched unless the
caller opted in, so a guard cannot be turned into an SSRF probe by the content it checks.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, model_validator

from proguard_core.errors import (
    ImageError,
    ImageTooLargeError,
    InputError,
    RemoteImageRefusedError,
    UnsupportedImageError,
)

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage


class ImageData(BaseModel):
    """An image as encoded bytes (PNG, JPEG, ...), or an http(s) URL that is fetched only on opt-in.

    Build one with :func:`image_from` or pass any accepted form
    (path, bytes, PIL image, base64 string, data URL) in ``GuardInput.images``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_bytes="base64", val_json_bytes="base64")

    data: bytes | None = None
    url: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None

    @model_validator(mode="after")
    def _one_source(self) -> ImageData:
        if (self.data is None) == (self.url is None):
            raise InputError("ImageData needs exactly one of data or url")
        return self

    def data_url(self) -> str:
        """``data:<mime>;base64,...`` for engines that take images inside JSON."""
        if self.data is None:
            raise InputError("a remote image has no inline data; fetch it first")
        return f"data:{self.mime_type or 'image/png'};base64,{base64.b64encode(self.data).decode('ascii')}"

    def __repr__(self) -> str:
        if self.data is not None:
            return f"ImageData({self.mime_type}, {self.width}x{self.height}, {len(self.data)} bytes)"
        return f"ImageData(url={self.url!r})"


SUPPORTED_FORMATS = frozenset({"PNG", "JPEG", "GIF", "WEBP", "BMP"})
_DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(;[\w-]+=[^;,]*)*)(;base64)?,", re.I)


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = 20 * 1024 * 1024
    # 40 MP is well above any camera photo a guard needs; PIL's own bomb limit is ~89 MP.
    max_pixels: int = 40_000_000


DEFAULT_LIMITS = ImageLimits()


def image_from(item: Any, limits: ImageLimits = DEFAULT_LIMITS) -> ImageData:
    """Turn a path, bytes, PIL image, base64 string, data URL or http(s) URL into ImageData."""
    if isinstance(item, ImageData):
        if item.data is not None:
            _check_header(item.data, limits)  # ImageData from JSON was never checked
        return item
    if isinstance(item, dict):  # ImageData as JSON (e.g. a serialised GuardInput)
        return image_from(ImageData.model_validate(item), limits)
    if isinstance(item, (bytes, bytearray, memoryview)):
        return _from_bytes(bytes(item), limits)
    if isinstance(item, Path):
        return _from_path(item, limits)
    if isinstance(item, str):
        return _from_string(item, limits)
    if _is_pil_image(item):
        buffer = io.BytesIO()
        item.save(buffer, format="PNG")
        return _from_bytes(buffer.getvalue(), limits)
    raise InputError(
        f"unsupported image type {type(item).__name__}: "
        "pass a path, bytes, PIL image, base64 string or data URL"
    )


def image_items(value: Any) -> tuple[Any, ...]:
    """The images of an ``images=`` argument: one image (a path, bytes, PIL image...) or several.

    A lone path string is one image, not a sequence of one-character paths.
    """
    if value is None:
        return ()
    single = (str, bytes, bytearray, memoryview, Path, ImageData, dict)
    if isinstance(value, single) or not hasattr(value, "__iter__"):
        return (value,)
    return tuple(value)


def decode(image: ImageData, limits: ImageLimits = DEFAULT_LIMITS) -> PILImage:
    """Decode to an RGB PIL image, enforcing limits again (ImageData may come from JSON)."""
    from PIL import Image

    if image.data is None:
        raise RemoteImageRefusedError("remote image was not fetched; enable remote images or pass the bytes")
    _check_header(image.data, limits)
    try:
        with Image.open(io.BytesIO(image.data)) as opened:
            opened.load()
            return opened.convert("RGB")
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(str(exc)) from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise UnsupportedImageError(f"image could not be decoded: {exc}") from None


def fetch_remote(
    image: ImageData, limits: ImageLimits = DEFAULT_LIMITS, timeout_s: float = 10.0
) -> ImageData:
    """Download an http(s) image (only call this when the user opted in to remote images)."""
    if image.data is not None:
        return image
    assert image.url is not None
    request = urllib.request.Request(image.url, headers={"User-Agent": "proguard"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as reply:
            payload = reply.read(limits.max_bytes + 1)
    except OSError as exc:
        raise ImageError(f"could not fetch {image.url}: {exc}") from None
    return _from_bytes(payload, limits)


def _from_string(text: str, limits: ImageLimits) -> ImageData:
    stripped = text.strip()
    lowered = stripped[:16].lower()
    if lowered.startswith(("http://", "https://")):
        return ImageData(url=stripped)
    if lowered.startswith("data:"):
        match = _DATA_URL.match(stripped)
        if match is None or ";base64," not in stripped[: match.end()]:
            raise UnsupportedImageError("data URL must be base64-encoded: data:image/png;base64,...")
        return _from_bytes(_b64decode(stripped[match.end() :]), limits)
    if "://" in lowered:
        raise RemoteImageRefusedError(f"unsupported image URL scheme in {stripped[:40]!r}")
    # Paths are tried first: base64 text is never also the name of an existing file in practice.
    if len(stripped) < 4096:
        path = Path(stripped).expanduser()
        try:
            if path.is_file():
                return _from_path(path, limits)
        except OSError:  # names too long or otherwise invalid for the OS
            pass
    if _looks_base64(stripped):
        return _from_bytes(_b64decode(stripped), limits)
    raise UnsupportedImageError(f"no such image file, and not base64: {stripped[:200]!r}")


def _from_path(path: Path, limits: ImageLimits) -> ImageData:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnsupportedImageError(f"cannot read image file {str(path)!r}: {exc.strerror}") from None
    if size > limits.max_bytes:
        raise ImageTooLargeError(f"image file is {size} bytes; the limit is {limits.max_bytes}")
    return _from_bytes(path.read_bytes(), limits)


def _from_bytes(data: bytes, limits: ImageLimits) -> ImageData:
    fmt, width, height = _check_header(data, limits)
    return ImageData(data=data, mime_type=f"image/{fmt.lower()}", width=width, height=height)


def _check_header(data: bytes, limits: ImageLimits) -> tuple[str, int, int]:
    from PIL import Image

    if not data:
        raise UnsupportedImageError("image is empty")
    if len(data) > limits.max_bytes:
        raise ImageTooLargeError(f"image is {len(data)} bytes; the limit is {limits.max_bytes}")
    try:
        with Image.open(io.BytesIO(data)) as opened:
            fmt = opened.format or ""
            width, height = opened.size
            if fmt not in SUPPORTED_FORMATS:
                raise UnsupportedImageError(f"image format {fmt or 'unknown'} is not supported")
            if width * height > limits.max_pixels:
                raise ImageTooLargeError(
                    f"image declares {width}x{height} pixels; the limit is {limits.max_pixels} pixels"
                )
            opened.verify()
    except ImageError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(str(exc)) from None
    except Exception as exc:  # PIL raises many types for corrupt files
        raise UnsupportedImageError(f"not a readable image: {exc}") from None
    return fmt, width, height


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise UnsupportedImageError("image string is neither an existing path nor valid base64") from None


def _looks_base64(text: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9+/=\s]+", text[:4096]) is not None and len(text) >= 64


def _is_pil_image(item: object) -> bool:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - pillow is a core dependency
        return False
    return isinstance(item, Image.Image)


__all__ = [
    "DEFAULT_LIMITS",
    "SUPPORTED_FORMATS",
    "ImageLimits",
    "decode",
    "fetch_remote",
    "image_from",
    "image_items",
]
