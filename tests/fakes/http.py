"""What the local HTTP stand-ins (the Bot API, the webhook receiver, the Zalo OA API)
share: a threaded server on a free loopback port, started and stopped with the fake
(``with Fake() as fake:``), and its root URL. Each fake names the request handler class
it serves with; the handler reaches the fake as ``self.server.fake``."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True
    fake: Any


class LocalHttpFake:
    """A fake served over real HTTP on 127.0.0.1 (a port of its own)."""

    handler: ClassVar[type[BaseHTTPRequestHandler]]

    _server: FakeServer | None = None
    _thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        server = FakeServer(("127.0.0.1", 0), self.handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def closing(self) -> None:
        """Called first by ``stop``: release what holds requests open (none here)."""

    def stop(self) -> None:
        self.closing()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    @property
    def root(self) -> str:
        """``http://127.0.0.1:PORT``, without a path."""
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"
