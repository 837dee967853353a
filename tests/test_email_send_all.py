"""Every ESP adapter sends through its anymail backend to ``api_base_url`` with the thread
headers and the token Reply-To (the full reply loop is in test_email_reply_loop.py)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from channels_ingest.adapters.base import OutboundMessage
from channels_ingest.adapters.registry import adapter_for
from channels_ingest.selectors import channel_context
from helpdesk.tenancy import tenant_scope
from tests import email_harness as mail
from tests.http_double import http_double
from tests.seats import Seat

MESSAGE = OutboundMessage(
    message_id=7,
    to="maria.lopez@customer.example",
    body_text="Done, the address is updated.",
    subject="Re: Invoice address [#3]",
    message_id_header="<f00d.0123456789abcdef@help.example.com>",
    in_reply_to="<CAF=reply.1@mail.customer.example>",
    references=("<CAF=reply.1@mail.customer.example>",),
    reply_to="support+0123456789abcdef@help.example.com",
)
POSTAL_REPLY = {
    "status": "success",
    "time": 0.1,
    "flags": {},
    "data": {
        "message_id": "abc@postal.example",
        "messages": {"maria.lopez@customer.example": {"id": 71, "token": "tk"}},
    },
}
MAILJET_REPLY = {
    "Messages": [
        {
            "Status": "success",
            "To": [
                {
                    "Email": "maria.lopez@customer.example",
                    "MessageUUID": "1ab23cd4",
                    "MessageID": 288230376,
                    "MessageHref": "https://api.mailjet.com/v3/message/288230376",
                }
            ],
        }
    ]
}
CASES: dict[str, tuple[dict[str, str], str, Any, str]] = {
    "mailjet": ({"api_key": "k", "secret_key": "s"}, "/send", MAILJET_REPLY, "288230376"),
    "brevo": ({"api_key": "k"}, "/smtp/email", {"messageId": "<b1@smtp-relay>"}, "<b1@smtp-relay>"),
    "sparkpost": (
        {"api_key": "k"},
        "/transmissions/",
        {"results": {"total_rejected_recipients": 0, "total_accepted_recipients": 1, "id": "9"}},
        "9",
    ),
    "resend": ({"api_key": "re_k"}, "/emails", {"id": "49a3999c"}, "49a3999c"),
    "postal": ({"api_key": "k"}, "/api/v1/send/message", POSTAL_REPLY, "71"),
    "ses": (
        {
            "aws_access_key_id": "AKIDTEST",
            "aws_secret_access_key": "secret",
            "region_name": "eu-west-1",
        },
        "/v2/email/outbound-emails",
        {"MessageId": "0100018b-ses"},
        "0100018b-ses",
    ),
}


def _request_text(body: bytes) -> str:
    """The request body, with a base64 raw MIME message (SES) decoded."""
    text = body.decode()
    if '"Raw"' in text:
        return base64.b64decode(json.loads(text)["Content"]["Raw"]["Data"]).decode()
    return text


@pytest.mark.parametrize("provider", sorted(CASES))
def test_reply_goes_out_through_the_backend(provider: str, seat_a: Seat) -> None:
    config, path, reply, external_id = CASES[provider]
    with http_double(reply=reply) as api:
        channel = mail.email_channel(
            seat_a.tenant, provider, api_base_url=api.base_url + "/", **config
        )
        with tenant_scope(seat_a.tenant):
            context = channel_context(channel)
        result = adapter_for(provider).send(context, MESSAGE)  # type: ignore[union-attr]
    [request] = api.requests
    assert (request.method, request.path) == ("POST", path)
    text = _request_text(request.body)
    for expected in (
        "f00d.0123456789abcdef@help.example.com",
        "CAF=reply.1@mail.customer.example",
        "support+0123456789abcdef@help.example.com",
        "Re: Invoice address [#3]",
    ):
        assert expected in text, (provider, expected)
    assert result.external_id == external_id


def test_mailersend_reply_takes_its_id_from_the_answer_header(seat_a: Seat) -> None:
    with http_double(status=202, reply=b"") as api:
        api.reply_headers = {"X-Message-Id": "6e1d2c3b4a5f"}
        api.content_type = "text/html"  # what MailerSend answers a send with
        channel = mail.email_channel(
            seat_a.tenant, "mailersend", api_token="mlsn.t", api_base_url=api.base_url + "/"
        )
        with tenant_scope(seat_a.tenant):
            context = channel_context(channel)
        result = adapter_for("mailersend").send(context, MESSAGE)  # type: ignore[union-attr]
    [request] = api.requests
    assert request.path == "/email"
    sent = request.json()
    assert sent["headers"] == [
        {"name": "Message-ID", "value": "<f00d.0123456789abcdef@help.example.com>"},
        {"name": "References", "value": "<CAF=reply.1@mail.customer.example>"},
    ]
    assert sent["in_reply_to"] == "<CAF=reply.1@mail.customer.example>"
    assert sent["reply_to"] == {"email": "support+0123456789abcdef@help.example.com"}
    assert result.external_id == "6e1d2c3b4a5f"
