"""Messenger and Instagram webhook bodies (``object`` ``page`` / ``instagram``).

Both send ``entry[].messaging[]`` events keyed by page-scoped sender ids. Echoes of our own
messages, reactions, reads without message ids and standalone referrals are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from channels_ingest.adapters.base import ChannelContext
from channels_ingest.adapters.media import Draft, MediaRef
from channels_ingest.adapters.meta.whatsapp import Item, _dict, _list, _str
from inbox.inbound import InboundMessage, SenderIdentity, StatusUpdate

OWN_ID_FIELD = {"messenger": "page_id", "instagram": "instagram_id"}
MEDIA_KINDS = {"image": "image", "video": "video", "audio": "audio", "file": "document"}


def _at(millis: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(millis) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def parse(channel: ChannelContext, payload: Mapping[str, Any]) -> list[Item]:
    items: list[Item] = []
    own_id = str(channel.config.get(OWN_ID_FIELD[channel.kind], ""))
    for entry in _list(payload.get("entry")):
        entry = _dict(entry)
        if own_id and str(entry.get("id", "")) != own_id:  # another page of the same app
            continue
        for event in _list(entry.get("messaging")):
            items.extend(_event(channel, _dict(event), own_id))
    return items


def _event(channel: ChannelContext, event: Mapping[str, Any], own_id: str) -> list[Item]:
    sender = str(_dict(event.get("sender")).get("id") or "")
    at = _at(event.get("timestamp"))
    if "delivery" in event:
        mids = _list(_dict(event["delivery"]).get("mids"))
        return [StatusUpdate(channel.id, m[:255], "delivered", at) for m in mids if _str(m)]
    if "read" in event:
        mid = _str(_dict(event["read"]).get("mid"))  # Instagram names the message; Messenger
        return [StatusUpdate(channel.id, mid[:255], "read", at)] if mid else []  # a watermark
    if not sender or sender == own_id:
        return []
    identity = SenderIdentity(kind=channel.kind, value=sender, verified=True)
    if "message" in event:
        return _message(channel, _dict(event["message"]), identity, at)
    if "message_edit" in event:
        edit = _dict(event["message_edit"])
        mid = _str(edit.get("mid"))
        if not mid:
            return []
        return [
            InboundMessage(
                channel_id=channel.id,
                channel_kind=channel.kind,
                external_id=f"{mid}:edit:{edit.get('num_edit', 1)}"[:255],
                sender=identity,
                body_text=f"[edited] {_str(edit.get('text'))}".strip(),
                sent_at=at,
                reply_to_external_id=mid[:255],
                metadata={"edit_of": mid, "reply_to": mid[:255]},
            )
        ]
    if "postback" in event:
        postback = _dict(event["postback"])
        mid = _str(postback.get("mid")) or f"postback:{sender}:{event.get('timestamp', '')}"
        return [
            InboundMessage(
                channel_id=channel.id,
                channel_kind=channel.kind,
                external_id=mid[:255],
                sender=identity,
                body_text=_str(postback.get("title")) or _str(postback.get("payload")),
                sent_at=at,
                metadata={"postback": _str(postback.get("payload"))[:1000]},
            )
        ]
    return []  # reactions, standalone referrals, optins, handovers: README "Decisions"


def _message(
    channel: ChannelContext, message: Mapping[str, Any], sender: SenderIdentity, at: Any
) -> list[Item]:
    mid = _str(message.get("mid"))
    if not mid or message.get("is_echo") or message.get("is_deleted"):
        return []
    metadata: dict[str, Any] = {}
    lines = [_str(message.get("text"))] if _str(message.get("text")) else []
    media: list[MediaRef] = []
    for attachment in _list(message.get("attachments")):
        attachment = _dict(attachment)
        kind = _str(attachment.get("type"))
        payload = _dict(attachment.get("payload"))
        url = _str(payload.get("url"))
        if kind in MEDIA_KINDS and url:
            media.append(MediaRef(MEDIA_KINDS[kind], url))
            if not lines:
                lines.append(f"[{MEDIA_KINDS[kind]}]")
        elif kind == "location":
            point = _dict(payload.get("coordinates"))
            lines.append(f"[location] ({point.get('lat')}, {point.get('long')})")
        elif kind in ("fallback", "share", "story_mention", "ig_reel", "reel", "template"):
            title = _str(attachment.get("title")) or _str(payload.get("title"))
            lines.append(" ".join(p for p in (f"[{kind}]", title, url) if p))
        else:
            lines.append(f"[unsupported attachment: {kind or 'unknown'}]")
    quick_reply = _str(_dict(message.get("quick_reply")).get("payload"))
    if quick_reply:
        metadata["quick_reply"] = quick_reply[:1000]
    reply_to = _str(_dict(message.get("reply_to")).get("mid"))[:255]
    if reply_to:
        metadata["reply_to"] = reply_to
    story = _dict(_dict(message.get("reply_to")).get("story"))
    if story:  # an Instagram reply to the business's story
        metadata["story"] = {"id": _str(story.get("id")), "url": _str(story.get("url"))}
        lines.insert(0, "[reply to a story]")
    if message.get("is_unsupported") or not lines:
        lines.append(f"[unsupported {channel.kind} message]")
        metadata["unsupported"] = True
    inbound = InboundMessage(
        channel_id=channel.id,
        channel_kind=channel.kind,
        external_id=mid[:255],
        sender=sender,
        body_text="\n".join(lines),
        sent_at=at,
        reply_to_external_id=reply_to,
        metadata=metadata,
    )
    return [Draft(inbound, tuple(media))] if media else [inbound]
