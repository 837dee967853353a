"""Real public payloads, read in place from ../shared/corpora (skipped when absent):

- ``meta/meta_signature_vectors.json``: an X-Hub-Signature-256 vector from a real WhatsApp
  capture (david-lev/pywa tests, MIT) and Messenger/Instagram vectors, incl. a re-serialized
  body that must fail;
- ``meta-whatsapp-pywa/*.json``: WhatsApp Cloud API webhook bodies from david-lev/pywa
  ``tests/data/updates`` (MIT).
"""

import json
import os
from pathlib import Path
from typing import Any

import pytest

from channels_ingest.adapters.base import ChannelContext, WebhookRejected, WebhookRequest
from channels_ingest.adapters.media import Draft, MediaRef
from channels_ingest.adapters.meta import whatsapp
from channels_ingest.adapters.meta.adapter import MetaAdapter
from helpdesk.tenancy import tenant_scope
from inbox.inbound import InboundMessage, StatusUpdate
from inbox.models import Message
from tests.factories import ChannelFactory
from tests.seats import Seat
from tests.webhooks import post_webhook

# ../shared/corpora from the project root; SHARED_CORPORA points elsewhere (e.g. from a worktree).
CORPORA = Path(
    os.environ.get("SHARED_CORPORA")
    or Path(__file__).resolve().parents[4].parent / "shared" / "corpora"
)
VECTORS = CORPORA / "meta" / "meta_signature_vectors.json"
PYWA = CORPORA / "meta-whatsapp-pywa"

needs_vectors = pytest.mark.skipif(
    not VECTORS.is_file(), reason=f"signature vectors absent: {VECTORS}"
)
needs_pywa = pytest.mark.skipif(not PYWA.is_dir(), reason=f"pywa corpus absent: {PYWA}")


def vector_cases() -> list[dict[str, Any]]:
    if not VECTORS.is_file():
        return []
    data = json.loads(VECTORS.read_text())
    return [*data["cases"], *data["self_generated"]["cases"]]


def ctx(kind: str, secret: str = "", **config: str) -> ChannelContext:
    return ChannelContext(
        id=7,
        tenant_id=1,
        kind=kind,
        provider="meta",
        config={"app_secret": secret, "verify_token": "v", "access_token": "t", **config},
        webhook_urls={},
    )


def request(body: bytes, signature: str) -> WebhookRequest:
    return WebhookRequest(
        purpose="inbound",
        method="POST",
        url="",
        headers={"x-hub-signature-256": signature},
        query={},
        body=body,
        content_type="application/json",
    )


@needs_vectors
@pytest.mark.parametrize("case", vector_cases(), ids=lambda c: c["name"])
def test_signature_vectors(case: dict[str, Any]) -> None:
    body = case["raw_body_utf8"].encode()
    check = request(body, case["x_hub_signature_256"])
    if case["valid"]:
        MetaAdapter().verify(ctx("whatsapp", case["app_secret"]), check)
    else:
        with pytest.raises(WebhookRejected) as refused:
            MetaAdapter().verify(ctx("whatsapp", case["app_secret"]), check)
        assert refused.value.status == 403


