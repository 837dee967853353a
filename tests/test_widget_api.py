"""The widget's public endpoints: the happy path through the one pipeline, and every refusal
with nothing changed."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from channels_ingest.adapters.widget.groups import visitor_group
from channels_ingest.models import Channel, InboundEvent
from channels_ingest.widget import guard
from customers.identity_values import widget_user_hash
from customers.models import Customer, Identity
from helpdesk.realtime import tenant_group
from helpdesk.tenancy import tenant_scope
from inbox.models import Attachment, Message, Ticket
from inbox.services import message_reply, ticket_update
from knowledge.models import SearchLog
from knowledge.services import article_create
from tests.seats import Seat
from tests.widget_support import ORIGIN, SECRET, Page, capture, fresh_limits, widget_channel

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\xdac\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    fresh_limits()


@pytest.fixture
def channel(seat_a: Seat) -> Channel:
    return widget_channel(seat_a.tenant)


@pytest.fixture
def page(channel: Channel) -> Page:
    return Page(channel)


def counts(channel: Channel) -> tuple[int, int, int, int]:
    with tenant_scope(channel.tenant):
        return (
            InboundEvent.objects.count(),
            Message.objects.count(),
            Ticket.objects.count(),
            Customer.objects.count(),
        )


def test_config_answers_allowed_origins_with_cors(page: Page) -> None:
    response = page.get("config/")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert response.json()["mode"] == "async"  # nobody online in this tenant
    assert response.json()["pre_chat_fields"] == ["name", "email"]
    preflight = page.client.options(page.url("messages/"), HTTP_ORIGIN=ORIGIN)
    assert preflight.status_code == 204
    assert "X-Widget-Token" in preflight["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("origin", ["https://evil.example", "http://shop.example.com", "null"])
def test_disallowed_origin_is_403_without_cors_and_stores_nothing(
    channel: Channel, origin: str, django_capture_on_commit_callbacks: Any
) -> None:
    good = Page(channel)
    good.start()
    bad = Page(channel, origin=origin)
    bad.token = good.token
    with django_capture_on_commit_callbacks(execute=True):
        for response in (
            bad.say("hello"),
            bad.post("session/", {}),
            bad.get("config/"),
            bad.client.options(bad.url("messages/"), HTTP_ORIGIN=origin),
        ):
            assert response.status_code == 403
            assert "Access-Control-Allow-Origin" not in response
            error = response.json()["error"]
            assert error["code"] in ("origin_not_allowed", "origin_missing")
    assert "not enabled on https://evil.example" in bad.say("x").json()["error"]["message"] or (
        origin != "https://evil.example"
    )
    assert counts(channel) == (0, 0, 0, 0)


def test_no_origin_at_all_is_refused(page: Page) -> None:
    response = page.client.post(page.url("session/"), data="{}", content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "origin_missing"


def test_a_message_becomes_a_ticket_through_the_pipeline(
    page: Page, channel: Channel, django_capture_on_commit_callbacks: Any
) -> None:
    page.start(name="Dana", email="Dana@Example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = page.say("Where is my order 1234?", client_id="c0ffee000001")
    assert response.status_code == 201
    body = response.json()
    assert body["message"]["text"] == "Where is my order 1234?"
    assert body["message"]["client_id"] == "c0ffee000001"
    assert body["ticket"]["status"] == "new"
    with tenant_scope(channel.tenant):
        event = InboundEvent.objects.get()
        message = Message.objects.get()
        assert event.state == "done"
        assert message.external_id == event.provider_event_id
        assert message.external_id.endswith("/c0ffee000001")
        assert (message.channel_kind, message.channel_id) == ("chat", channel.pk)
        assert message.ticket.subject == "Where is my order 1234?"
        assert message.customer is not None and message.customer.name == "Dana"
        identities = sorted(
            (i.kind, i.value, i.verified) for i in message.customer.identities.all()
        )
        visitor = body["message"]["client_id"] and identities[0][1]
        assert identities == [
            ("chat_visitor", visitor, False),
            ("email", "dana@example.com", False),
        ]
    assert counts(channel) == (1, 1, 1, 1)


def test_resending_one_client_id_is_idempotent(
    page: Page, channel: Channel, django_capture_on_commit_callbacks: Any
) -> None:
    page.start()
    with django_capture_on_commit_callbacks(execute=True):
        first = page.say("Hello?", client_id="retry-0000001")
        again = page.say("Hello?", client_id="retry-0000001")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] is True
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    assert counts(channel) == (1, 1, 1, 1)


def test_verified_identity_and_forged_hash(
    channel: Channel, django_capture_on_commit_callbacks: Any
) -> None:
    real = Page(channel)
    assert real.start(user_id="user-42", user_hash=widget_user_hash(SECRET, "user-42"))["verified"]
    forger = Page(channel)
    assert not forger.start(user_id="user-42", user_hash="f" * 64)["verified"]
    with django_capture_on_commit_callbacks(execute=True):
        assert real.say("I am the real user").status_code == 201
        assert forger.say("I am user-42 too").status_code == 201
    with tenant_scope(channel.tenant):
        user = Identity.objects.get(kind="chat_user")
        assert (user.value, user.verified) == ("user-42", True)
        assert [m.body_text for m in user.customer.messages.all()] == ["I am the real user"]
        forged = Identity.objects.get(kind="chat_visitor")
        assert forged.customer_id != user.customer_id and not forged.verified
        assert Ticket.objects.count() == 2
    # The forger's history never shows the real user's conversation.
    history = [m["text"] for m in forger.start(user_id="user-42", user_hash="f" * 64)["history"]]
    assert history == ["I am user-42 too"]


def test_returning_visitor_gets_history_and_a_verified_user_on_another_device(
    channel: Channel, django_capture_on_commit_callbacks: Any
) -> None:
    laptop = Page(channel)
    laptop.start(user_id="user-7", user_hash=widget_user_hash(SECRET, "user-7"))
    with django_capture_on_commit_callbacks(execute=True):
        laptop.say("First question")
    again = laptop.start(user_id="user-7", user_hash=widget_user_hash(SECRET, "user-7"))
    assert [m["text"] for m in again["history"]] == ["First question"]
    phone = Page(channel)
    answer = phone.start(user_id="user-7", user_hash=widget_user_hash(SECRET, "user-7"))
    assert [m["text"] for m in answer["history"]] == ["First question"]
    assert answer["ticket"]["status"] == "new"
    # Signed out on the laptop (the page no longer names the user): a fresh anonymous visitor.
    anonymous = laptop.start()
    assert (anonymous["verified"], anonymous["history"]) == (False, [])
    assert anonymous["visitor"] != answer["visitor"]


def test_bad_token_is_401_and_stores_nothing(page: Page, channel: Channel, seat_b: Seat) -> None:
    page.token = "garbage"
    assert page.say("hi").status_code == 401
    other = Page(widget_channel(seat_b.tenant))
    other.start()
    page.token = other.token  # a visitor of another tenant's widget
    response = page.say("hi")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_token"
    assert counts(channel) == (0, 0, 0, 0)


def test_floods_are_429_per_visitor_and_per_ip(
    channel: Channel, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setitem(guard.LIMITS, "message", ((3, 60), (5, 60)))
    page = Page(channel)
    page.start()
    with django_capture_on_commit_callbacks(execute=True):
        codes = [page.say(f"message {n}").status_code for n in range(4)]
    assert codes == [201, 201, 201, 429]
    refused = page.say("one more")
    assert refused.status_code == 429
    assert "Slow down" in refused.json()["error"]["message"]
    assert refused["Access-Control-Allow-Origin"] == ORIGIN  # the page can show why
    neighbour = Page(channel)  # same IP, new visitor: two more, then the IP limit
    neighbour.start()
    with django_capture_on_commit_callbacks(execute=True):
        codes = [neighbour.say(f"n{n}").status_code for n in range(3)]
    assert codes == [201, 201, 429]
    third = Page(channel)
    third.start()
    assert "your network" in third.say("x").json()["error"]["message"]
    assert counts(channel)[:2] == (5, 5)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"client_id": "c0ffee000001", "text": ""}, 400, "text"),
        ({"client_id": "c0ffee000001", "text": "   "}, 400, "text"),
        ({"client_id": "c0ffee000001", "text": "x" * 5001}, 400, "text"),
        ({"client_id": "c0ffee000001", "text": 5}, 400, "text"),
        ({"client_id": "short", "text": "hi"}, 400, "client_id"),
        ({"client_id": "has spaces in it", "text": "hi"}, 400, "client_id"),
        ({"text": "hi"}, 400, "client_id"),
    ],
)
def test_bad_messages_are_refused_and_store_nothing(
    page: Page, channel: Channel, body: dict[str, Any], status: int, field: str
) -> None:
    page.start()
    response = page.post("messages/", body)
    assert response.status_code == status
    assert field in response.json()["error"]["fields"]
    assert counts(channel) == (0, 0, 0, 0)


def test_oversized_and_malformed_bodies(page: Page, channel: Channel) -> None:
    page.start()
    big = page.post(
        "messages/", raw=b'{"client_id": "c0ffee000001", "text": "' + b"x" * 20000 + b'"}'
    )
    assert big.status_code == 413
    assert page.post("messages/", raw=b"{not json").status_code == 400
    assert page.post("messages/", raw=b"[1]").status_code == 400
    assert counts(channel) == (0, 0, 0, 0)


def test_html_in_a_message_is_stored_as_text_and_shown_escaped(
    page: Page, channel: Channel, seat_a: Seat, django_capture_on_commit_callbacks: Any
) -> None:
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    page.start()
    with django_capture_on_commit_callbacks(execute=True):
        sent = page.say(attack)
    assert sent.json()["message"]["text"] == attack  # the widget renders it with textContent
    with tenant_scope(channel.tenant):
        message = Message.objects.get()
    assert (message.body_text, message.body_html) == (attack, "")
    agent = page.client.__class__()
    agent.force_login(seat_a.member.user)
    timeline = agent.get(f"/app/{seat_a.tenant.slug}/tickets/{message.ticket_id}/timeline/")
    assert timeline.status_code == 200
    html = timeline.content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<script>alert" not in html and "<img src=x" not in html


def test_upload_stores_the_file_on_the_message(
    page: Page, channel: Channel, django_capture_on_commit_callbacks: Any
) -> None:
    page.start()
    with django_capture_on_commit_callbacks(execute=True):
        response = page.upload(
            client_id="upload-000001", file=_file("receipt.png", PNG, "image/png")
        )
    assert response.status_code == 201, response.content
    assert response.json()["message"]["attachments"] == [
        {"filename": "receipt.png", "size": len(PNG)}
    ]
    with tenant_scope(channel.tenant):
        attachment = Attachment.objects.get()
        assert (attachment.content_type, attachment.size) == ("image/png", len(PNG))
        assert attachment.message.body_text == "Sent a file: receipt.png"


@pytest.mark.parametrize(
    ("name", "content", "content_type", "status"),
    [
        ("setup.exe", b"MZ\x90\x00rest", "application/octet-stream", 400),
        ("invoice.pdf", b"MZ\x90\x00disguised", "application/pdf", 400),
        ("notes.txt", b"just text", "application/x-msdownload", 400),
        ("run.sh", b"echo hi", "text/plain", 400),
        ("tool.pdf.exe", b"%PDF-1.4", "application/pdf", 400),
        ("script.txt", b"#!/bin/sh\nrm -rf /", "text/plain", 400),
        ("elf.bin2", b"\x7fELF\x02\x01", "application/octet-stream", 400),
        ("empty.txt", b"", "text/plain", 400),
        ("huge.png", PNG + b"\x00" * (10 * 1024 * 1024), "image/png", 413),
    ],
)
def test_executable_empty_or_oversized_uploads_are_refused(
    page: Page, channel: Channel, name: str, content: bytes, content_type: str, status: int
) -> None:
    page.start()
    response = page.upload(client_id="upload-000002", file=_file(name, content, content_type))
    assert response.status_code == status
    assert response.json()["error"]["message"]
    assert counts(channel) == (0, 0, 0, 0)


def _file(name: str, content: bytes, content_type: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    "query", ["%%%'\"<>$$ && || !!", "refund " * 1500, "<script>x</script>", "a:* | b"]
)
def test_hostile_suggestion_queries_are_harmless(page: Page, channel: Channel, query: str) -> None:
    page.start()
    with tenant_scope(channel.tenant):
        before = SearchLog.objects.count()
    response = page.get("suggestions/", q=query)
    assert response.status_code == 200
    assert set(response.json()) == {"results", "search_id", "failed"}
    with tenant_scope(channel.tenant):
        logs = list(SearchLog.objects.order_by("id"))[before:]
        assert all(len(log.query) <= 200 and log.source == "widget" for log in logs)
    assert counts(channel) == (0, 0, 0, 0)


def test_failed_search_then_chat_shows_the_terms_on_the_ticket(
    page: Page, channel: Channel, seat_a: Seat, django_capture_on_commit_callbacks: Any
) -> None:
    with tenant_scope(seat_a.tenant):
        article_create(
            tenant=seat_a.tenant,
            title="How refunds work",
            body="Refunds reach your card in five days.",
            status="published",
        )
    page.start()
    found = page.get("suggestions/", q="refund")
    assert [r["title"] for r in found.json()["results"]] == ["How refunds work"]
    assert found.json()["failed"] is False
    link = found.json()["results"][0]["url"]
    assert link.endswith(f"?sq={found.json()['search_id']}&visitor={page.start()['visitor']}")
    parts = urlsplit(link)
    opened = page.client.get(f"{parts.path}?{parts.query}")
    assert opened.status_code == 200
    with tenant_scope(seat_a.tenant):
        clicked = SearchLog.objects.get(pk=found.json()["search_id"])
        assert clicked.clicked_article is not None
    failed = page.get("suggestions/", q="warranty claim blender")
    assert failed.json() == {"results": [], "search_id": failed.json()["search_id"], "failed": True}
    # A search on the help center's pages: its cookie reaches the widget there too.
    help_search = page.client.get(
        f"/help/{seat_a.tenant.slug}/search/", {"q": "broken lid"}, HTTP_ACCEPT="application/json"
    )
    assert help_search.json()["failed"] is True
    assert page.client.cookies["hd_kb_visitor"].value
    page.start()
    with django_capture_on_commit_callbacks(execute=True):
        sent = page.say("My blender warranty?")
    ticket_id = sent.json()["ticket"]["id"]
    with tenant_scope(seat_a.tenant):
        note = Message.objects.get(ticket_id=ticket_id, direction="note")
        assert note.body_text == (
            "Searched the help center before getting in touch:\n"
            "• “refund”\n"
            "• “warranty claim blender” (no good answer)\n"
            "• “broken lid” (no good answer)"
        )
        assert set(SearchLog.objects.values_list("ticket_id", flat=True)) == {ticket_id}


def test_agent_reply_leaves_through_the_widget_and_read_receipts_come_back(
    page: Page, channel: Channel, seat_a: Seat, django_capture_on_commit_callbacks: Any
) -> None:
    answer = page.start()
    with django_capture_on_commit_callbacks(execute=True):
        sent = page.say("Hello?")
    with tenant_scope(seat_a.tenant):
        ticket = Ticket.objects.get(pk=sent.json()["ticket"]["id"])
    group = visitor_group(channel.pk, answer["visitor"])

    def reply() -> Message:
        with tenant_scope(seat_a.tenant), django_capture_on_commit_callbacks(execute=True):
            return message_reply(ticket=ticket, author=seat_a.member, body_text="Hi, on it!")

    reply_message, [pushed] = capture(group, reply, until=lambda e: e["event"] == "message")
    assert (pushed["data"]["id"], pushed["data"]["text"]) == (reply_message.pk, "Hi, on it!")
    assert pushed["data"]["author"] == seat_a.member.display_name
    with tenant_scope(seat_a.tenant):
        reply_message.refresh_from_db()
    assert (reply_message.status, reply_message.external_id, reply_message.channel_id) == (
        "delivered",
        f"widget-{reply_message.pk}",
        channel.pk,
    )
    history = page.get("history/").json()["history"]
    assert [(m["direction"], m["text"]) for m in history] == [
        ("inbound", "Hello?"),
        ("outbound", "Hi, on it!"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        read = page.post("read/", {"up_to": reply_message.pk})
    assert read.json() == {"read": 1}
    with tenant_scope(seat_a.tenant):
        reply_message.refresh_from_db()
        assert reply_message.status == "read"
        assert page.post("read/", {"up_to": "all"}).status_code == 400

    # The solved conversation is announced to the visitor, who can rate it once.
    def solve() -> None:
        with tenant_scope(seat_a.tenant), django_capture_on_commit_callbacks(execute=True):
            ticket_update(ticket=ticket, actor=seat_a.member, status="solved")

    _, events = capture(group, solve, until=lambda e: e["event"] == "ticket")
    assert events[-1] == {"event": "ticket", "data": {"id": ticket.pk, "status": "solved"}}
    assert page.post("csat/", {"score": 9}).status_code == 400
    assert page.post("csat/", {"score": 5}).json() == {"csat": 5}
    again = page.post("csat/", {"score": 4})
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "This survey was already answered. Thank you!"


def test_visitor_typing_reaches_the_agents_workspace(
    page: Page, channel: Channel, seat_a: Seat, django_capture_on_commit_callbacks: Any
) -> None:
    page.start(name="Dana")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_id = page.say("Hello?").json()["ticket"]["id"]
    typed, [event] = capture(
        tenant_group(seat_a.tenant.pk),
        lambda: page.post("typing/"),
        until=lambda e: e["event"] == "customer.typing",
    )
    assert typed.status_code == 204
    assert event == {
        "event": "customer.typing",
        "seq": None,
        "data": {"ticket": ticket_id, "name": "Dana"},
    }


def test_unknown_or_switched_off_widget_is_404(page: Page, channel: Channel) -> None:
    with tenant_scope(channel.tenant):
        Channel.objects.filter(pk=channel.pk).update(is_active=False)
    assert page.get("config/").status_code == 404
    assert page.client.get("/widget/999999/config/", HTTP_ORIGIN=ORIGIN).status_code == 404


def test_admins_see_the_embed_tag_and_allowed_origins(channel: Channel, seat_a: Seat) -> None:
    from django.test import Client

    admin = Client()
    admin.force_login(seat_a.member.user)
    html = admin.get(f"/app/{seat_a.tenant.slug}/admin/channels/").content.decode()
    assert (
        f"&lt;script src=&quot;http://127.0.0.1:8000/static/widget/widget.js&quot; "
        f"data-channel=&quot;{channel.pk}&quot; async&gt;&lt;/script&gt;"
    ) in html
    assert ORIGIN in html


def test_async_mode_replies_also_go_by_email(
    page: Page, channel: Channel, seat_a: Seat, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.email_harness import email_channel
    from tests.http_double import http_double

    assert page.get("config/").json()["mode"] == "async"  # nobody is online
    page.start(name="Dana", email="dana@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_id = page.say("Anyone? Please email me.").json()["ticket"]["id"]
    with http_double(reply={"id": "re-1"}) as esp:
        mail = email_channel(
            seat_a.tenant, "resend", api_key="re_k", api_base_url=esp.base_url + "/"
        )
        with tenant_scope(seat_a.tenant), django_capture_on_commit_callbacks(execute=True):
            ticket = Ticket.objects.get(pk=ticket_id)
            message_reply(ticket=ticket, author=seat_a.member, body_text="Here is your answer.")
    with tenant_scope(seat_a.tenant):
        sent = list(
            Message.objects.filter(ticket_id=ticket_id, direction="outbound")
            .order_by("id")
            .values_list("channel_id", "body_text", "status")
        )
    assert sent == [
        (channel.pk, "Here is your answer.", "delivered"),
        (mail.pk, "Here is your answer.", "sent"),
    ]
    [request] = esp.requests
    assert "dana@example.com" in request.body.decode()
    # The customer writes again while an agent is online: replies stay in the chat.
    from routing.models import AgentProfile

    with tenant_scope(seat_a.tenant):
        AgentProfile.objects.create(
            tenant=seat_a.tenant, membership=seat_a.member, presence="online"
        )
    assert page.get("config/").json()["mode"] == "live"
    with django_capture_on_commit_callbacks(execute=True):
        page.say("Thanks, one more thing")
    with tenant_scope(seat_a.tenant), django_capture_on_commit_callbacks(execute=True):
        message_reply(ticket=ticket, author=seat_a.member, body_text="Sure!")
        assert Message.objects.filter(ticket_id=ticket_id, channel_id=mail.pk).count() == 1


def test_a_send_whose_processing_fails_is_kept_for_the_sweeper(
    page: Page, channel: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    from channels_ingest.services import event_process
    from channels_ingest.widget import services

    page.start()

    def broken(*, event_id: int) -> str:
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "event_process", broken)
    first = page.say("Still there?", client_id="sweep-000001")
    assert (first.status_code, first.json()) == (202, {"message": None, "accepted": True})
    assert counts(channel)[:2] == (1, 0)
    monkeypatch.setattr(services, "event_process", event_process)
    with tenant_scope(channel.tenant):  # what the sweeper's task does
        assert event_process(event_id=InboundEvent.objects.get().pk) == "done"
    again = page.say("Still there?", client_id="sweep-000001")  # the widget's retry
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["message"]["text"] == "Still there?"
    assert counts(channel) == (1, 1, 1, 1)
