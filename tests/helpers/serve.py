"""A real ASGI app served by uvicorn on 127.0.0.1 (a free port) in a thread, for tests that speak HTTP to it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _plain_server(app: Any, host: str, port: int) -> Any:
    import uvicorn

    return uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))


@contextmanager
def serve(app: Any, server: Callable[[Any, str, int], Any] = _plain_server) -> Iterator[str]:
    """The app's base URL while it runs; stopped (and its lifespan ended) afterwards. `server` builds the
    uvicorn.Server (the admin passes its own, bot.channels.admin.serve.server, as production runs it)."""
    port = free_port()
    running = server(app, "127.0.0.1", port)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(200):
        if running.started:
            break
        time.sleep(0.05)
    assert running.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=10)
