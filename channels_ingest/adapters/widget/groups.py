"""Channel-layer group names of widget visitors (names must be short ASCII)."""

from __future__ import annotations

import hashlib


def visitor_group(channel_id: int, recipient: str) -> str:
    """The group of every widget tab of one visitor (or verified user) on one channel."""
    digest = hashlib.sha256(f"{channel_id}:{recipient}".encode()).hexdigest()[:40]
    return f"widget.{channel_id}.{digest}"
