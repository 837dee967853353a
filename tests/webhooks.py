"""A webhook harness: post byte-exact fixtures through the real URL with real signatures.

``check_webhook`` posts, runs the on-commit task like a worker would, and returns what the
adapter produced, so adapter tests compare normalized results in two lines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from django.http import HttpResponse
from django.test import Client

from channels_ingest.models import Channel, InboundEvent
from channels_ingest.selectors import channel_webhook_urls
from helpdesk.tenancy import tenant_scope
from inbox.models import Message

Signer = Callable[[str, bytes], Mapping[str, str]]  # (url, body) -> headers


def fixture_bytes(adapter_dir: Path, name: str) -> bytes:
    return (adapter_dir / "fixtures" / name).read_bytes()


def post_webhook(
    channel: Channel,
    body: bytes,
    *,
    purpose: str = "inbound",
    content_type: str = "application/json",
    headers: Mapping[str, str] | None = None,
    query: str = "",
) -> HttpResponse:
    url = channel_webhook_urls(channel)[purpose] + query
    path = url.split("://", 1)[1].split("/", 1)[1]
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
    return Client().post("/" + path, data=body, content_type=content_type, **extra)


def check_webhook(
    channel: Channel,
    body: bytes,
    sign: Signer,
    *,
    purpose: str = "inbound",
    content_type: str = "application/json",
    capture: Callable[..., object],
) -> list[Message]:
    """Post a signed body, run the processing task, return the messages it created."""
    url = channel_webhook_urls(channel)[purpose]
    with tenant_scope(channel.tenant):
        before = set(Message.objects.values_list("pk", flat=True))
    with capture(execute=True):
        response = post_webhook(
            channel, body, purpose=purpose, content_type=content_type, headers=sign(url, body)
        )
    assert response.status_code == 200, response.content
    with tenant_scope(channel.tenant):
        assert InboundEvent.objects.filter(channel=channel).exists()
        return list(
            Message.objects.exclude(pk__in=before).order_by("id").select_related("customer")
        )
