import base64
import io
import struct
import zlib

import pytest
from PIL import Image

from proguard_core import (
    GuardInput,
    ImageLimits,
    ImageTooLargeError,
    InputError,
    RemoteImageRefusedError,
    UnsupportedImageError,
)
from proguard_core.images import decode, image_from
from tests.unit.images_util import png_bytes


def _png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares a huge canvas (a decompression bomb's calling card)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 16))
        + chunk(b"IEND", b"")
    )


def test_all_accepted_forms_give_the_same_image(tmp_path):
    raw = png_bytes((20, 10))
    path = tmp_path / "a.png"
    path.write_bytes(raw)
    b64 = base64.b64encode(raw).decode()
    forms = [raw, str(path), path, b64, f"data:image/png;base64,{b64}", Image.open(io.BytesIO(raw))]
    images = [image_from(f) for f in forms]
    assert {(i.width, i.height) for i in images} == {(20, 10)}
    assert all(decode(i).size == (20, 10) for i in images)


def test_http_urls_are_kept_unfetched_and_other_schemes_refused():
    assert image_from("https://example.com/x.png").data is None
    with pytest.raises(RemoteImageRefusedError):
        image_from("file:///etc/passwd")
    with pytest.raises(RemoteImageRefusedError):
        decode(image_from("http://169.254.169.254/latest"))


def test_decompression_bomb_is_refused_before_decoding():
    with pytest.raises(ImageTooLargeError, match="pixels"):
        image_from(_png_declaring(100_000, 100_000))


def test_byte_limit():
    with pytest.raises(ImageTooLargeError, match="bytes"):
        image_from(png_bytes((64, 64)), ImageLimits(max_bytes=50))


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"not an image at all",
        png_bytes()[:40],  # truncated
        b"GIF89a" + b"<?php system($_GET['c']); ?>",  # polyglot-ish: header then script
        b"%PDF-1.4\n" + png_bytes(),
    ],
)
def test_corrupt_truncated_and_polyglot_files_are_typed_errors(payload):
    with pytest.raises(UnsupportedImageError):
        image_from(payload)


def test_missing_file_and_bad_base64():
    with pytest.raises(UnsupportedImageError, match="no such image file"):
        image_from("missing.png")
    with pytest.raises(UnsupportedImageError):
        image_from("data:image/png;base64,@@@@")


def test_unsupported_type():
    with pytest.raises(InputError):
        image_from(3.14)


def test_guard_input_validates_images_on_construction():
    with pytest.raises(UnsupportedImageError):
        GuardInput(prompt="hi", images=[b"junk"])
    gi = GuardInput(images=png_bytes())
    assert gi.modality.value == "image" and len(gi.images) == 1
    assert GuardInput.model_validate_json(gi.model_dump_json()) == gi
