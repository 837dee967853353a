"""The email reply loop per ESP: customer mail in, agent reply out through anymail against a
local double of the ESP's API (``api_base_url``), and the customer's answer back on the ticket.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from helpdesk.tenancy import tenant_scope
from inbox.models import Message, Ticket
from tests import email_harness as mail
from tests.http_double import Recorded, http_double
from tests.seats import Seat
from tests.webhooks import check_webhook

ADAPTERS = Path(__file__).resolve().parents[1] / "channels_ingest" / "adapters"


def form_fields(recorded: Recorded) -> dict[str, str]:
    """An urlencoded form body as {name: value}."""
    assert recorded.headers["Content-Type"] == "application/x-www-form-urlencoded"
    return dict(parse_qsl(recorded.body.decode(), strict_parsing=True))


def customer_answer(*, to: str, cites: str, subject: str) -> bytes:
    return (
        "From: Maria Lopez <maria.lopez@customer.example>\r\n"
        f"To: {to}\r\n"
        f"Subject: Re: {subject}\r\n"
        "Date: Wed, 18 Nov 2026 10:00:00 +0000\r\n"
        "Message-ID: <answer.2@mail.customer.example>\r\n"
        f"In-Reply-To: {cites}\r\n"
        f"References: <CAF=reply.1@mail.customer.example> {cites}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Thanks, that fixed it.\r\n\r\n"
        "On Tue, 17 Nov 2026, Help Desk wrote:\r\n> Done, the address is updated.\r\n"
    ).encode()


def mailgun_sent(recorded: Recorded) -> dict[str, str]:
    fields = form_fields(recorded)
    return {
        "to": fields["to"],
        "subject": fields["subject"],
        "message_id": fields["h:Message-Id"],
        "in_reply_to": fields["h:In-Reply-To"],
        "references": fields["h:References"],
        "reply_to": fields["h:Reply-To"],
        "text": fields["text"],
    }


def postmark_sent(recorded: Recorded) -> dict[str, str]:
    data = recorded.json()
    headers = {h["Name"]: h["Value"] for h in data["Headers"]}
    return {
        "to": data["To"],
        "subject": data["Subject"],
        "message_id": headers["Message-ID"],
        "in_reply_to": headers["In-Reply-To"],
        "references": headers["References"],
        "reply_to": data["ReplyTo"],
        "text": data["TextBody"],
    }


def sendgrid_sent(recorded: Recorded) -> dict[str, str]:
    data = recorded.json()
    return {
        "to": data["personalizations"][0]["to"][0]["email"],
        "subject": data["subject"],
        "message_id": data["headers"]["Message-ID"],
        "in_reply_to": data["headers"]["In-Reply-To"],
        "references": data["headers"]["References"],
        "reply_to": data["reply_to_list"][0]["email"],
        "text": data["content"][0]["value"],
    }


def mailgun_answer(raw: bytes) -> tuple[bytes, str, Callable[..., Any]]:
    boundary = "answer-b0undary"
    timestamp, token = "1763460000", "f" * 50
    fields = {
        "recipient": "support@help.example.com",
        "timestamp": timestamp,
        "token": token,
        "signature": mail.mailgun_signature(timestamp, token),
        "body-mime": raw.decode(),
    }
    body = (
        "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
            for k, v in fields.items()
        )
        + f"--{boundary}--\r\n"
    )
    return body.encode(), f"multipart/form-data; boundary={boundary}", lambda u, b: {}


def postmark_answer(raw: bytes) -> tuple[bytes, str, Callable[..., Any]]:
    body = json.dumps({"RawEmail": raw.decode(), "OriginalRecipient": "support@help.example.com"})
    return body.encode(), "application/json", mail.basic_signer


def sendgrid_answer(raw: bytes) -> tuple[bytes, str, Callable[..., Any]]:
    boundary = "xYzZY"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="email"\r\n\r\n'
        f"{raw.decode()}\r\n--{boundary}--\r\n"
    )
    return body.encode(), f"multipart/form-data; boundary={boundary}", mail.basic_signer


ESPS = {
    "mailgun": dict(
        config={
            "api_key": "key-api",
            "sender_domain": "help.example.com",
            "webhook_signing_key": mail.MAILGUN_SIGNING_KEY,
        },
        base_path="/v3",
        reply={"id": "<20261117.1@help.example.com>", "message": "Queued. Thank you."},
        inbound=(
            "inbound__reply.multipart",
            "multipart/form-data; boundary=mg-2a9e1c",
            lambda u, b: {},
        ),
        path="/v3/help.example.com/messages",
        sent=mailgun_sent,
        answer=mailgun_answer,
        external_id="<20261117.1@help.example.com>",
    ),
    "postmark": dict(
        config={"server_token": "pm-server-token", "webhook_secret": mail.WEBHOOK_SECRET},
        base_path="",
        reply={
            "To": "maria.lopez@customer.example",
            "SubmittedAt": "2026-11-17T08:20:00Z",
            "MessageID": "0a129aee-e1cd-480d-b08d-4f48548ff48d",
            "ErrorCode": 0,
            "Message": "OK",
        },
        inbound=("inbound__reply.json", "application/json", mail.basic_signer),
        path="/email",
        sent=postmark_sent,
        answer=postmark_answer,
        external_id="0a129aee-e1cd-480d-b08d-4f48548ff48d",
    ),
    "sendgrid": dict(
        config={"api_key": "SG.key", "webhook_secret": mail.WEBHOOK_SECRET},
        base_path="/v3",
        reply=b"",
        inbound=(
            "inbound__reply.multipart",
            "multipart/form-data; boundary=xYzZY",
            mail.basic_signer,
        ),
        path="/v3/mail/send",
        sent=sendgrid_sent,
        answer=sendgrid_answer,
        external_id=None,  # anymail generates a uuid for SendGrid
    ),
}


@pytest.mark.parametrize("provider", sorted(ESPS))
def test_reply_loop(provider: str, seat_a: Seat, django_capture_on_commit_callbacks) -> None:
    esp: dict[str, Any] = ESPS[provider]
    with http_double(status=202 if provider == "sendgrid" else 200, reply=esp["reply"]) as api:
        channel = mail.email_channel(
            seat_a.tenant,
            provider,
            from_name="Help Desk",
            api_base_url=api.base_url + esp["base_path"],
            **esp["config"],
        )
        fixture, content_type, signer = esp["inbound"]
        body = (ADAPTERS / provider / "fixtures" / fixture).read_bytes()
        [first] = check_webhook(
            channel,
            body,
            signer,
            content_type=content_type,
            capture=django_capture_on_commit_callbacks,
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = seat_a.client().post(
                f"/api/v1/tickets/{first.ticket_id}/messages/",
                {"body": "Done, the address is updated."},
                format="json",
            )
        assert response.status_code == 201, response.content
    [request] = api.requests
    assert (request.method, request.path) == ("POST", esp["path"])
    sent = esp["sent"](request)
    with tenant_scope(channel.tenant):
        ticket = Ticket.objects.get()
        reply = Message.objects.get(pk=response.json()["id"])
    assert reply.status == "sent"
    if esp["external_id"]:
        assert reply.external_id == esp["external_id"]
    else:
        assert len(reply.external_id) == 36
    token = ticket.reply_token
    assert sent["to"] == "maria.lopez@customer.example"
    assert sent["subject"] == f"Re: Invoice address [#{ticket.number}]"
    assert sent["reply_to"] == f"support+{token}@help.example.com"
    assert sent["message_id"] == reply.message_id_header
    assert sent["message_id"].endswith(f".{token}@help.example.com>")
    assert sent["in_reply_to"] == "<CAF=reply.1@mail.customer.example>"
    assert sent["references"] == "<CAF=reply.1@mail.customer.example>"
    assert sent["text"] == "Done, the address is updated."

    raw = customer_answer(to=sent["reply_to"], cites=sent["message_id"], subject=sent["subject"])
    answer_body, answer_type, answer_signer = esp["answer"](raw)
    [answer] = check_webhook(
        channel,
        answer_body,
        answer_signer,
        content_type=answer_type,
        capture=django_capture_on_commit_callbacks,
    )
    assert (answer.ticket_id, answer.body_text) == (ticket.pk, "Thanks, that fixed it.")
    with tenant_scope(channel.tenant):
        assert Ticket.objects.count() == 1


def test_esp_outage_is_retried_and_a_refusal_is_final(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    with http_double(status=503, reply={"message": "down"}) as api:
        channel = mail.email_channel(
            seat_a.tenant,
            "postmark",
            server_token="t",
            webhook_secret=mail.WEBHOOK_SECRET,
            api_base_url=api.base_url,
        )
        body = (ADAPTERS / "postmark" / "fixtures" / "inbound__reply.json").read_bytes()
        [first] = check_webhook(
            channel, body, mail.basic_signer, capture=django_capture_on_commit_callbacks
        )
        from channels_ingest.delivery import message_deliver_now
        from inbox.services import message_reply

        with tenant_scope(channel.tenant):
            queued = message_reply(
                ticket=first.ticket, author=seat_a.member, body_text="Hello", channel_id=channel.pk
            )
            assert message_deliver_now(message_id=queued.pk) == "retry"
            api.status, api.reply = 422, {"ErrorCode": 300, "Message": "Invalid email request"}
            assert message_deliver_now(message_id=queued.pk) == "failed"
            queued.refresh_from_db()
    assert queued.status == "failed"
    assert "422" in queued.error or "Invalid email request" in queued.error


def test_reply_answers_the_latest_customer_email_and_references_the_chain(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    from channels_ingest.delivery import message_deliver_now
    from inbox.services import message_reply

    reply = ESPS["postmark"]["reply"]
    with http_double(reply=reply) as api:
        channel = mail.email_channel(
            seat_a.tenant, "postmark", api_base_url=api.base_url, **ESPS["postmark"]["config"]
        )
        body = (ADAPTERS / "postmark" / "fixtures" / "inbound__reply.json").read_bytes()
        [first] = check_webhook(
            channel, body, mail.basic_signer, capture=django_capture_on_commit_callbacks
        )
        with tenant_scope(channel.tenant):
            Message.objects.create(
                tenant=channel.tenant,
                ticket=first.ticket,
                direction="outbound",
                channel_kind="email",
                channel_id=channel.pk,
                message_id_header="<ours.1@help.example.com>",
            )
        raw = customer_answer(
            to=ADDRESS_WITH_TOKEN, cites="<ours.1@help.example.com>", subject="Invoice"
        )
        answer_body, _, _ = postmark_answer(raw)
        check_webhook(
            channel, answer_body, mail.basic_signer, capture=django_capture_on_commit_callbacks
        )
        with tenant_scope(channel.tenant):
            queued = message_reply(
                ticket=first.ticket, author=seat_a.member, body_text="More?", channel_id=channel.pk
            )
            assert message_deliver_now(message_id=queued.pk) == "sent"
    sent = postmark_sent(api.requests[-1])
    assert sent["in_reply_to"] == "<answer.2@mail.customer.example>"
    assert sent["references"] == (
        "<CAF=reply.1@mail.customer.example> <ours.1@help.example.com> "
        "<answer.2@mail.customer.example>"
    )


ADDRESS_WITH_TOKEN = "support@help.example.com"
