"""Small display helpers for the workspace templates."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()

CHANNEL_BADGES = {
    "email": ("E", "Email"),
    "sms": ("S", "SMS"),
    "whatsapp": ("W", "WhatsApp"),
    "voice": ("V", "Voice"),
    "messenger": ("M", "Messenger"),
    "instagram": ("I", "Instagram"),
    "telegram": ("T", "Telegram"),
    "chat": ("C", "Chat"),
    "api": ("A", "API"),
}


def duration_text(seconds: float) -> str:
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


@register.filter
def sla_left(due: datetime | None) -> str:
    """Time left on an SLA clock ("2h 5m"), or how long ago it passed ("-3h 10m")."""
    if due is None:
        return "—"
    left = (due - timezone.now()).total_seconds()
    return duration_text(left) if left >= 0 else f"-{duration_text(left)}"


@register.filter
def is_overdue(due: datetime | None) -> bool:
    return due is not None and due < timezone.now()


@register.filter
def badge_letter(kind: str) -> str:
    return CHANNEL_BADGES.get(kind, ("?", kind))[0]


@register.filter
def channel_label(kind: str) -> str:
    return CHANNEL_BADGES.get(kind, ("?", kind or "Internal"))[1]


@register.filter
def call_duration(seconds: int | None) -> str:
    if not seconds:
        return ""
    minutes, secs = divmod(seconds, 60)
    return f"{minutes}:{secs:02d}"
