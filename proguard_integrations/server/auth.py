"""API keys: ``Authorization: Bearer KEY`` (what OpenAI clients send) or ``X-API-Key: KEY``.

Keys are compared as SHA-256 digests with :func:`hmac.compare_digest`, against every configured
key without stopping at the first match, so neither the position of a matching key nor the length
or a common prefix of a guess shows in the response time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping

ENV_VAR = "PROGUARD_API_KEYS"


def keys_from_env(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """``PROGUARD_API_KEYS``: comma- or whitespace-separated keys."""
    raw = (environ if environ is not None else os.environ).get(ENV_VAR, "")
    return tuple(k for k in raw.replace(",", " ").split() if k)


class ApiKeys:
    def __init__(self, keys: Iterable[str]) -> None:
        self._digests = tuple(_digest(k) for k in keys if k)

    @property
    def enabled(self) -> bool:
        return bool(self._digests)

    def allows(self, presented: str | None) -> bool:
        if not self._digests:
            return True
        candidate = _digest(presented or "")
        matched = False
        for digest in self._digests:
            matched |= hmac.compare_digest(candidate, digest)
        return matched and bool(presented)


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The key a request carries, or None. Header names are matched case-insensitively by callers."""
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    key = headers.get("x-api-key")
    return key.strip() if key else None


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


__all__ = ["ENV_VAR", "ApiKeys", "keys_from_env", "presented_key"]
