"""How the inbox learns about channels it cannot import: a directory the channels room registers.

``channels_ingest`` sits above ``inbox``; it registers its directory in ``AppConfig.ready()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol


@dataclass(frozen=True)
class ChannelInfo:
    id: int
    kind: str
    name: str
    is_active: bool
    # Free-text replies allowed only this long after the customer's last message (WhatsApp).
    reply_window: timedelta | None = None


class ChannelDirectory(Protocol):
    def channel_info(self, channel_id: int) -> ChannelInfo | None: ...


_directory: ChannelDirectory | None = None


def directory_register(directory: ChannelDirectory) -> None:
    global _directory
    _directory = directory


def channel_info(channel_id: int) -> ChannelInfo | None:
    return _directory.channel_info(channel_id) if _directory else None
