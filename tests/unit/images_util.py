"""Small images made in memory for tests."""

import io

from PIL import Image, ImageDraw


def png_bytes(size: tuple[int, int] = (32, 24), color: str = "red", text: str | None = None) -> bytes:
    image = Image.new("RGB", size, color)
    if text:
        ImageDraw.Draw(image).text((4, 4), text, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
