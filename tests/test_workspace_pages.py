"""The workspace pages over HTTP: lists, filters, the conversation, replies and refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channels_ingest.models import Channel
from helpdesk import events
from helpdesk.models import Membership, Role
from helpdesk.tenancy import tenant_scope
from inbox.models import Message, Ticket
from tests.factories import (
    ChannelFactory,
    CustomerFactory,
    MembershipFactory,
    MessageFactory,
    TicketFactory,
    UserFactory,
)
from tests.seats import Seat


def client_for(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def rows(html: str) -> int:
    return html.count('data-testid="ticket-row"')


def get_queries(client: Client, url: str) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response, len(captured.captured_queries)


def test_inbox_runs_the_same_queries_for_3_or_30_tickets(seat_a: Seat) -> None:
    client = client_for(seat_a.member)
    with tenant_scope(seat_a.tenant):
        for _ in range(3):
            TicketFactory(tenant=seat_a.tenant, status="open", assignee=seat_a.member)
    few, few_queries = get_queries(client, "/app/alpha/")
    with tenant_scope(seat_a.tenant):
        for _ in range(27):
            TicketFactory(tenant=seat_a.tenant, status="new")
    many, many_queries = get_queries(client, "/app/alpha/")
    assert rows(few.content.decode()) == 3
    assert rows(many.content.decode()) == 30
    # session, user, membership with its tenant and user, tickets, their tags, members (bulk
    # assign)
    assert few_queries == many_queries == 6
    _, fragment_queries = get_queries(client, "/app/alpha/tickets/rows/")
    assert fragment_queries == 5  # the same less the members


def test_inbox_orders_by_sla_then_priority_and_marks_breaches(seat_a: Seat) -> None:
    now = timezone.now()
    with tenant_scope(seat_a.tenant):
        late = TicketFactory(
            tenant=seat_a.tenant,
            status="open",
            subject="Late one",
            sla_due_at=now - timedelta(hours=2),
            sla_breached_at=now - timedelta(hours=2),
        )
        soon = TicketFactory(
            tenant=seat_a.tenant,
            status="open",
            subject="Soon one",
            sla_due_at=now + timedelta(minutes=30),
        )
        urgent = TicketFactory(tenant=seat_a.tenant, status="open", subject="Urgent", priority=4)
        calm = TicketFactory(tenant=seat_a.tenant, status="open", subject="Calm", priority=1)
    html = client_for(seat_a.member).get("/app/alpha/").content.decode()
    order = [html.index(f'data-ticket="{t.pk}"') for t in (late, soon, urgent, calm)]
    assert order == sorted(order)
    late_row = html[order[0] : order[1]]
    assert 'class="sla breached"' in late_row and ">-2h 0m<" in late_row.replace(
        "-1h 59m", "-2h 0m"
    )
    assert 'class="sla"' in html[order[1] : order[2]]


def test_saved_views_and_search(seat_a: Seat) -> None:
    other = MembershipFactory(tenant=seat_a.tenant)
    with tenant_scope(seat_a.tenant):
        mine = TicketFactory(tenant=seat_a.tenant, status="open", assignee=seat_a.member)
        theirs = TicketFactory(tenant=seat_a.tenant, status="open", assignee=other)
        nobody = TicketFactory(tenant=seat_a.tenant, status="new", subject="Printer on fire")
        breached = TicketFactory(
            tenant=seat_a.tenant, status="pending", sla_breached_at=timezone.now()
        )
        solved = TicketFactory(tenant=seat_a.tenant, status="solved")
        by_sms = MessageFactory(tenant=seat_a.tenant, channel_kind="sms").ticket
    client = client_for(seat_a.member)

    def ids(query: str) -> set[int]:
        html = client.get("/app/alpha/tickets/rows/" + query).content.decode()
        return {
            t.pk
            for t in (mine, theirs, nobody, breached, solved, by_sms)
            if f'data-ticket="{t.pk}"' in html
        }

    assert ids("?view=mine") == {mine.pk}
    assert ids("?view=unassigned") == {nobody.pk, breached.pk, by_sms.pk}
    assert ids("?view=breached") == {breached.pk}
    assert ids("?status=solved") == {solved.pk}
    assert ids("?channel=sms&status=all") == {by_sms.pk}
    assert ids("?q=printer") == {nobody.pk}
    assert ids(f"?q=%23{theirs.number}") == {theirs.pk}
    active = {mine.pk, theirs.pk, nobody.pk, breached.pk, by_sms.pk}
    assert ids("?view=nonsense&status=bogus&channel=fax") == active
    empty = client.get("/app/alpha/tickets/rows/?q=zzz").content.decode()
    assert "No tickets match “zzz”" in empty


def test_bulk_actions_change_each_ticket_and_refuse_nonsense(seat_a: Seat) -> None:
    with tenant_scope(seat_a.tenant):
        first, second = (TicketFactory(tenant=seat_a.tenant, status="open") for _ in range(2))
    client = client_for(seat_a.member)
    done = client.post(
        "/app/alpha/tickets/bulk/",
        {"ticket": [first.pk, second.pk], "status": "solved", "assignee": str(seat_a.member.pk)},
    )
    assert done.status_code == 200
    assert done["HX-Trigger"] == "hd:resync"
    assert "Updated 2 tickets." in done.content.decode()
    with tenant_scope(seat_a.tenant):
        assert set(Ticket.objects.values_list("status", "assignee_id")) == {
            ("solved", seat_a.member.pk)
        }
    for body, message in (
        ({"ticket": [first.pk], "status": "exploded"}, "Pick a status"),
        ({"status": "open"}, "Select tickets first"),
        ({"ticket": [first.pk]}, "Choose a status or an assignee"),
        ({"ticket": [first.pk], "assignee": "999999"}, "no longer active"),
    ):
        refused = client.post("/app/alpha/tickets/bulk/", body)
        assert refused.status_code == 422
        assert message in refused.content.decode()
    with tenant_scope(seat_a.tenant):
        assert set(Ticket.objects.values_list("status", flat=True)) == {"solved"}


def test_another_tenants_ticket_is_404_everywhere(seat_a: Seat, seat_b: Seat) -> None:
    with tenant_scope(seat_a.tenant):
        ticket = MessageFactory(tenant=seat_a.tenant).ticket
    client = client_for(seat_b.member)
    base = f"/app/bravo/tickets/{ticket.pk}/"
    assert client.get(base).status_code == 404
    assert client.get(base + "timeline/").status_code == 404
    assert client.post(base + "reply/", {"body": "x", "internal": "1"}).status_code == 404
    assert client.post(base + "handoff/", {"note": "x"}).status_code == 404
    assert client.post(base + "properties/", {"status": "closed"}).status_code == 404
    assert (
        client.post(
            "/app/bravo/tickets/bulk/", {"ticket": [ticket.pk], "status": "closed"}
        ).status_code
        == 200
    )
    with tenant_scope(seat_a.tenant):
        ticket.refresh_from_db()
        assert ticket.status == "new"
        assert Message.objects.count() == 1
    # and the owner sees it
    assert client_for(seat_a.member).get(f"/app/alpha/tickets/{ticket.pk}/").status_code == 200


PROVIDERS: dict[str, dict[str, object]] = {
    "api": {"provider": "api"},
    "whatsapp": {
        "provider": "twilio",
        "config": {
            "account_sid": "AC" + "0" * 32,
            "auth_token": "t" * 32,
            "phone_number": "whatsapp:+14155550001",
        },
    },
}


def _conversation(seat: Seat, messages: int, kind: str = "api") -> tuple[Ticket, Channel]:
    with tenant_scope(seat.tenant):
        channel = ChannelFactory(tenant=seat.tenant, kind=kind, name="Desk", **PROVIDERS[kind])
        customer = CustomerFactory(tenant=seat.tenant, name="Dana Scully")
        ticket = TicketFactory(tenant=seat.tenant, customer=customer, status="open")
        for n in range(messages):
            MessageFactory(
                tenant=seat.tenant,
                ticket=ticket,
                customer=customer,
                channel_kind=kind,
                channel_id=channel.pk,
                direction="inbound" if n % 2 == 0 else "outbound",
                status="received" if n % 2 == 0 else "delivered",
                body_text=f"Line {n}",
            )
        TicketFactory(tenant=seat.tenant, customer=customer, subject="Earlier problem")
    return ticket, channel


def test_ticket_page_shows_everything_with_fixed_queries(seat_a: Seat) -> None:
    client = client_for(seat_a.member)
    small, _ = _conversation(seat_a, 2)
    page, small_queries = get_queries(client, f"/app/alpha/tickets/{small.pk}/")
    html = page.content.decode()
    assert html.count('data-testid="message"') == 2
    assert 'data-testid="reply-box"' in html and 'data-testid="reply-send"' in html
    assert "Earlier problem" in html and "Dana Scully" in html
    assert "✓✓ Delivered" in html
    big, _ = _conversation(seat_a, 30)
    page, big_queries = get_queries(client, f"/app/alpha/tickets/{big.pk}/")
    assert page.content.decode().count('data-testid="message"') == 30
    # session, user, membership with its tenant and user, ticket, messages, attachments, the
    # reply channel, identities, other tickets, members, macros
    assert small_queries == big_queries == 11


def test_email_html_is_sandboxed_and_reply_html_is_escaped(seat_a: Seat) -> None:
    ticket, channel = _conversation(seat_a, 1)
    with tenant_scope(seat_a.tenant):
        MessageFactory(
            tenant=seat_a.tenant,
            ticket=ticket,
            channel_kind="email",
            body_text="New text",
            body_html='<p>Hi</p><blockquote>old "quote"</blockquote>',
        )
    client = client_for(seat_a.member)
    answer = client.post(
        f"/app/alpha/tickets/{ticket.pk}/reply/",
        {"body": "<script>alert(1)</script> ok", "internal": "0"},
    )
    assert answer.status_code == 200
    assert answer["HX-Trigger"] == "hd:reply-sent"
    html = answer.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; ok" in html
    assert "<script>alert" not in html
    assert 'sandbox="" referrerpolicy="no-referrer"' in html
    assert 'srcdoc="&lt;p&gt;Hi&lt;/p&gt;&lt;blockquote&gt;old &quot;quote&quot;' in html
    with tenant_scope(seat_a.tenant):
        sent = Message.objects.get(direction="outbound", ticket=ticket, body_text__endswith="ok")
        assert (sent.channel_id, sent.status) == (channel.pk, "queued")


def test_reply_on_a_switched_off_channel_is_explained_and_not_sent(seat_a: Seat) -> None:
    ticket, channel = _conversation(seat_a, 1)
    with tenant_scope(seat_a.tenant):
        Channel.objects.filter(pk=channel.pk).update(is_active=False)
        before = Message.objects.count()
    refused = client_for(seat_a.member).post(
        f"/app/alpha/tickets/{ticket.pk}/reply/", {"body": "Hello", "internal": "0"}
    )
    assert refused.status_code == 422
    assert refused["HX-Retarget"] == "#reply-error"
    text = refused.content.decode()
    assert "switched off" in text and "Your draft is kept." in text
    with tenant_scope(seat_a.tenant):
        assert Message.objects.count() == before


def test_whatsapp_reply_outside_24_hours_is_refused(seat_a: Seat) -> None:
    ticket, _channel = _conversation(seat_a, 1, kind="whatsapp")
    with tenant_scope(seat_a.tenant):
        Message.objects.filter(ticket=ticket).update(
            created_at=timezone.now() - timedelta(hours=25)
        )
        before = Message.objects.count()
    client = client_for(seat_a.member)
    page = client.get(f"/app/alpha/tickets/{ticket.pk}/").content.decode()
    assert 'data-kind="whatsapp"' in page and "data-window-closes=" in page
    refused = client.post(
        f"/app/alpha/tickets/{ticket.pk}/reply/", {"body": "Hello", "internal": "0"}
    )
    assert refused.status_code == 422
    assert "24-hour window is closed" in refused.content.decode()
    with tenant_scope(seat_a.tenant):
        assert Message.objects.count() == before
        Message.objects.filter(ticket=ticket).update(created_at=timezone.now() - timedelta(hours=2))
    assert (
        client.post(
            f"/app/alpha/tickets/{ticket.pk}/reply/", {"body": "Hello", "internal": "0"}
        ).status_code
        == 200
    )


def test_stale_properties_form_is_refused_and_changes_nothing(seat_a: Seat) -> None:
    ticket, _ = _conversation(seat_a, 1)
    client = client_for(seat_a.member)
    stale = (ticket.updated_at - timedelta(seconds=5)).isoformat()
    refused = client.post(
        f"/app/alpha/tickets/{ticket.pk}/properties/", {"version": stale, "status": "closed"}
    )
    assert refused.status_code == 409
    assert "changed this ticket after you opened it" in refused.content.decode()
    with tenant_scope(seat_a.tenant):
        ticket.refresh_from_db()
        assert ticket.status == "open"
    done = client.post(
        f"/app/alpha/tickets/{ticket.pk}/properties/",
        {"version": ticket.updated_at.isoformat(), "status": "pending", "priority": "4"},
    )
    assert done.status_code == 204
    with tenant_scope(seat_a.tenant):
        ticket.refresh_from_db()
        assert (ticket.status, ticket.priority) == ("pending", 4)


def test_handoff_needs_a_note_and_the_receiver_sees_it_first(
    seat_a: Seat, django_capture_on_commit_callbacks: Any
) -> None:
    ticket, _ = _conversation(seat_a, 1)
    ben = MembershipFactory(tenant=seat_a.tenant, user=UserFactory(name="Ben Stone"))
    with tenant_scope(seat_a.tenant):
        Ticket.objects.filter(pk=ticket.pk).update(assignee=seat_a.member)
    client = client_for(seat_a.member)
    url = f"/app/alpha/tickets/{ticket.pk}/handoff/"
    refused = client.post(url, {"assignee": ben.pk, "note": "   "})
    assert refused.status_code == 422
    assert "Write a handoff note" in refused.content.decode()
    ticket_url = f"/app/alpha/tickets/{ticket.pk}/properties/"
    with tenant_scope(seat_a.tenant):
        ticket.refresh_from_db()
        assert ticket.assignee_id == seat_a.member.pk
        assert not Message.objects.filter(direction="note").exists()
    # Reassigning through the plain assignee select is refused too.
    sideways = client.post(
        ticket_url, {"version": ticket.updated_at.isoformat(), "assignee": str(ben.pk)}
    )
    assert sideways.status_code == 422
    assert "needs a handoff note" in sideways.content.decode()

    seen: list[events.DomainEvent] = []
    events.subscribe("ticket.updated", seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            done = client.post(
                url, {"assignee": ben.pk, "note": "Refund approved; <b>call</b> her"}
            )
    finally:
        events.unsubscribe("ticket.updated", seen.append)
    assert done.status_code == 204
    assert [e.user_ids for e in seen] == [(ben.user_id,)]
    with tenant_scope(seat_a.tenant):
        ticket.refresh_from_db()
        assert ticket.assignee_id == ben.pk
    page = client_for(ben).get(f"/app/alpha/tickets/{ticket.pk}/").content.decode()
    banner = page.index('data-testid="handoff-note"')
    assert banner < page.index('id="timeline"')
    assert "Handed to you" in page[banner : banner + 300]
    assert "Refund approved; &lt;b&gt;call&lt;/b&gt; her" in page


def test_mentions_in_notes_notify_the_named_agents_only(
    seat_a: Seat, django_capture_on_commit_callbacks: Any
) -> None:
    ticket, _ = _conversation(seat_a, 1)
    maya = MembershipFactory(
        tenant=seat_a.tenant, user=UserFactory(name="Maya Lin", email="maya@alpha.test")
    )
    MembershipFactory(tenant=seat_a.tenant, user=UserFactory(name="Ben Stone"))
    seen: list[events.DomainEvent] = []
    events.subscribe("note.mention", seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            client_for(seat_a.member).post(
                f"/app/alpha/tickets/{ticket.pk}/reply/",
                {"body": "@maya please look; mail me at x@maya.test", "internal": "1"},
            )
    finally:
        events.unsubscribe("note.mention", seen.append)
    assert len(seen) == 1
    assert seen[0].user_ids == (maya.user_id,)
    assert seen[0].broadcast is False
    assert seen[0].payload["members"] == [maya.pk]


def test_admin_screens_are_for_admins(seat_a: Seat) -> None:
    with tenant_scope(seat_a.tenant):
        channel = ChannelFactory(tenant=seat_a.tenant, name="Partner feed")
    admin = client_for(seat_a.member)
    page = admin.get("/app/alpha/admin/channels/").content.decode()
    assert "Partner feed" in page
    assert f"/webhooks/api/{channel.webhook_key}/inbound/" in page
    for url in ("/app/alpha/admin/members/", "/app/alpha/admin/sla/", "/app/alpha/admin/macros/"):
        assert admin.get(url).status_code == 200
    agent = client_for(MembershipFactory(tenant=seat_a.tenant, role=Role.AGENT))
    for url in ("/app/alpha/admin/channels/", "/app/alpha/admin/members/", "/app/alpha/admin/sla/"):
        assert agent.get(url).status_code == 404


def test_pages_ask_for_login(seat_a: Seat) -> None:
    assert Client().get("/app/alpha/tickets/1/").status_code == 302
