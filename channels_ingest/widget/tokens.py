"""Visitor tokens: who a widget visitor is, signed by us, kept by the widget in localStorage.

A token names the channel, the visitor id we issued, the identity the host page claimed
(user id and hash, checked again when each message is normalized), what the pre-chat form
said and the help center's visitor key. Nothing in it is trusted unless our signature holds.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from typing import Any

from django.core import signing

SALT = "channels_ingest.widget.visitor"
MAX_AGE_SECONDS = 365 * 24 * 3600


@dataclass(frozen=True)
class Visitor:
    channel_id: int
    id: str  # "wv-" + 32 url-safe characters, a valid chat_visitor value
    user_id: str = ""
    user_hash: str = ""
    verified: bool = False  # the hash matched when the token was issued
    name: str = ""
    email: str = ""
    kb_key: str = ""  # the help center's hd_kb_visitor cookie, when the widget ran there

    @property
    def recipient(self) -> str:
        """The address replies are pushed to (the sender value the adapter uses)."""
        return self.user_id if self.verified else self.id

    def search_keys(self) -> list[str]:
        return [key for key in (self.id, self.kb_key) if key]


class BadToken(Exception):
    pass


def visitor_new(channel_id: int) -> Visitor:
    return Visitor(channel_id=channel_id, id="wv-" + secrets.token_urlsafe(24))


def visitor_token(visitor: Visitor) -> str:
    data = {
        "c": visitor.channel_id,
        "v": visitor.id,
        "u": visitor.user_id,
        "h": visitor.user_hash,
        "ok": visitor.verified,
        "n": visitor.name,
        "e": visitor.email,
        "k": visitor.kb_key,
    }
    return signing.dumps(data, salt=SALT, compress=True)


def visitor_from_token(token: str, *, channel_id: int) -> Visitor:
    if not token or len(token) > 2000:
        raise BadToken("Missing visitor token.")
    try:
        data: Any = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature as exc:
        raise BadToken("This visitor token is not valid.") from exc
    if not isinstance(data, dict) or data.get("c") != channel_id or not data.get("v"):
        raise BadToken("This visitor token belongs to another widget.")
    return Visitor(
        channel_id=channel_id,
        id=str(data["v"]),
        user_id=str(data.get("u") or ""),
        user_hash=str(data.get("h") or ""),
        verified=bool(data.get("ok")),
        name=str(data.get("n") or ""),
        email=str(data.get("e") or ""),
        kb_key=str(data.get("k") or ""),
    )


def visitor_with(visitor: Visitor, **changes: Any) -> Visitor:
    return replace(visitor, **changes)
