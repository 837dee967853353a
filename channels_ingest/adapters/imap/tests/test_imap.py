"""IMAP polling against a loopback IMAP server, through the real imaplib and the pipeline."""

from pathlib import Path

import pytest

from channels_ingest.imap_services import imap_channels_poll
from channels_ingest.models import Channel, InboundEvent
from channels_ingest.tasks import imap_channels_poll as imap_poll_task
from helpdesk.tenancy import tenant_scope
from inbox.models import Message, Ticket
from inbox.services import ticket_update
from tests import email_harness as mail
from tests.imap_double import Mailbox, imap_double
from tests.seats import Seat
from tests.webhooks import fixture_bytes, post_webhook

HERE = Path(__file__).resolve().parents[1]


def imap_channel(seat: Seat, box: Mailbox, **extra: object) -> Channel:
    config = {
        "host": "127.0.0.1",
        "port": box.port,
        "ssl": False,
        "username": box.username,
        "password": box.password,
        "folder": "INBOX",
        **extra,
    }
    return mail.email_channel(seat.tenant, "imap", **config)


def poll(capture) -> list[Message]:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        imap_poll_task.delay()
    return list(Message.objects.unscoped().order_by("id").select_related("ticket", "customer"))


def test_unseen_mail_is_stored_once_threaded_and_flagged_seen(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    with imap_double() as box:
        box.add(fixture_bytes(HERE, "message__reply.eml"))
        box.add(fixture_bytes(HERE, "message__reply.eml"))  # the same email delivered twice
        channel = imap_channel(seat_a, box)
        [message] = poll(django_capture_on_commit_callbacks)
        assert box.seen == {1, 2}
        assert poll(django_capture_on_commit_callbacks) == [message]  # nothing new
    mail.assert_reply_fixture(message, attachments=[mail.PDF])
    with tenant_scope(channel.tenant):
        [event] = InboundEvent.objects.all()
    assert (event.provider_event_id, event.state) == ("<CAF=reply.1@mail.customer.example>", "done")
    assert box.commands[:4] == [
        "CAPABILITY",
        "LOGIN support@help.example.com ***",
        "SELECT INBOX",
        "UID SEARCH UNSEEN",
    ]


def test_messages_without_message_id_use_uidvalidity_and_uid(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    raw = b"From: kim@example.com\r\nTo: support@help.example.com\r\nSubject: hi\r\n\r\nHello\r\n"
    with imap_double() as box:
        box.add(raw)
        channel = imap_channel(seat_a, box)
        [message] = poll(django_capture_on_commit_callbacks)
    with tenant_scope(channel.tenant):
        assert InboundEvent.objects.get().provider_event_id == "uid:4242:1"
    assert (message.body_text, message.ticket.subject) == ("Hello", "hi")


def test_wrong_password_stores_nothing_and_other_mailboxes_still_poll(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    with imap_double() as good, imap_double(Mailbox(password="other")) as bad:
        good.add(fixture_bytes(HERE, "message__reply.eml"))
        bad.add(fixture_bytes(HERE, "message__reply.eml"))
        imap_channel(seat_a, bad, password="wrong-password")
        imap_channel(seat_a, good)
        assert imap_channels_poll() == 1
        assert (bad.seen, good.seen) == (set(), {1})


def test_broken_mime_becomes_a_readable_message(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    with imap_double() as box:
        box.add(fixture_bytes(HERE, "message__broken_mime.eml"))
        imap_channel(seat_a, box)
        [message] = poll(django_capture_on_commit_callbacks)
    assert message.body_text == "This preamble is all there is; the boundary never appears."
    assert message.ticket.subject == "Broken MIME"


def test_unknown_charsets_decode_with_replacement_characters(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    with imap_double() as box:
        box.add(fixture_bytes(HERE, "message__unknown_charset.eml"))
        imap_channel(seat_a, box)
        [message] = poll(django_capture_on_commit_callbacks)
    assert message.body_text == "Die Lieferung f\ufffdr M\ufffdller fehlt noch."
    assert message.ticket.subject == "Lieferung für Müller"
    assert message.metadata["sender"]["value"] == "joerg@kunde.example"


def test_html_is_sanitized_and_the_inline_image_kept(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    with imap_double() as box:
        box.add(fixture_bytes(HERE, "message__html_inline_image.eml"))
        imap_channel(seat_a, box)
        [message] = poll(django_capture_on_commit_callbacks)
    assert message.body_text == "Voilà the error:\n\nx"
    assert message.body_html == (
        '<p>Voilà the error:</p><img src="cid:shot@customer.example">'
        '<a rel="noopener noreferrer nofollow">x</a><blockquote>old é text</blockquote>'
    )
    with tenant_scope(message.tenant):
        [image] = message.attachments.all()
    assert (image.filename, image.content_type, image.content_id, image.is_inline) == (
        "shot.png",
        "image/png",
        "shot@customer.example",
        True,
    )


def test_oversized_attachment_is_dropped_with_a_note_and_the_message_kept(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    import base64

    big = base64.encodebytes(b"\0" * (10 * 1024 * 1024 + 1)).replace(b"\n", b"\r\n")
    small = base64.encodebytes(b"%PDF-1.4 small").replace(b"\n", b"\r\n")
    raw = (
        b"From: kim@example.com\r\nTo: support@help.example.com\r\nSubject: Logs\r\n"
        b"Message-ID: <big.1@example.com>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nLogs attached.\r\n"
        b"--b\r\nContent-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="huge.bin"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + big + b"\r\n"
        b"--b\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="small.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + small + b"\r\n--b--\r\n"
    )
    with imap_double() as box:
        box.add(raw)
        imap_channel(seat_a, box)
        [message] = poll(django_capture_on_commit_callbacks)
    assert message.body_text == (
        "Logs attached.\n\n"
        "[The attachment huge.bin (10.0 MB) is over the 10 MB limit and was left out.]"
    )
    with tenant_scope(message.tenant):
        assert [a.filename for a in message.attachments.all()] == ["small.pdf"]


def test_auto_reply_lands_on_its_ticket_without_reopening_it(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    with imap_double() as box:
        box.add(fixture_bytes(HERE, "message__reply.eml"))
        imap_channel(seat_a, box)
        [first] = poll(django_capture_on_commit_callbacks)
        with tenant_scope(seat_a.tenant):
            Ticket.objects.filter(pk=first.ticket_id).update(reply_token=mail.TOKEN)
            ticket_update(ticket=first.ticket, actor=None, status="solved")
        box.add(fixture_bytes(HERE, "message__auto_reply.eml"))
        [_, auto] = poll(django_capture_on_commit_callbacks)
    assert (auto.ticket_id, auto.metadata["automatic"]) == (first.ticket_id, "auto-reply")
    with tenant_scope(seat_a.tenant):
        assert Ticket.objects.get().status == "solved"


def test_imap_channels_take_no_webhooks(seat_a: Seat) -> None:
    with imap_double() as box:
        channel = imap_channel(seat_a, box)
    response = post_webhook(channel, fixture_bytes(HERE, "message__reply.eml"))
    assert response.status_code == 403
    with tenant_scope(channel.tenant):
        assert InboundEvent.objects.count() == 0


@pytest.mark.parametrize(
    "config,field",
    [
        ({"port": "993"}, "config.port"),
        ({"address": "nope"}, "config.address"),
        ({"ssl": False}, "config.ssl"),
    ],
)
def test_config_refusals(seat_a: Seat, config: dict[str, object], field: str) -> None:
    body = {
        "kind": "email",
        "provider": "imap",
        "name": "Mailbox",
        "config": {
            "address": "support@help.example.com",
            "host": "imap.example.com",
            "username": "u",
            "password": "p",
            **config,
        },
    }
    response = seat_a.client().post("/api/v1/channels/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    with tenant_scope(seat_a.tenant):
        assert Channel.objects.count() == 0


def test_reply_goes_out_by_smtp_and_the_answer_threads_back(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    from email import message_from_bytes, policy

    from tests.smtp_double import smtp_double

    with imap_double() as box, smtp_double() as smtp:
        box.add(fixture_bytes(HERE, "message__reply.eml"))
        imap_channel(seat_a, box, smtp_host="127.0.0.1", smtp_port=smtp.port)
        [first] = poll(django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            response = seat_a.client().post(
                f"/api/v1/tickets/{first.ticket_id}/messages/",
                {"body": "Done, the address is updated."},
                format="json",
            )
        assert response.status_code == 201, response.content
        [(sender, recipients, data)] = smtp.envelopes
        sent = message_from_bytes(data, policy=policy.default)
        with tenant_scope(seat_a.tenant):
            ticket = Ticket.objects.get()
            reply = Message.objects.get(pk=response.json()["id"])
        assert smtp.logins == [box.username]
        assert (sender, recipients) == (mail.ADDRESS, ["maria.lopez@customer.example"])
        assert sent["Reply-To"] == f"support+{ticket.reply_token}@help.example.com"
        assert sent["Message-ID"].strip() == reply.message_id_header  # folded: long
        assert sent["In-Reply-To"] == "<CAF=reply.1@mail.customer.example>"
        assert sent["Subject"] == f"Re: Invoice address [#{ticket.number}]"
        assert (reply.status, reply.external_id) == ("sent", reply.message_id_header)
        answer = (
            f"From: maria.lopez@customer.example\r\nTo: {sent['Reply-To']}\r\n"
            f"Subject: {sent['Subject']}\r\nMessage-ID: <answer.9@customer.example>\r\n"
            f"In-Reply-To: {reply.message_id_header}\r\n\r\nThanks!\r\n"
        ).encode()
        box.add(answer)
        [_, _, back] = poll(django_capture_on_commit_callbacks)
    assert (back.ticket_id, back.body_text) == (ticket.pk, "Thanks!")


def test_bounce_threads_onto_the_returned_mail_without_reopening(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    with imap_double() as box:
        box.add(fixture_bytes(HERE, "message__reply.eml"))
        imap_channel(seat_a, box)
        [first] = poll(django_capture_on_commit_callbacks)
        with tenant_scope(seat_a.tenant):
            Message.objects.create(
                tenant=seat_a.tenant,
                ticket=first.ticket,
                direction="outbound",
                channel_kind="email",
                message_id_header="<sent.1.0123456789abcdef@help.example.com>",
            )
            ticket_update(ticket=first.ticket, actor=None, status="solved")
        box.add(fixture_bytes(HERE, "message__bounce.eml"))
        bounce = poll(django_capture_on_commit_callbacks)[-1]
    assert (bounce.ticket_id, bounce.metadata["automatic"]) == (first.ticket_id, "bounce")
    assert bounce.in_reply_to == "<sent.1.0123456789abcdef@help.example.com>"
    with tenant_scope(seat_a.tenant):
        assert Ticket.objects.get().status == "solved"
