"""A tiny SMTP server on loopback that accepts mail (with AUTH PLAIN) and keeps it."""

from __future__ import annotations

import base64
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class SmtpDouble:
    port: int = 0
    logins: list[str] = field(default_factory=list)
    envelopes: list[tuple[str, list[str], bytes]] = field(default_factory=list)


@contextmanager
def smtp_double() -> Iterator[SmtpDouble]:
    double = SmtpDouble()

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")

        def handle(self) -> None:
            sender, recipients = "", []
            self.reply("220 smtp.test ESMTP")
            while line := self.rfile.readline():
                command = line.decode().rstrip("\r\n")
                verb = command.split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    self.reply("250-smtp.test")
                    self.reply("250 AUTH PLAIN")
                elif verb == "AUTH":
                    user = base64.b64decode(command.split(" ")[2]).split(b"\0")[1]
                    double.logins.append(user.decode())
                    self.reply("235 2.7.0 Authentication successful")
                elif verb == "MAIL":
                    sender = command.split(":", 1)[1].split()[0].strip("<>")
                    self.reply("250 OK")
                elif verb == "RCPT":
                    recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                    self.reply("250 OK")
                elif verb == "DATA":
                    self.reply("354 End data with <CR><LF>.<CR><LF>")
                    data = b""
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        data += chunk
                    double.envelopes.append((sender, recipients, data))
                    self.reply("250 OK queued")
                elif verb == "QUIT":
                    self.reply("221 Bye")
                    return
                else:
                    self.reply("250 OK")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    double.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield double
    finally:
        server.shutdown()
        server.server_close()
