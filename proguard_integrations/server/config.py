"""Settings of the HTTP service; the CLI flags map one to one onto these fields."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    api_keys: tuple[str, ...] = ()
    # Characters of text in one request (prompts, responses and history of all its inputs),
    # refused with 413 before any work. Sized so one request at the limit gets its verdict
    # within timeout_s on 2 CPU cores with the embedded guard while short traffic shares the
    # cores (docs/deployment.md, "Size limit", says how it was measured).
    max_text_chars: int = 50_000
    # None: derived from max_text_chars and the guard's image byte limit (body_limit below).
    max_body_bytes: int | None = None
    # From request received to verdict ready, queue wait included. On expiry the request gets a
    # fail-closed verdict (or 504 if the guard's policy is on_error="raise"); see docs/deployment.md.
    timeout_s: float = 30.0
    max_batch_size: int = 16
    max_wait_ms: float = 5.0
    max_queue: int = 1024
    # Guard calls in flight at once. 1 suits a CPU model; raise it for remote engines (vLLM).
    max_concurrent_batches: int = 1
    # Requests with more text than one model part (None: the model's max_text_chars) go to the
    # long lane: model calls of their own, at most long_batch_chars of text each (None: one part),
    # long_concurrent_batches at a time beside the short lane's, max_long_requests admitted.
    long_request_chars: int | None = None
    long_batch_chars: int | None = None
    long_concurrent_batches: int = 1
    max_long_requests: int = 4
    # /healthz reports "overloaded" (503) when the next short part has waited longer than this,
    # or the next long part longer than half of timeout_s.
    overload_wait_s: float = 2.0
    # Inputs in one moderation request (a list of strings) and images in one check.
    max_inputs_per_request: int = 128
    max_images_per_input: int = 8
    # How long shutdown waits for queued and running checks before failing them with 503.
    shutdown_grace_s: float = 30.0

    def __post_init__(self) -> None:
        derived = {
            "max_body_bytes": self.max_body_bytes,
            "long_request_chars": self.long_request_chars,
            "long_batch_chars": self.long_batch_chars,
        }
        positive = {
            **{name: value for name, value in derived.items() if value is not None},
            "max_text_chars": self.max_text_chars,
            "long_concurrent_batches": self.long_concurrent_batches,
            "max_long_requests": self.max_long_requests,
            "overload_wait_s": self.overload_wait_s,
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

    def text_body_bytes(self) -> int:
        """The largest body ``max_text_chars`` of text can need: JSON spells a character in at
        most 12 bytes (an escaped surrogate pair), and 64 KiB covers field names and framing."""
        return 12 * self.max_text_chars + 64 * 1024

    def body_limit(self, image_bytes: int) -> int:
        """``max_body_bytes``, or the text's room plus one image of ``image_bytes`` as base64."""
        if self.max_body_bytes is not None:
            return self.max_body_bytes
        return self.text_body_bytes() + 4 * -(-image_bytes // 3)


__all__ = ["ServerConfig"]
