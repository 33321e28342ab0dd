"""An HTTP stand-in on 127.0.0.1 (a free port), served from a thread while its `with` block runs."""

from __future__ import annotations

import threading
from http.server import HTTPServer
from typing import Self


class Loopback:
    """The running part of a stand-in: subclasses build their HTTPServer and pass it to __init__."""

    def __init__(self, server: HTTPServer) -> None:
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])
