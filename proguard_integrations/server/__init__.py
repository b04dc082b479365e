"""The ProGuard HTTP service (extra ``server``): OpenAI-compatible ``/v1/moderations``, native
``/v1/check``, ``/healthz`` and Prometheus ``/metrics``, with dynamic micro-batching.

    from proguard_integrations.server import ServerConfig, create_app
    app = create_app(load_guard(), ServerConfig(api_keys=("secret",)))   # any ASGI server runs it

or from the shell: ``proguard serve --port 8000``. FastAPI and uvicorn load only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from proguard_integrations.server.config import ServerConfig

if TYPE_CHECKING:
    from proguard_integrations.server.app import create_app


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from proguard_core._lazy import require

        require("fastapi", "server")
        from proguard_integrations.server.app import create_app

        return create_app
    raise AttributeError(name)


__all__ = ["ServerConfig", "create_app"]
