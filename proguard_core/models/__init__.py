"""Guard models: the generative ProGuard model on any backend, and the embedded CPU default."""

from proguard_core.models.base import GuardModel, ModelRequest
from proguard_core.models.generative import GenerativeGuard

__all__ = ["GenerativeGuard", "GuardModel", "ModelRequest"]
