"""RFC 5322 message identifiers: parsing the threading headers the way JWZ threading does.

A Message-ID is compared case-sensitively; a quoted local part is unquoted where quoting
changes nothing (``<"a.b"@x>`` is ``<a.b@x>``). References that hold no valid id fall back to
In-Reply-To; a message citing itself is ignored.
"""

from __future__ import annotations

import re

_MSG_ID = re.compile(r"<\s*([^<>\s@]+|\"[^\"]*\")\s*@\s*([^<>\s]+)\s*>")
_PLAIN_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")


def _canonical(local: str, domain: str) -> str:
    if local.startswith('"') and local.endswith('"') and len(local) >= 2:
        inner = local[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        local = inner if _PLAIN_LOCAL.match(inner) else local
    return f"<{local}@{domain}>"


def message_ids(value: str | None) -> list[str]:
    """Every valid ``<local@domain>`` in a header value, canonical and in order."""
    if not value:
        return []
    found = [_canonical(local, domain) for local, domain in _MSG_ID.findall(str(value))]
    unique: list[str] = []
    for mid in found:
        if mid not in unique:
            unique.append(mid)
    return unique


def message_id(value: str | None) -> str:
    ids = message_ids(value)
    return ids[0] if ids else ""


def thread_parents(
    own_id: str, in_reply_to: str | None, references: str | None
) -> tuple[str, tuple[str, ...]]:
    """(in_reply_to, references) as cited by a message, without itself.

    Threading reads References first (its last id is the parent) and falls back to
    In-Reply-To when References holds no valid id.
    """
    refs = [mid for mid in message_ids(references) if mid != own_id]
    parent = [mid for mid in message_ids(in_reply_to) if mid != own_id]
    return (parent[0] if parent else ""), tuple(refs)
