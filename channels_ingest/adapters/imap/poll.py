"""The IMAP side of polling: unseen messages out of a mailbox, then flagged as seen."""

from __future__ import annotations

import imaplib
import re
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from channels_ingest.mail.message_ids import message_id

MAX_PER_POLL = 200
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


@dataclass(frozen=True)
class Fetched:
    uid: str
    event_id: str
    raw: bytes


class Mailbox:
    def __init__(self, client: imaplib.IMAP4, uidvalidity: str) -> None:
        self.client, self.uidvalidity = client, uidvalidity

    def unseen(self, limit: int = MAX_PER_POLL) -> Iterator[Fetched]:
        status, data = self.client.uid("SEARCH", "UNSEEN")
        if status != "OK":
            raise imaplib.IMAP4.error(f"SEARCH failed: {data!r}")
        uids = (data[0] or b"").split()[:limit]
        for uid in uids:
            status, parts = self.client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple) and len(p) == 2), None)
            if status != "OK" or not isinstance(raw, bytes):
                continue
            headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
            mid = message_id(str(headers.get("Message-ID", "")))
            event_id = mid or f"uid:{self.uidvalidity}:{uid.decode()}"
            yield Fetched(uid=uid.decode(), event_id=event_id, raw=raw)

    def mark_seen(self, uid: str) -> None:
        self.client.uid("STORE", uid, "+FLAGS", "(\\Seen)")


@contextmanager
def mailbox_open(config: Mapping[str, Any], timeout: float = 30) -> Iterator[Mailbox]:
    host = str(config["host"])
    use_ssl = config.get("ssl", True) is not False
    port = int(config.get("port") or (993 if use_ssl else 143))
    client: imaplib.IMAP4
    if use_ssl:
        client = imaplib.IMAP4_SSL(
            host, port, ssl_context=ssl.create_default_context(), timeout=timeout
        )
    else:  # only for a server on loopback (tests, a local bridge)
        client = imaplib.IMAP4(host, port, timeout=timeout)
    try:
        client.login(str(config["username"]), str(config["password"]))
        status, data = client.select(str(config.get("folder") or "INBOX"))
        if status != "OK":
            raise imaplib.IMAP4.error(f"Cannot open folder: {data!r}")
        code = client.response("UIDVALIDITY")[1]
        uidvalidity = (code[0] or b"0").decode() if code and code[0] else "0"
        yield Mailbox(client, uidvalidity)
    finally:
        with suppress(OSError, imaplib.IMAP4.error):
            client.logout()
