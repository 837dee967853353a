"""A loopback HTTP double that answers per path, for flows of several provider calls
(look a file up, then download it).

Routes map a path prefix to ``(status, body, content_type)``; the longest prefix wins and an
unrouted path answers 404; ``redirect`` answers 302 to a location. Every request is recorded.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.http_double import Recorded

Route = tuple[int, Any, str]


@dataclass
class RoutedDouble:
    base_url: str
    routes: dict[str, Route] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)

    def route(self, prefix: str, status: int = 200, body: Any = None, ctype: str = "") -> None:
        content_type = ctype or ("application/octet-stream" if isinstance(body, bytes) else "")
        self.routes[prefix] = (status, body, content_type or "application/json")

    def redirect(self, path: str, location: str) -> None:
        self.redirects[path] = location


@contextmanager
def routed_double(routes: Mapping[str, Route] | None = None) -> Iterator[RoutedDouble]:
    double = RoutedDouble(base_url="", routes=dict(routes or {}))

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body_in = self.rfile.read(length)
            double.requests.append(Recorded(self.command, self.path, dict(self.headers), body_in))
            if self.path in double.redirects:
                self.send_response(302)
                self.send_header("Location", double.redirects[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            matches = [p for p in double.routes if self.path.startswith(p)]
            status, payload, content_type = (
                double.routes[max(matches, key=len)] if matches else (404, {}, "application/json")
            )
            body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _handle

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    double.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield double
    finally:
        server.shutdown()
        server.server_close()
