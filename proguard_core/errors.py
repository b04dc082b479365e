"""The exception tree. Every error ProGuard raises on purpose derives from :class:`ProGuardError`.

    ProGuardError
    ├── InputError                 bad caller input
    │   ├── ImageError             image could not be accepted
    │   │   ├── ImageTooLargeError      bytes or pixel limits exceeded (decompression bombs too)
    │   │   ├── UnsupportedImageError   corrupt, truncated or not an image format we read
    │   │   └── RemoteImageRefusedError http(s) URL while remote fetching is off
    │   └── TaxonomyError          unknown or duplicate category ids
    ├── BackendError               the model engine failed (network, CUDA, server 5xx...)
    │   └── GuardTimeoutError      no verdict within the configured time
    ├── UnparseableOutputError     model text had no verdict and the policy says raise
    ├── GuardViolation             raised by adapters in block mode; carries the Verdict
    │                              (defined in proguard_core.types, beside Verdict)
    └── MissingDependencyError     an optional extra is not installed (also an ImportError)

Model text that does not parse is *not* an exception: it is a verdict with ``parse_error=True``.
"""


class ProGuardError(Exception):
    """Base class of every error raised by ProGuard."""


class InputError(ProGuardError):
    """The caller passed something the guard cannot check.

    Deliberately not a ValueError: pydantic would wrap a ValueError raised during validation
    into its own ValidationError, and callers would lose the specific type.
    """


class ImageError(InputError):
    """An image could not be accepted."""


class ImageTooLargeError(ImageError):
    """An image exceeds the configured byte or pixel limit."""


class UnsupportedImageError(ImageError):
    """An image is corrupt, truncated, or in a format that is not supported."""


class RemoteImageRefusedError(ImageError):
    """An image was given as an http(s) URL while fetching remote images is disabled."""


class TaxonomyError(InputError, KeyError):
    """A category id is unknown, duplicated or malformed."""

    def __str__(self) -> str:
        # KeyError quotes its message; keep it readable.
        return str(self.args[0]) if self.args else ""


class BackendError(ProGuardError):
    """The model engine failed to produce text."""


class GuardTimeoutError(BackendError, TimeoutError):
    """The guard did not produce a verdict within its time limit."""


class UnparseableOutputError(ProGuardError):
    """The model's output had no readable verdict and the policy asks to raise."""


class MissingDependencyError(ProGuardError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""

    def __init__(self, package: str, extra: str, command: str | None = None) -> None:
        """``command``: how to install ``package`` when the extra alone cannot (a package that must
        be installed without its own dependencies)."""
        self.package = package
        self.extra = extra
        how = command or f"pip install 'proguard[{extra}]'"
        super().__init__(f"{package!r} is required for this feature. Install it with: {how}")


__all__ = [
    "BackendError",
    "GuardTimeoutError",
    "ImageError",
    "ImageTooLargeError",
    "InputError",
    "MissingDependencyError",
    "ProGuardError",
    "RemoteImageRefusedError",
    "TaxonomyError",
    "UnparseableOutputError",
    "UnsupportedImageError",
]
