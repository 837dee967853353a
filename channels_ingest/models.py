"""Channel (kind, provider, encrypted config) and the durable InboundEvent receipt."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone

from helpdesk.crypto import EncryptedJSONField
from helpdesk.models import TenantOwned
from inbox.models import ChannelKind


def _webhook_key() -> str:
    return secrets.token_urlsafe(24)


class Channel(TenantOwned):
    """A connected source: one support address, number, page, bot or widget."""

    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    provider = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    config = EncryptedJSONField(default=dict)
    webhook_key = models.CharField(max_length=64, unique=True, default=_webhook_key)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["tenant", "kind"], name="channel_tenant_kind")]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind}/{self.provider})"


class EventState(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    RETRY = "retry", "Retry later"
    FAILED = "failed", "Failed for good"
    IGNORED = "ignored", "Ignored"


class InboundEvent(TenantOwned):
    """A verified provider delivery, stored once before it is acknowledged."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="events")
    purpose = models.CharField(max_length=16, default="inbound")
    provider_event_id = models.CharField(max_length=255)
    content_type = models.CharField(max_length=127, blank=True)
    body = models.BinaryField()
    headers = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=8, choices=EventState.choices, default=EventState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "channel", "purpose", "provider_event_id"],
                name="inboundevent_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="inboundevent_due",
                condition=Q(state__in=["pending", "retry"]),
            ),
        ]
