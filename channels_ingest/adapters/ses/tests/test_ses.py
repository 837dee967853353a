"""Amazon SES receipt rules via SNS: SNS signature and basic auth, through the real URL."""

import json
from pathlib import Path

import pytest

from channels_ingest.adapters.ses import sns
from channels_ingest.models import Channel, InboundEvent
from helpdesk.tenancy import tenant_scope
from inbox.models import Message
from tests import email_harness as mail
from tests.seats import Seat
from tests.webhooks import check_webhook, fixture_bytes, post_webhook

HERE = Path(__file__).resolve().parents[1]
CERT_URL = (
    "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-"
    "6209c161c6221fdf56ec1eb5c821d112.pem"
)


@pytest.fixture(autouse=True)
def signing_certificate(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    fetched: list[str] = []
    pem = mail.certificate_pem()

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return pem

    monkeypatch.setattr(sns, "certificate_fetch", fetch)
    monkeypatch.setattr(sns.sns_signature_valid, "__defaults__", (fetch,))
    return fetched


@pytest.fixture
def channel(seat_a: Seat) -> Channel:
    return mail.email_channel(seat_a.tenant, "ses", webhook_secret=mail.WEBHOOK_SECRET)


def sns_headers(body: bytes) -> dict[str, str]:
    message = json.loads(body)
    return {
        **mail.basic_auth(),
        "x-amz-sns-message-type": message["Type"],
        "x-amz-sns-message-id": message["MessageId"],
    }


def signer(url: str, body: bytes) -> dict[str, str]:
    return sns_headers(body)


def test_notification_becomes_a_message(
    channel: Channel, signing_certificate: list[str], django_capture_on_commit_callbacks
) -> None:
    body = fixture_bytes(HERE, "inbound__notification.json")
    [message] = check_webhook(
        channel, body, signer, content_type="text/plain", capture=django_capture_on_commit_callbacks
    )
    mail.assert_reply_fixture(message, attachments=[mail.PDF])
    assert signing_certificate == [CERT_URL]


def test_tampered_message_fails_the_sns_signature(channel: Channel) -> None:
    body = fixture_bytes(HERE, "inbound__notification.json")
    tampered = body.replace(b"helpdesk-inbound", b"helpdesk-inbounx")
    response = post_webhook(
        channel, tampered, content_type="text/plain", headers=signer("", tampered)
    )
    assert response.status_code == 403
    wrong_auth = {**sns_headers(body), **mail.basic_auth("hook-user:wrong")}
    response = post_webhook(channel, body, content_type="text/plain", headers=wrong_auth)
    assert response.status_code == 403
    without_auth = {k: v for k, v in sns_headers(body).items() if k != "Authorization"}
    response = post_webhook(channel, body, content_type="text/plain", headers=without_auth)
    assert (response.status_code, response["WWW-Authenticate"]) == (401, 'Basic realm="webhooks"')
    with tenant_scope(channel.tenant):
        assert (InboundEvent.objects.count(), Message.objects.count()) == (0, 0)


def test_subscription_is_confirmed_through_amazon_only(
    channel: Channel, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    confirmed: list[str] = []

    class Answer:
        def raise_for_status(self) -> None:
            return None

    monkeypatch.setattr(
        "channels_ingest.adapters.ses.adapter.requests.get",
        lambda url, timeout: confirmed.append(url) or Answer(),
    )
    body = fixture_bytes(HERE, "subscription__confirmation.json")
    messages = check_webhook(
        channel, body, signer, content_type="text/plain", capture=django_capture_on_commit_callbacks
    )
    assert messages == []
    assert confirmed == [json.loads(body)["SubscribeURL"]]
    with tenant_scope(channel.tenant):
        assert InboundEvent.objects.get().state == "ignored"
