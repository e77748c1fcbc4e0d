"""A WSGI app served on a local port in a background thread: the life cycle every stand-in shares."""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import Self

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

logger = logging.getLogger(__name__)

# How often the server loop checks for stop(); werkzeug's default of 0.5 s makes every test teardown slow.
SHUTDOWN_POLL_SECONDS = 0.05


class LocalServer:
    """Serves `self.app` (set by the subclass) on `host:port`; port 0 picks a free port."""

    name = "stand-in"
    app: Flask

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        """Serve in a background thread."""
        if self._server is None:
            self._server = make_server(self._host, self._port, self.app, threaded=True)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
                name=self.name,
                daemon=True,
            )
            self._thread.start()
            logger.info("%s listening on %s", self.name, self.url)
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = None

    def join(self) -> None:
        """Block until the server thread ends (the command line's foreground mode)."""
        if self._thread is not None:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)

    def serve_in_foreground(self, what: str) -> None:
        """The command line's mode: start, say where and what (`what`), serve until Ctrl-C."""
        self.start()
        print(f"{what} at {self.url}; Ctrl-C to stop", flush=True)
        try:
            self.join()
        except KeyboardInterrupt:
            self.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL the gateway is pointed at."""
        if self._server is None:
            raise RuntimeError(f"The {self.name} is not started: call start() first.")
        return f"http://{self._host}:{self._server.server_port}"
