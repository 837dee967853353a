"""Twilio channels for the adapter tests, and a signer using the SDK's own validator."""

from __future__ import annotations

from pathlib import Path

from django.http import QueryDict
from twilio.request_validator import RequestValidator

from channels_ingest.models import Channel
from helpdesk.tenancy import tenant_scope
from tests.factories import ChannelFactory
from tests.seats import Seat

HERE = Path(__file__).resolve().parents[1]
ACCOUNT_SID = "AC3f1d0a2b4c6e8f0a1b2c3d4e5f6a7b8c"
AUTH_TOKEN = "9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f"
NUMBER = "+15558675310"
FORM = "application/x-www-form-urlencoded"


def twilio_config(kind: str, **extra: str) -> dict[str, str]:
    number = f"whatsapp:{NUMBER}" if kind == "whatsapp" else NUMBER
    return {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "phone_number": number, **extra}


def signer(url: str, body: bytes) -> dict[str, str]:
    """What Twilio sends: the SDK's signature over the URL and every form value."""
    params = QueryDict(body.decode(), encoding="utf-8")
    return {"X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(url, params)}


def make_channel(seat: Seat, kind: str, **extra: str) -> Channel:
    with tenant_scope(seat.tenant):
        channel: Channel = ChannelFactory(
            tenant=seat.tenant, kind=kind, provider="twilio", config=twilio_config(kind, **extra)
        )
        return channel


def fixture(name: str) -> bytes:
    return (HERE / "fixtures" / name).read_bytes()
