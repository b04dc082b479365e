"""``proguard serve``: run the guard behind HTTP with uvicorn.

proguard serve --guard embedded --port 8000 --api-key "$KEY"
proguard serve --guard openai:ProGuard-7B@http://127.0.0.1:8001/v1 --max-concurrent-batches 8
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any

from proguard_core._lazy import require
from proguard_core.cli import (
    EXIT_OK,
    EXIT_RUNTIME_ERROR,
    EXIT_USAGE,
    add_guard_arguments,
    guard_from_arguments,
)
from proguard_core.errors import InputError, ProGuardError
from proguard_integrations.server.auth import ENV_VAR, keys_from_env
from proguard_integrations.server.config import ServerConfig

if TYPE_CHECKING:
    from proguard_core import Guard


def build_parser() -> argparse.ArgumentParser:
    defaults = ServerConfig()
    parser = argparse.ArgumentParser(prog="proguard serve", description="Serve a guard over HTTP.")
    parser.add_argument("--host", default=defaults.host, help="interface to bind (default: %(default)s)")
    parser.add_argument(
        "--port", type=int, default=defaults.port, help="port (default: %(default)s; 0 picks one)"
    )
    add_guard_arguments(parser)
    parser.add_argument(
        "--api-key",
        action="append",
        default=[],
        help=f"accepted API key (repeatable); without one, {ENV_VAR} (comma-separated) is read; "
        "with none at all the API is open",
    )
    parser.add_argument(
        "--max-text-chars",
        type=int,
        default=defaults.max_text_chars,
        help="characters of text per request; more is refused with 413 before any work "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=defaults.max_body_bytes,
        help="default: 6 bytes per --max-text-chars character plus one image at the guard's byte limit "
        "as base64; set it to 6 x --max-text-chars for a text-only service",
    )
    parser.add_argument(
        "--timeout-s",
        type=float,
        default=defaults.timeout_s,
        help="per-request limit, queue wait included; on expiry a fail-closed verdict "
        "(504 with --on-error raise)",
    )
    parser.add_argument("--max-batch-size", type=int, default=defaults.max_batch_size)
    parser.add_argument("--max-wait-ms", type=float, default=defaults.max_wait_ms)
    parser.add_argument(
        "--max-queue", type=int, default=defaults.max_queue, help="short-lane parts queued before 429"
    )
    parser.add_argument(
        "--max-concurrent-batches",
        type=int,
        default=defaults.max_concurrent_batches,
        help="guard calls in flight at once (1 for CPU guards; more for vLLM or OpenAI-compatible engines)",
    )
    # Isolation of large requests (docs/deployment.md, "Large requests"); flag -> ServerConfig field.
    isolation: tuple[tuple[str, type, str], ...] = (
        (
            "--long-request-chars",
            int,
            "requests with more text go to the long lane (default: one model part)",
        ),
        (
            "--long-batch-chars",
            int,
            "text per long-lane model call; work stops within one such call of a deadline "
            "(default: one model part)",
        ),
        ("--long-concurrent-batches", int, "long-lane model calls in flight, beside the short lane's"),
        ("--max-long-requests", int, "long requests admitted at once; more get 429"),
        (
            "--overload-wait-s",
            float,
            "/healthz answers 503 overloaded when the next short part waited this long",
        ),
    )
    for flag, kind, help_text in isolation:
        default = getattr(defaults, flag[2:].replace("-", "_"))
        shown = "" if default is None else " (default: %(default)s)"
        parser.add_argument(flag, type=kind, default=default, help=help_text + shown)
    parser.add_argument("--shutdown-grace-s", type=float, default=defaults.shutdown_grace_s)
    parser.add_argument(
        "--log-level", default="info", choices=("critical", "error", "warning", "info", "debug")
    )
    parser.add_argument("--access-log", action="store_true", help="log every request (costs throughput)")
    return parser


def config_from_arguments(args: argparse.Namespace) -> ServerConfig:
    return ServerConfig(
        host=args.host,
        port=args.port,
        api_keys=tuple(args.api_key) or keys_from_env(),
        max_text_chars=args.max_text_chars,
        max_body_bytes=args.max_body_bytes,
        timeout_s=args.timeout_s,
        max_batch_size=args.max_batch_size,
        max_wait_ms=args.max_wait_ms,
        max_queue=args.max_queue,
        max_concurrent_batches=args.max_concurrent_batches,
        long_request_chars=args.long_request_chars,
        long_batch_chars=args.long_batch_chars,
        long_concurrent_batches=args.long_concurrent_batches,
        max_long_requests=args.max_long_requests,
        overload_wait_s=args.overload_wait_s,
        shutdown_grace_s=args.shutdown_grace_s,
    )


def build_server(guard: Guard, config: ServerConfig, **uvicorn_options: Any) -> Any:
    """A ``uvicorn.Server`` for ``guard`` whose stop signal first marks the app as draining."""
    uvicorn = require("uvicorn", "server")
    require("fastapi", "server")
    from proguard_integrations.server.app import create_app

    app = create_app(guard, config)
    state = app.state.proguard

    class _DrainingServer(uvicorn.Server):  # type: ignore[name-defined]
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            state.draining = True
            super().handle_exit(sig, frame)

    options: dict[str, Any] = {
        "host": config.host,
        "port": config.port,
        "lifespan": "on",
        "access_log": False,
        "log_level": "info",
        # uvicorn wants whole seconds; round up so the batcher's own grace is not cut short.
        "timeout_graceful_shutdown": math.ceil(config.shutdown_grace_s) + 1,
        **uvicorn_options,
    }
    return _DrainingServer(uvicorn.Config(app, **options))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        config = config_from_arguments(args)
    except ValueError as exc:
        print(f"proguard serve: {exc}", file=sys.stderr)
        return EXIT_USAGE
    # numpy's OpenBLAS starts a thread per core for every matmul and leaves them busy-waiting;
    # they spun against the HTTP loop and the model's own threads (the embedded guard once ran
    # 10-60x slower on 2 busy cores). The model itself runs in onnxruntime with its own threads.
    # Must be set before numpy is first imported, i.e. before the guard loads.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        guard: Guard = guard_from_arguments(args)  # type: ignore[assignment]
    except ProGuardError as exc:
        print(f"proguard serve: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, InputError) else EXIT_RUNTIME_ERROR
    if config.host not in ("127.0.0.1", "localhost", "::1") and not config.api_keys:
        print(f"proguard serve: warning: listening on {config.host} with no API key", file=sys.stderr)
    server = build_server(guard, config, log_level=args.log_level, access_log=args.access_log)
    try:
        server.run()
    finally:
        guard.close()
    return EXIT_OK if server.started else EXIT_RUNTIME_ERROR


__all__ = ["build_parser", "build_server", "config_from_arguments", "main"]