@needs_vectors
def test_the_real_whatsapp_capture_through_the_url(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    [case] = [c for c in vector_cases() if c["name"] == "whatsapp_text_real_capture"]
    with tenant_scope(seat_a.tenant):
        channel = ChannelFactory(
            tenant=seat_a.tenant,
            kind="whatsapp",
            provider="meta",
            config={
                "app_secret": case["app_secret"],
                "verify_token": "v",
                "access_token": "t",
                "phone_number_id": "277321005464405",
            },
        )
    headers = {"X-Hub-Signature-256": case["x_hub_signature_256"]}
    body = case["raw_body_utf8"].encode()
    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(channel, body, headers=headers).status_code == 200
    with tenant_scope(seat_a.tenant):
        message = Message.objects.select_related("customer").get(channel_id=channel.pk)
    assert (message.body_text, message.customer.name) == (
        "Hey there! I am using PyWa.",
        "PyWa Tests",
    )


def pywa_cases() -> list[tuple[str, str]]:
    if not PYWA.is_dir():
        return []
    cases = []
    for path in sorted(PYWA.glob("*.json")):
        text = path.read_text().strip()
        for key in json.loads(text) if text else []:
            cases.append((path.name, key))
    return cases


def parse(file: str, key: str) -> list[Any]:
    payload = json.loads((PYWA / file).read_text())[key]
    return whatsapp.parse(ctx("whatsapp", phone_number_id=""), payload)


@needs_pywa
@pytest.mark.parametrize(("file", "key"), pywa_cases())
def test_every_pywa_payload_normalizes_without_error(file: str, key: str) -> None:
    items = parse(file, key)
    assert all(isinstance(i, InboundMessage | StatusUpdate | Draft) for i in items)
    for item in items:
        message = item.message if isinstance(item, Draft) else item
        if isinstance(message, InboundMessage):
            assert message.body_text.strip(), (file, key)


def body(item: Any) -> str:
    return str((item.message if isinstance(item, Draft) else item).body_text)


@needs_pywa
def test_pywa_messages_map_as_documented() -> None:
    [text] = parse("message.json", "text")
    assert (text.body_text, text.sender.value, text.sender.display_name) == (
        "Body Text",
        "972987654321",
        "Test Name",
    )
    assert text.metadata["whatsapp_user_id"] == "US.13491208655302741918"
    [image] = parse("message.json", "image")
    assert image.media == (MediaRef("image", "65463453", "image/jpeg"),)
    [voice] = parse("message.json", "voice")
    assert (body(voice), voice.media[0].content_type) == (
        "[voice message]",
        "audio/ogg; codecs=opus",
    )
    [sticker] = parse("message.json", "static_sticker")
    assert sticker.media == (MediaRef("sticker", "1234567890987654321", "image/webp"),)
    assert parse("message.json", "reaction") == []
    assert parse("message.json", "unreaction_empty") == []
    [reply] = parse("message.json", "reply")
    assert (reply.body_text, reply.reply_to_external_id) == ("replied text", "wamid.xyzxyz==")
    [referral] = parse("message.json", "referral")
    assert (referral.body_text, referral.metadata["referral"]["headline"]) == ("BODY", "AD_TITLE")
    [forwarded] = parse("message.json", "forwarded")
    assert forwarded.metadata["forwarded"] is True
    [pool] = parse("message.json", "unsupported_with_type")
    assert pool.body_text == "[unsupported WhatsApp message: pool] Message type unknown"
    [broken] = parse("message.json", "interactive_message_with_err")
    assert broken.body_text == "[unsupported WhatsApp message: interactive] Something went wrong"
    [contacts] = parse("message.json", "contacts")
    assert contacts.body_text == (
        "[contact] Chandler Bing +1 555-555-5555; Monica +1 666-666-6666; "
        "Rachel Green +1 777-777-7777"
    )
    [order] = parse("message.json", "order")
    assert order.body_text == "[order] 3 item(s)"
    [button] = parse("callback_button.json", "button")
    [quick] = parse("callback_button.json", "quick_reply_without_context")
    assert (button.body_text, quick.body_text) == ("title", "title")
    [edit] = parse("edited_message.json", "image")
    assert (body(edit), edit.message.metadata["edit_of"]) == (
        "[edited] Updated image caption",
        "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=",
    )
    assert parse("deleted_message.json", "revoke") == []
    assert parse("system.json", "phone_number_change") == []
    assert [parse("outgoing_message.json", k) for k in ("text", "delete", "edit")] == [[], [], []]


@needs_pywa
def test_pywa_statuses_map_as_documented() -> None:
    mapped = {
        key: [(s.external_id, s.status) for s in parse("message_status.json", key)]
        for key in ("sent", "delivered", "read", "played", "with_tracker")
    }
    assert mapped == {
        "sent": [("wamid.xyzxyz", "sent")],
        "delivered": [("wamid.xyzxyz", "delivered")],
        "read": [("wamid.xyzxyz", "read")],
        "played": [("wamid.xyzxyz", "read")],
        "with_tracker": [("wamid.xyzxyz", "sent")],
    }
    [failed] = parse("message_status.json", "failed")
    assert (failed.status, failed.error) == (
        "failed",
        "130472 User's number is part of an experiment: Failed to send message because this "
        "user's phone number is part of an experiment",
    )
