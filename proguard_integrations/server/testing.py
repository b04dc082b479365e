"""A real server on a loopback port, in a background thread, for tests of HTTP clients.

with running_server(guard) as server:
    load_guard(f"proguard:{server.url}").check("hello")
"""

from __future__ import annotations

import dataclasses
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from proguard_integrations.server.config import ServerConfig

if TYPE_CHECKING:
    from proguard_core import Guard


@dataclasses.dataclass
class RunningServer:
    url: str
    server: Any  # uvicorn.Server
    thread: threading.Thread

    @property
    def state(self) -> Any:
        return self.server.config.app.state.proguard

    def stop(self, timeout_s: float = 30.0) -> None:
        """What SIGTERM does: drain (health goes 503), finish in-flight requests, exit."""
        self.server.handle_exit(signal.SIGTERM, None)
        self.thread.join(timeout_s)


@contextmanager
def running_server(
    guard: Guard, config: ServerConfig | None = None, *, start_timeout_s: float = 20.0
) -> Iterator[RunningServer]:
    from proguard_integrations.server.cli import build_server

    config = dataclasses.replace(config or ServerConfig(), host="127.0.0.1", port=0)
    server = build_server(guard, config, log_level="warning")
    thread = threading.Thread(target=server.run, name="proguard-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    running = RunningServer(f"http://127.0.0.1:{port}", server, thread)
    try:
        yield running
    finally:
        if thread.is_alive():
            running.stop()


__all__ = ["RunningServer", "running_server"]
