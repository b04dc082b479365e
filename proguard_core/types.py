"""The public data types: what goes into a guard and what comes out.

All models are immutable and round-trip through JSON (``model_dump_json`` / ``model_validate_json``;
``Verdict.to_dict()`` gives the same data as plain dicts for ``json.dumps``).
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from proguard_core.errors import InputError, ProGuardError
from proguard_core.images import ImageData, image_from, image_items

Label = Literal["safe", "unsafe"]


class Modality(str, Enum):
    """What the guard is shown; each has its own system prompt and category granularity."""

    TEXT = "text"
    IMAGE = "image"
    TEXT_IMAGE = "text_image"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_bytes="base64", val_json_bytes="base64")


class Turn(_Frozen):
    """An earlier conversation turn, given as context."""

    role: Literal["user", "assistant"]
    text: str


class GuardInput(_Frozen):
    """One thing to check: a user prompt, an agent response, images, or a combination.

    ``images`` accepts file paths, bytes, PIL images, base64 strings, data URLs and
    :class:`ImageData`; they are validated (format, byte and pixel limits) on construction.
    """

    prompt: str | None = None
    response: str | None = None
    images: tuple[ImageData, ...] = ()
    history: tuple[Turn, ...] = ()

    @field_validator("prompt", "response", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bytes):
            try:
                return value.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"text is not valid UTF-8 (byte {exc.start}); decode it first") from None
        raise InputError(f"text must be str, got {type(value).__name__}")

    @field_validator("images", mode="before")
    @classmethod
    def _images(cls, value: Any) -> Any:
        return tuple(image_from(item) for item in image_items(value))

    @model_validator(mode="after")
    def _not_empty(self) -> GuardInput:
        has_text = bool((self.prompt or "").strip() or (self.response or "").strip())
        if not has_text and not self.images:
            raise InputError("nothing to check: give a prompt, a response or an image")
        return self

    @property
    def modality(self) -> Modality:
        has_text = bool((self.prompt or "").strip() or (self.response or "").strip())
        if self.images and has_text:
            return Modality.TEXT_IMAGE
        return Modality.IMAGE if self.images else Modality.TEXT

    @property
    def has_response(self) -> bool:
        return bool(self.response and self.response.strip())


class CategoryVerdict(_Frozen):
    """A risk the guard named: a taxonomy id, or a free-text name for a risk outside the taxonomy."""

    id: str | None = None
    name: str
    in_taxonomy: bool
    # False when the model answered with an id that exists but was not in this call's provided
    # subset: the model ignored its instructions, which callers may want to know.
    provided: bool = True
    score: float | None = None


class Timings(_Frozen):
    total_ms: float = 0.0
    model_ms: float = 0.0


class Verdict(_Frozen):
    """The guard's decision about one :class:`GuardInput`.

    ``safe`` is the decision after policy (fail-closed on errors, thresholds); ``request`` and
    ``response`` are the labels as the model gave them (``None`` when not judged or not parsed).
    """

    safe: bool
    request: Label | None = None
    response: Label | None = None
    categories: tuple[CategoryVerdict, ...] = ()
    reasoning: str = ""
    raw: str = ""
    parse_error: bool = False
    error: str | None = None
    # Why ``safe`` differs from the labels, e.g. "fail_closed:parse_error"; None when it does not.
    policy: str | None = None
    scores: dict[str, float] = Field(default_factory=dict)
    modality: Modality = Modality.TEXT
    parts: int = 1
    model: str = ""
    timings: Timings = Field(default_factory=Timings)

    @property
    def unsafe(self) -> bool:
        return not self.safe

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (str, bool, numbers, lists, dicts): ``json.dumps(verdict.to_dict())``.

        A Verdict is a pydantic model, which ``json.dumps`` cannot take as it is; this, or
        ``model_dump_json()``, is its JSON form. ``Verdict.model_validate(data)`` reads either back.
        """
        return self.model_dump(mode="json")

    @property
    def category(self) -> CategoryVerdict | None:
        return self.categories[0] if self.categories else None

    @property
    def out_of_taxonomy(self) -> bool:
        return any(not c.in_taxonomy for c in self.categories)

    def summary(self) -> str:
        """One line for logs and refusal messages, e.g. ``unsafe (request) C8S1 Weapons``."""
        if self.error:
            return f"{'safe' if self.safe else 'blocked'}: guard failed ({self.error})"
        if self.parse_error:
            return f"{'safe' if self.safe else 'blocked'}: guard output could not be parsed"
        stages = [
            s for s, label in (("request", self.request), ("response", self.response)) if label == "unsafe"
        ]
        head = "unsafe" if not self.safe else "safe"
        if stages:
            head += f" ({', '.join(stages)})"
        cats = "; ".join(f"{c.id} {c.name}" if c.id else f"new risk: {c.name}" for c in self.categories)
        return f"{head} {cats}".strip()


class GuardViolation(ProGuardError):
    """Content was judged unsafe and the caller asked for blocking by exception.

    Part of the :mod:`proguard_core.errors` tree; it lives here, beside the Verdict it carries,
    so that the errors module needs nothing above it.
    """

    def __init__(self, verdict: Verdict, message: str | None = None) -> None:
        self.verdict = verdict
        super().__init__(message or f"ProGuard blocked unsafe content: {verdict.summary()}")


__all__ = [
    "CategoryVerdict",
    "GuardInput",
    "GuardViolation",
    "ImageData",
    "Label",
    "Modality",
    "Timings",
    "Turn",
    "Verdict",
]
