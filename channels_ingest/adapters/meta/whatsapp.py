"""WhatsApp Cloud API webhook bodies -> messages and delivery reports.

One POST may carry many entries, changes, messages and statuses; each is read on its own and
anything unknown becomes a placeholder or is skipped, never an error for the whole batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from channels_ingest.adapters.base import ChannelContext, Normalized
from channels_ingest.adapters.media import Draft, MediaRef
from inbox.inbound import InboundMessage, SenderIdentity, StatusUpdate

Item = Normalized | Draft

MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
STATUS_MAP = {"sent": "sent", "delivered": "delivered", "read": "read", "played": "read"}
# Kept out of the inbox on purpose (README "Decisions").
IGNORED_TYPES = frozenset({"reaction", "revoke", "system", "ephemeral", "request_welcome"})


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def sent_at(timestamp: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(timestamp), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def parse(channel: ChannelContext, payload: Mapping[str, Any]) -> list[Item]:
    items: list[Item] = []
    own_number = str(channel.config.get("phone_number_id", ""))
    for entry in _list(payload.get("entry")):
        for change in _list(_dict(entry).get("changes")):
            change = _dict(change)
            if change.get("field") != "messages":  # echoes, account and template updates
                continue
            value = _dict(change.get("value"))
            number = str(_dict(value.get("metadata")).get("phone_number_id", ""))
            if own_number and number != own_number:  # another number of the same app
                continue
            contacts = _contacts(value)
            for raw in _list(value.get("messages")):
                item = _message(channel, _dict(raw), contacts, value)
                if item is not None:
                    items.append(item)
            for raw in _list(value.get("statuses")):
                status = _status(channel, _dict(raw))
                if status is not None:
                    items.append(status)
    return items


def _contacts(value: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Contacts by wa_id and by business-scoped user id (BSUID)."""
    found: dict[str, dict[str, Any]] = {}
    for contact in _list(value.get("contacts")):
        contact = _dict(contact)
        for key in ("wa_id", "user_id"):
            if _str(contact.get(key)):
                found[contact[key]] = contact
    return found


def _sender(message: Mapping[str, Any], contacts: Mapping[str, Any]) -> SenderIdentity:
    wa_id = _str(message.get("from"))
    user_id = _str(message.get("from_user_id"))
    contact = _dict(contacts.get(wa_id) or contacts.get(user_id))
    wa_id = wa_id or _str(contact.get("wa_id"))
    name = _str(_dict(contact.get("profile")).get("name"))
    # Users who adopted a username may come with a BSUID only; it still addresses replies.
    value = wa_id or user_id or _str(contact.get("user_id"))
    return SenderIdentity(kind="whatsapp", value=value, verified=True, display_name=name[:200])


def _media(message: Mapping[str, Any], kind: str) -> tuple[str, MediaRef | None]:
    media = _dict(message.get(kind))
    ref = _str(media.get("id")) or _str(media.get("url"))
    caption = _str(media.get("caption"))
    filename = _str(media.get("filename"))
    if not ref:
        return caption, None
    label = "voice message" if kind == "audio" and media.get("voice") else kind
    text = caption or (f"[{label}: {filename}]" if filename else f"[{label}]")
    return text, MediaRef(kind, ref, _str(media.get("mime_type")), filename)


def _interactive(message: Mapping[str, Any]) -> str:
    interactive = _dict(message.get("interactive"))
    kind = _str(interactive.get("type"))
    reply = _dict(interactive.get(kind))
    if kind in ("button_reply", "list_reply"):
        title = _str(reply.get("title"))
        description = _str(reply.get("description"))
        return f"{title}\n{description}".strip() if description else title
    if kind == "nfm_reply":
        return _str(reply.get("body")) or _str(reply.get("response_json")) or "[form reply]"
    return ""


def _location(message: Mapping[str, Any]) -> str:
    place = _dict(message.get("location"))
    where = ", ".join(p for p in (_str(place.get("name")), _str(place.get("address"))) if p)
    point = f"{place.get('latitude')}, {place.get('longitude')}"
    return f"[location] {where} ({point})" if where else f"[location] {point}"


