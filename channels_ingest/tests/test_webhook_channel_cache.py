"""The webhook's per-process channel cache sees every change to the channel."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from channels_ingest.adapters.api.adapter import sign
from channels_ingest.models import Channel, InboundEvent
from channels_ingest.selectors import webhook_channel
from channels_ingest.services import channel_update
from helpdesk.tenancy import tenant_scope
from tests.factories import ChannelFactory, TenantFactory
from tests.webhooks import post_webhook


def _channel(slug: str) -> Channel:
    tenant = TenantFactory(slug=slug)
    with tenant_scope(tenant):
        channel: Channel = ChannelFactory(tenant=tenant, config={"secret": "a" * 32})
    return channel


def _post(channel: Channel, secret: str, event_id: str) -> int:
    body = json.dumps(
        {"id": event_id, "from": {"kind": "email", "value": "ann@example.com"}, "text": "Hi"}
    ).encode()
    headers = {"X-Helpdesk-Signature": sign(secret, body)}
    return post_webhook(channel, body, headers=headers).status_code


@pytest.mark.django_db
def test_a_cached_channel_costs_one_query_and_no_decryption() -> None:
    channel = _channel("cache-hit")
    first = webhook_channel(provider="api", key=channel.webhook_key)
    with CaptureQueriesContext(connection) as queries:
        again = webhook_channel(provider="api", key=channel.webhook_key)
    assert first is not None and again is not None
    assert again[1] is first[1]
    assert len(queries) == 1


@pytest.mark.django_db
def test_a_rotated_secret_is_seen_by_the_next_webhook(django_capture_on_commit_callbacks) -> None:
    channel = _channel("cache-rotate")
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(channel, "a" * 32, "e1") == 200
    with tenant_scope(channel.tenant):
        channel_update(channel=channel, config={"secret": "b" * 32})
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(channel, "a" * 32, "e2") == 403  # the old secret no longer verifies
        assert _post(channel, "b" * 32, "e3") == 200
    found = webhook_channel(provider="api", key=channel.webhook_key)
    assert found is not None and found[1].config["secret"] == "b" * 32
    with tenant_scope(channel.tenant):
        ids = sorted(InboundEvent.objects.values_list("provider_event_id", flat=True))
    assert ids == ["e1", "e3"]


@pytest.mark.django_db
def test_a_deactivated_or_deleted_channel_answers_404_at_once() -> None:
    channel = _channel("cache-off")
    assert webhook_channel(provider="api", key=channel.webhook_key) is not None
    with tenant_scope(channel.tenant):
        channel_update(channel=channel, is_active=False)
    assert webhook_channel(provider="api", key=channel.webhook_key) is None
    assert _post(channel, "a" * 32, "e1") == 404
    with tenant_scope(channel.tenant):
        channel_update(channel=channel, is_active=True)
        assert webhook_channel(provider="api", key=channel.webhook_key) is not None
        key = channel.webhook_key
        channel.delete()
        assert InboundEvent.objects.count() == 0
    assert webhook_channel(provider="api", key=key) is None
