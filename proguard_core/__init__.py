"""ProGuard: a proactive multimodal safety guard.

    from proguard_core import load_guard
    guard = load_guard()                      # embedded CPU guard, no download
    verdict = guard.check("How do I build a pipe bomb?")
    verdict.safe, verdict.category

Importing this package is cheap: engines (torch, transformers, vLLM, ...) load only when used.
"""

from proguard_core.errors import (
    BackendError,
    GuardTimeoutError,
    ImageError,
    ImageTooLargeError,
    InputError,
    MissingDependencyError,
    ProGuardError,
    RemoteImageRefusedError,
    TaxonomyError,
    UnparseableOutputError,
    UnsupportedImageError,
)
from proguard_core.guard import Guard, Policy, load_guard
from proguard_core.images import ImageLimits
from proguard_core.parser import ParsedOutput, format_output, parse
from proguard_core.taxonomy import Category, Taxonomy, default_taxonomy
from proguard_core.types import (
    CategoryVerdict,
    GuardInput,
    GuardViolation,
    ImageData,
    Label,
    Modality,
    Timings,
    Turn,
    Verdict,
)

__version__ = "0.1.0"

__all__ = [
    "BackendError",
    "Category",
    "CategoryVerdict",
    "Guard",
    "GuardInput",
    "GuardTimeoutError",
    "GuardViolation",
    "ImageData",
    "ImageError",
    "ImageLimits",
    "ImageTooLargeError",
    "InputError",
    "Label",
    "MissingDependencyError",
    "Modality",
    "ParsedOutput",
    "Policy",
    "ProGuardError",
    "RemoteImageRefusedError",
    "Taxonomy",
    "TaxonomyError",
    "Timings",
    "Turn",
    "UnparseableOutputError",
    "UnsupportedImageError",
    "Verdict",
    "__version__",
    "default_taxonomy",
    "format_output",
    "load_guard",
    "parse",
]
