"""``manage.py send_channel_fixture`` against a live server: signed as each provider signs."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from channels_ingest.adapters.base import Adapter
from channels_ingest.models import Channel, InboundEvent
from channels_ingest.selectors import channel_webhook_urls
from helpdesk.tenancy import tenant_scope
from inbox.models import Message
from tests.factories import ChannelFactory, TenantFactory

pytestmark = pytest.mark.django_db(transaction=True)

TWILIO = {
    "account_sid": "AC3f1d0a2b4c6e8f0a1b2c3d4e5f6a7b8c",
    "auth_token": "9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f",
    "phone_number": "+15558675310",
}


def _channel(**fields: object) -> Channel:
    tenant = TenantFactory(slug="replay")
    with tenant_scope(tenant):
        channel: Channel = ChannelFactory(tenant=tenant, **fields)
        return channel


def test_twilio_fixture_is_signed_with_the_auth_token_and_stored(live_server, capsys) -> None:
    channel = _channel(kind="sms", provider="twilio", config=TWILIO)
    call_command(
        "send_channel_fixture", "inbound__sms.txt", channel=channel.pk, url=live_server.url
    )
    out = capsys.readouterr().out
    assert f"POST {live_server.url}/webhooks/twilio/{channel.webhook_key}/inbound/" in out
    assert '200 <?xml version="1.0" encoding="UTF-8"?><Response />' in out
    with tenant_scope(channel.tenant):
        assert Message.objects.get().external_id == "SM9f2c7a1e5b3d4f60a8c1e2d3b4a5f6e7"


def test_purpose_comes_from_the_fixture_name_and_webhook_url_names_the_channel(
    live_server, capsys
) -> None:
    channel = _channel(kind="sms", provider="twilio", config=TWILIO)
    url = channel_webhook_urls(channel)["inbound"]
    call_command(
        "send_channel_fixture", "status__delivered.txt", webhook_url=url, url=live_server.url
    )
    with tenant_scope(channel.tenant):
        assert list(InboundEvent.objects.values_list("purpose", "provider_event_id")) == [
            ("status", "SM0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a:delivered")
        ]


def test_api_fixture_is_signed_with_the_channel_secret(live_server) -> None:
    channel = _channel()
    call_command(
        "send_channel_fixture", "message__basic.json", channel=channel.pk, url=live_server.url
    )
    with tenant_scope(channel.tenant):
        assert Message.objects.get().external_id == "evt-1001"


def test_refusals_are_clear(live_server, monkeypatch) -> None:
    channel = _channel(kind="sms", provider="twilio", config=TWILIO)
    with pytest.raises(CommandError, match=r"No fixture 'nope\.txt'\. twilio fixtures: inbound__"):
        call_command("send_channel_fixture", "nope.txt", channel=channel.pk, url=live_server.url)
    with pytest.raises(CommandError, match=r"No such channel\."):
        call_command("send_channel_fixture", "inbound__sms.txt", channel=0, url=live_server.url)
    with pytest.raises(CommandError, match=r"no 'voice' webhook"):
        call_command(
            "send_channel_fixture", "voice__incoming.txt", channel=channel.pk, url=live_server.url
        )
    monkeypatch.setattr(
        "channels_ingest.adapters.twilio.adapter.TwilioAdapter.sign_fixture", Adapter.sign_fixture
    )
    with pytest.raises(CommandError, match=r"Replaying twilio fixtures is not supported\."):
        call_command(
            "send_channel_fixture", "inbound__sms.txt", channel=channel.pk, url=live_server.url
        )
    with tenant_scope(channel.tenant):
        assert InboundEvent.objects.count() == 0
