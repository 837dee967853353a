"""A local HTTP double for providers' APIs: records requests, answers what the test says.

Adapters honour each channel's ``api_base_url``, so the reply loop is tested against this
double over real HTTP on loopback.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpDouble:
    base_url: str
    requests: list[Recorded] = field(default_factory=list)
    status: int = 200
    reply: Any = field(default_factory=dict)
    content_type: str = "application/json"
    reply_headers: dict[str, str] = field(default_factory=dict)


@contextmanager
def http_double(status: int = 200, reply: Any = None) -> Iterator[HttpDouble]:
    double = HttpDouble(base_url="", status=status, reply=reply if reply is not None else {})

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            double.requests.append(
                Recorded(self.command, self.path, dict(self.headers), self.rfile.read(length))
            )
            payload = double.reply
            body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(double.status)
            self.send_header("Content-Type", double.content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in double.reply_headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = _handle

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
