"""A tiny IMAP4rev1 server on loopback: enough of the protocol for the poller's real imaplib.

It speaks CAPABILITY, LOGIN, SELECT (with UIDVALIDITY), UID SEARCH UNSEEN, UID FETCH
BODY.PEEK[], UID STORE +FLAGS (\\Seen) and LOGOUT, and records the commands it received.
"""

from __future__ import annotations

import re
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Mailbox:
    username: str = "support@help.example.com"
    password: str = "imap-password"
    uidvalidity: int = 4242
    messages: dict[int, bytes] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)
    commands: list[str] = field(default_factory=list)
    port: int = 0

    def add(self, raw: bytes) -> int:
        uid = max(self.messages, default=0) + 1
        self.messages[uid] = raw
        return uid


class _Handler(socketserver.StreamRequestHandler):
    mailbox: Mailbox

    def send(self, line: bytes) -> None:
        self.wfile.write(line + b"\r\n")

    def handle(self) -> None:
        box = self.mailbox
        self.send(b"* OK IMAP4rev1 test server ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
            command = rest.decode()
            box.commands.append(re.sub(r"^(LOGIN \S+) .*$", r"\1 ***", command))
            verb = command.split(" ", 1)[0].upper()
            if verb == "CAPABILITY":
                self.send(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN")
            elif verb == "LOGIN":
                _, user, password = command.split(" ", 2)
                if (user.strip('"'), password.strip('"')) != (box.username, box.password):
                    self.send(tag + b" NO [AUTHENTICATIONFAILED] Invalid credentials")
                    continue
            elif verb == "SELECT":
                self.send(f"* {len(box.messages)} EXISTS".encode())
                self.send(f"* OK [UIDVALIDITY {box.uidvalidity}] UIDs valid".encode())
            elif verb == "UID":
                self._uid(tag, command.split(" ", 2)[1:])
            elif verb == "LOGOUT":
                self.send(b"* BYE logging out")
                self.send(tag + b" OK LOGOUT completed")
                return
            self.send(tag + b" OK " + verb.encode() + b" completed")

    def _uid(self, tag: bytes, args: list[str]) -> None:
        box = self.mailbox
        sub, rest = args[0].upper(), args[1] if len(args) > 1 else ""
        if sub == "SEARCH":
            unseen = " ".join(str(uid) for uid in sorted(box.messages) if uid not in box.seen)
            self.send(f"* SEARCH {unseen}".rstrip().encode())
        elif sub == "FETCH":
            uid = int(rest.split(" ", 1)[0])
            raw = box.messages[uid]
            self.wfile.write(f"* {uid} FETCH (UID {uid} BODY[] {{{len(raw)}}}\r\n".encode())
            self.wfile.write(raw + b")\r\n")
        elif sub == "STORE":
            uid = int(rest.split(" ", 1)[0])
            box.seen.add(uid)
            self.send(f"* {uid} FETCH (UID {uid} FLAGS (\\Seen))".encode())


@contextmanager
def imap_double(mailbox: Mailbox | None = None) -> Iterator[Mailbox]:
    box = mailbox or Mailbox()
    handler = type("Handler", (_Handler,), {"mailbox": box})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    box.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()
