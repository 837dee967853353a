"""The shared email normalizer on small raw messages (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from channels_ingest.mail.inbound_mime import (
    Envelope,
    automatic_kind,
    message_normalize,
    mime_parse,
    reply_token,
)
from channels_ingest.mail.message_ids import message_ids, thread_parents
from channels_ingest.mail.sanitize import html_sanitize


def raw(headers: str, body: str = "Hello\r\n") -> bytes:
    return (headers.replace("\n", "\r\n") + "\r\n" + body).encode()


def test_message_ids_are_canonical_and_case_sensitive() -> None:
    assert message_ids('<"a.b"@x.example> <A@x.example> junk <a@x.example> <"a b"@x>') == [
        "<a.b@x.example>",
        "<A@x.example>",
        "<a@x.example>",
        '<"a b"@x>',
    ]
    assert message_ids("no ids here") == []


def test_invalid_references_fall_back_to_in_reply_to_and_self_citations_drop() -> None:
    assert thread_parents("<me@x>", "<parent@x>", "garbage") == ("<parent@x>", ())
    assert thread_parents("<me@x>", "<me@x>", "<root@x> <me@x>") == ("", ("<root@x>",))


@pytest.mark.parametrize(
    "recipients,token",
    [
        ("support+0123456789abcdef@help.example.com", "0123456789abcdef"),
        ("Help <SUPPORT+0123456789ABCDEF@Help.Example.com>", "0123456789abcdef"),
        ("support+0123456789abcdef@other.example", ""),  # someone else's domain
        ("sales+0123456789abcdef@help.example.com", ""),  # another mailbox
        ("support+short@help.example.com", ""),
    ],
)
def test_reply_token_only_from_our_address(recipients: str, token: str) -> None:
    message = mime_parse(raw(f"From: a@b.example\nTo: {recipients}\n"))
    assert reply_token(message, "support@help.example.com") == token


def test_reply_token_from_the_envelope_when_the_header_hides_it() -> None:
    message = mime_parse(raw("From: a@b.example\nTo: undisclosed-recipients:;\n"))
    envelope = "support+0123456789abcdef@help.example.com"
    assert reply_token(message, "support@help.example.com", envelope) == "0123456789abcdef"


@pytest.mark.parametrize(
    "headers,sender,kind",
    [
        ("Auto-Submitted: auto-replied\n", "a@b.example", "auto-reply"),
        ("Auto-Submitted: no\n", "a@b.example", ""),
        ("X-Autoreply: yes\n", "a@b.example", "auto-reply"),
        ("Precedence: bulk\n", "a@b.example", "bulk"),
        ("", "mailer-daemon@mx.example", "bounce"),
        ("", "a@b.example", ""),
    ],
)
def test_automatic_mail_is_recognized(headers: str, sender: str, kind: str) -> None:
    message = mime_parse(raw(f"From: {sender}\n{headers}"))
    assert automatic_kind(message, sender) == kind


def test_sender_date_is_used_only_when_plausible() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    recent = (now - timedelta(hours=2)).strftime("%a, %d %b %Y %H:%M:%S +0000")

    def sent_at(date: str, envelope: Envelope = Envelope()) -> datetime | None:
        message = mime_parse(raw(f"From: a@b.example\nDate: {date}\n"))
        item = message_normalize(channel_id=1, address="", message=message, envelope=envelope)
        assert item is not None
        return item.sent_at

    assert sent_at(recent) == now - timedelta(hours=2)
    assert sent_at("Thu, 01 Jan 1970 00:00:00 +0000") is None
    assert sent_at("Fri, 01 Jan 2100 00:00:00 +0000") is None
    assert sent_at("not a date") is None
    assert sent_at(recent, Envelope(received_at=now)) == now


def test_no_sender_at_all_is_none() -> None:
    message = mime_parse(raw("To: support@help.example.com\nSubject: ?\n"))
    assert message_normalize(channel_id=1, address="", message=message) is None


def test_garbage_bytes_never_raise() -> None:
    message = mime_parse(b"From: a@b.example\r\n\xff\xfe\x00\x01 not a header\r\n\r\n\x80\x81")
    item = message_normalize(channel_id=1, address="", message=message)
    assert item is not None and item.sender.value == "a@b.example"


def test_html_sanitizer_strips_active_content_and_keeps_quotes() -> None:
    html = (
        '<p onclick="x()" style="color: red; position: fixed">Hi</p><script>x()</script>'
        '<iframe src="https://evil.example"></iframe><form><input></form>'
        '<a href="javascript:x()">a</a><a href="https://ok.example">b</a>'
        "<blockquote>old</blockquote><style>p{}</style>"
    )
    assert html_sanitize(html) == (
        '<p style="color:red">Hi</p>'
        '<a rel="noopener noreferrer nofollow">a</a>'
        '<a href="https://ok.example" rel="noopener noreferrer nofollow">b</a>'
        "<blockquote>old</blockquote>"
    )
