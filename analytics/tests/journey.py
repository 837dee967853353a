"""The hand-computed fixture journey every formula test pins.

Monday 2026-11-02 (UTC). Business hours Mon-Fri 09:00-17:00 UTC on the SLA policy.

Ann (multi-channel) - ticket A, assigned to agent 1 (team Billing) at 09:00:
  08:00 email in (first touch) · 09:30 agent email reply (first response: 90 min calendar,
  30 min business) · 10:00 agent reply on chat (a channel transfer) · 10:05 chat in ·
  10:15 agent chat reply · 10:30 agent reply on voice (another transfer) · 11:00 call in ·
  11:20 solved. Resolution 3 h 20 min = 12,000 s; 4 agent replies -> not FCR; switched;
  transferred; SLA met. Survey goes through chat (a call cannot carry a link); answer at 12:00:
  CSAT 3, CES 5.

Bob (single channel) - ticket B, assigned to agent 2 (team Billing) at 09:10:
  09:00 email in · 09:20 agent email reply (20 min, 20 business) · 10:00 solved. Resolution
  3,600 s; one reply and no message after it -> FCR; SLA breached. Survey by email, answer at
  12:00: CSAT 5, CES 7.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from unittest.mock import patch

from analytics.models import SurveyRequest
from analytics.surveys import survey_answer_record
from channels_ingest.models import Channel
from helpdesk.models import Membership, Role, Tenant
from inbox.inbound import InboundMessage, SenderIdentity
from inbox.models import Ticket
from inbox.services import message_ingest, message_reply, ticket_update
from routing.models import BusinessHours, SlaPolicy, Team
from tests.factories import (
    ChannelFactory,
    CustomerFactory,
    IdentityFactory,
    MembershipFactory,
    OrganizationFactory,
)

DAY = datetime(2026, 11, 2, tzinfo=UTC)


def at(hour: int, minute: int = 0) -> datetime:
    return DAY.replace(hour=hour, minute=minute)


@contextmanager
def clock(when: datetime, capture: Any) -> Iterator[None]:
    """Run a step at ``when`` and dispatch its events (and theirs) on leaving."""
    with patch("django.utils.timezone.now", return_value=when), capture(execute=True):
        yield


@dataclass
class Journey:
    tenant: Tenant
    email: Channel
    chat: Channel
    voice: Channel
    agent1: Membership
    agent2: Membership
    team: Team
    policy: SlaPolicy
    ann_ticket: Ticket
    bob_ticket: Ticket


def _inbound(
    channel: Channel, ext: str, sender: SenderIdentity, text: str, when: datetime, **extra: Any
) -> InboundMessage:
    return InboundMessage(
        channel_id=channel.pk,
        channel_kind=channel.kind,
        external_id=ext,
        sender=sender,
        body_text=text,
        sent_at=when,
        **extra,
    )


def journey_build(tenant: Tenant, capture: Any, *, answer: bool = True) -> Journey:
    """Build the journey inside ``tenant``'s scope (the caller activates it)."""
    email = ChannelFactory(tenant=tenant, kind="email", provider="api", name="Support email")
    chat = ChannelFactory(tenant=tenant, kind="chat", provider="api", name="Web chat")
    voice = ChannelFactory(tenant=tenant, kind="voice", provider="api", name="Phone line")
    agent1 = MembershipFactory(tenant=tenant, role=Role.AGENT, user__name="Agent One")
    agent2 = MembershipFactory(tenant=tenant, role=Role.AGENT, user__name="Agent Two")
    team = Team.objects.create(tenant=tenant, name="Billing")
    hours = BusinessHours.objects.create(
        tenant=tenant,
        name="Office",
        timezone="UTC",
        weekly={d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    )
    policy = SlaPolicy.objects.create(
        tenant=tenant, name="Gold", first_response_minutes=60, business_hours=hours
    )
    gold = OrganizationFactory(tenant=tenant, name="Acme", tier="gold")
    ann = CustomerFactory(tenant=tenant, name="Ann", organization=gold)
    IdentityFactory(tenant=tenant, customer=ann, kind="email", value="ann@acme.test")
    IdentityFactory(tenant=tenant, customer=ann, kind="phone", value="+14155550101")
    ann_email = SenderIdentity(kind="email", value="ann@acme.test", verified=True)
    ann_phone = SenderIdentity(kind="phone", value="+14155550101", verified=True)
    bob_email = SenderIdentity(kind="email", value="bob@solo.test", verified=True)

    with clock(at(8), capture):
        message_ingest(
            tenant=tenant,
            inbound=_inbound(
                email,
                "<a1@acme>",
                ann_email,
                "My invoice is wrong",
                at(8),
                subject="Invoice wrong",
                message_id="<a1@acme>",
            ),
        )
    ann_ticket = Ticket.objects.get(customer=ann)
    Ticket.objects.filter(pk=ann_ticket.pk).update(sla_policy=policy)  # routing's job, set here
    ann_ticket.refresh_from_db()
    with clock(at(9), capture):
        ticket_update(ticket=ann_ticket, actor=agent1, assignee=agent1, team=team, status="open")
    with clock(at(9), capture):
        message_ingest(
            tenant=tenant,
            inbound=_inbound(
                email,
                "<b1@solo>",
                bob_email,
                "Cannot log in",
                at(9),
                subject="Login",
                message_id="<b1@solo>",
            ),
        )
    bob_ticket = Ticket.objects.exclude(pk=ann_ticket.pk).get()
    Ticket.objects.filter(pk=bob_ticket.pk).update(sla_policy=policy)
    bob_ticket.refresh_from_db()
    with clock(at(9, 10), capture):
        ticket_update(ticket=bob_ticket, actor=agent2, assignee=agent2, team=team, status="open")
    with clock(at(9, 20), capture):
        message_reply(ticket=bob_ticket, author=agent2, body_text="Reset link sent.")
    with clock(at(9, 30), capture):
        message_reply(ticket=ann_ticket, author=agent1, body_text="Looking into it.")
    with clock(at(10), capture):
        message_reply(ticket=ann_ticket, author=agent1, body_text="Chat?", channel_id=chat.pk)
    with clock(at(10), capture):
        Ticket.objects.filter(pk=bob_ticket.pk).update(sla_breached_at=at(9, 45))
        bob_ticket.refresh_from_db()
        ticket_update(ticket=bob_ticket, actor=agent2, status="solved")
    with clock(at(10, 5), capture):
        message_ingest(
            tenant=tenant,
            inbound=_inbound(chat, "chat-1", ann_email, "Here on chat", at(10, 5)),
        )
    with clock(at(10, 15), capture):
        message_reply(ticket=ann_ticket, author=agent1, body_text="Which invoice?")
    with clock(at(10, 30), capture):
        message_reply(ticket=ann_ticket, author=agent1, body_text="Calling", channel_id=voice.pk)
    with clock(at(11), capture):
        message_ingest(
            tenant=tenant,
            inbound=_inbound(voice, "CA1", ann_phone, "(call)", at(11)),
        )
    ann_ticket.refresh_from_db()
    with clock(at(11, 20), capture):
        ticket_update(ticket=ann_ticket, actor=agent1, status="solved")
    if answer:
        with clock(at(12), capture):
            for ticket, csat, ces in ((ann_ticket, 3, 5), (bob_ticket, 5, 7)):
                request = SurveyRequest.objects.get(ticket_id=ticket.pk)
                survey_answer_record(request=request, csat=csat, ces=ces)
    ann_ticket.refresh_from_db()
    bob_ticket.refresh_from_db()
    return Journey(tenant, email, chat, voice, agent1, agent2, team, policy, ann_ticket, bob_ticket)