def _shared_contacts(message: Mapping[str, Any]) -> str:
    lines = []
    for contact in _list(message.get("contacts")):
        contact = _dict(contact)
        name = _str(_dict(contact.get("name")).get("formatted_name"))
        phones = [_str(_dict(p).get("phone")) for p in _list(contact.get("phones"))]
        lines.append(" ".join(p for p in [name, *phones] if p))
    return "[contact] " + "; ".join(lines)


def _text_of(message: Mapping[str, Any], kind: str) -> tuple[str, MediaRef | None]:
    """The text an agent reads and the file it points at, for each message type."""
    if kind == "text":
        return _str(_dict(message.get("text")).get("body")), None
    if kind in MEDIA_TYPES:
        return _media(message, kind)
    if kind == "button":
        return _str(_dict(message.get("button")).get("text")), None
    if kind == "interactive":
        return _interactive(message), None
    if kind == "location":
        return _location(message), None
    if kind == "contacts":
        return _shared_contacts(message), None
    if kind == "order":
        order = _dict(message.get("order"))
        count = len(_list(order.get("product_items")))
        note = _str(order.get("text"))
        return f"[order] {count} item(s)" + (f": {note}" if note else ""), None
    return "", None


def _message(
    channel: ChannelContext,
    message: Mapping[str, Any],
    contacts: Mapping[str, Any],
    value: Mapping[str, Any],
) -> Item | None:
    external_id = _str(message.get("id"))
    kind = _str(message.get("type"))
    if not external_id or kind in IGNORED_TYPES:
        return None
    metadata: dict[str, Any] = {"whatsapp_type": kind}
    reply_to = _str(_dict(message.get("context")).get("id"))
    if kind == "edit":  # an edit arrives as a new message pointing at the original
        edit = _dict(message.get("edit"))
        original = _str(edit.get("original_message_id"))
        inner = _dict(edit.get("message"))
        text, media = _text_of(inner, _str(inner.get("type")))
        metadata["edit_of"] = original
        text, reply_to = f"[edited] {text}".strip(), original or reply_to
    else:
        text, media = _text_of(message, kind)
    if _dict(message.get("context")).get("forwarded"):
        metadata["forwarded"] = True
    referral = _dict(message.get("referral"))
    if referral:
        metadata["referral"] = {
            k: _str(referral.get(k)) for k in ("source_type", "source_id", "source_url", "headline")
        }
        text = text or f"[referral] {_str(referral.get('headline'))}".strip()
    if reply_to:
        metadata["reply_to"] = reply_to[:255]
    if not text:
        errors = _list(message.get("errors")) or _list(value.get("errors"))
        detail = _str(_dict(errors[0]).get("title")) if errors else ""
        label = _str(_dict(message.get("unsupported")).get("type")) or kind or "unknown"
        text = f"[unsupported WhatsApp message: {label}]" + (f" {detail}" if detail else "")
        metadata["unsupported"] = True
    user_id = _str(message.get("from_user_id")) or _str(
        _dict(contacts.get(_str(message.get("from")))).get("user_id")
    )
    if user_id:
        metadata["whatsapp_user_id"] = user_id
    inbound = InboundMessage(
        channel_id=channel.id,
        channel_kind=channel.kind,
        external_id=external_id[:255],
        sender=_sender(message, contacts),
        body_text=text,
        sent_at=sent_at(message.get("timestamp")),
        reply_to_external_id=reply_to[:255],
        metadata=metadata,
    )
    return Draft(inbound, (media,)) if media is not None else inbound


def _status(channel: ChannelContext, status: Mapping[str, Any]) -> StatusUpdate | None:
    external_id = _str(status.get("id"))
    raw = _str(status.get("status"))
    if not external_id:
        return None
    if raw == "failed":
        errors = [_dict(e) for e in _list(status.get("errors"))]
        error = "; ".join(
            f"{e.get('code')} {_str(e.get('title'))}: "
            f"{_str(_dict(e.get('error_data')).get('details'))}".rstrip(": ")
            for e in errors
        )
        return StatusUpdate(
            channel.id, external_id, "failed", sent_at(status.get("timestamp")), error[:500]
        )
    if raw not in STATUS_MAP:
        return None
    return StatusUpdate(channel.id, external_id, STATUS_MAP[raw], sent_at(status.get("timestamp")))
