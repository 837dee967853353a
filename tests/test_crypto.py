from django.db import connection

from channels_ingest.models import Channel
from helpdesk.crypto import decrypt, encrypt
from helpdesk.tenancy import tenant_scope
from tests.seats import Seat


def test_channel_config_is_encrypted_at_rest(seat_a: Seat) -> None:
    with tenant_scope(seat_a.tenant):
        channel = Channel.objects.create(
            kind="sms",
            provider="twilio",
            name="SMS",
            config={"account_sid": "AC123", "auth_token": "very-secret-token"},
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT config FROM channels_ingest_channel WHERE id = %s", [channel.pk])
        raw = cursor.fetchone()[0]
    assert "very-secret-token" not in raw
    assert "AC123" not in raw
    with tenant_scope(seat_a.tenant):
        assert Channel.objects.get(pk=channel.pk).config == {
            "account_sid": "AC123",
            "auth_token": "very-secret-token",
        }


def test_tampered_ciphertext_is_refused() -> None:
    token = encrypt("hello")
    assert decrypt(token) == "hello"
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    try:
        decrypt(tampered)
    except ValueError as exc:
        assert "cannot be read" in str(exc)
    else:
        raise AssertionError("tampered ciphertext was accepted")
