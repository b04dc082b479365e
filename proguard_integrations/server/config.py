"""Settings of the HTTP service; the CLI flags map one to one onto these fields."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    api_keys: tuple[str, ...] = ()
    # A 20 MB image (the library's default limit) is ~27 MB as base64, plus JSON around it.
    max_body_bytes: int = 32 * 1024 * 1024
    # From request received to verdict ready, queue wait included. On expiry the request gets a
    # fail-closed verdict (or 504 if the guard's policy is on_error="raise"); see docs/deployment.md.
    timeout_s: float = 30.0
    max_batch_size: int = 16
    max_wait_ms: float = 5.0
    max_queue: int = 1024
    # Guard calls in flight at once. 1 suits a CPU model; raise it for remote engines (vLLM).
    max_concurrent_batches: int = 1
    # Inputs in one moderation request (a list of strings) and images in one check.
    max_inputs_per_request: int = 128
    max_images_per_input: int = 8
    # How long shutdown waits for queued and running checks before failing them with 503.
    shutdown_grace_s: float = 30.0

    def __post_init__(self) -> None:
        positive = {
            "max_body_bytes": self.max_body_bytes,
            "timeout_s": self.timeout_s,
            "max_batch_size": self.max_batch_size,
            "max_queue": self.max_queue,
            "max_concurrent_batches": self.max_concurrent_batches,
            "max_inputs_per_request": self.max_inputs_per_request,
            "max_images_per_input": self.max_images_per_input,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ValueError(f"{name} must be positive, got {value}")
        if self.max_wait_ms < 0 or self.shutdown_grace_s < 0:
            raise ValueError("max_wait_ms and shutdown_grace_s must not be negative")


__all__ = ["ServerConfig"]
