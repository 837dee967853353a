"""Survey invitations (once per ticket, throttled, through the last text channel) and answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from django.core import signing
from django.test import Client

from analytics.models import SurveyAnswer, SurveyRequest, SurveyRequestStatus
from analytics.surveys import (
    SALT,
    canonical_customer_id,
    survey_request_create,
    survey_token_make,
)
from analytics.tests.journey import Journey, at, clock, journey_build
from customers.models import Customer
from helpdesk.tenancy import tenant_scope
from inbox.inbound import InboundMessage, SenderIdentity
from inbox.models import Message, Ticket
from inbox.services import message_ingest, message_reply, ticket_update
from tests.factories import MessageFactory, TenantFactory, TicketFactory
from tests.seats import Seat


@pytest.fixture
def journey(seat_a: Seat, django_capture_on_commit_callbacks: Any) -> Journey:
    with tenant_scope(seat_a.tenant):
        return journey_build(seat_a.tenant, django_capture_on_commit_callbacks, answer=False)


def _token(journey: Journey, ticket: Ticket) -> str:
    with tenant_scope(journey.tenant):
        return survey_token_make(request=SurveyRequest.objects.get(ticket_id=ticket.pk))


def _answers(journey: Journey) -> list[tuple[int, int, int | None, str]]:
    with tenant_scope(journey.tenant):
        return list(
            SurveyAnswer.objects.order_by("pk").values_list("ticket_id", "csat", "ces", "comment")
        )


def test_invitation_goes_once_through_the_last_text_channel(journey: Journey) -> None:
    with tenant_scope(journey.tenant):
        requests = {r.ticket_id: r for r in SurveyRequest.objects.all()}
        ann = requests[journey.ann_ticket.pk]
        assert (ann.status, ann.channel_kind, ann.channel_id) == ("sent", "chat", journey.chat.pk)
        assert (ann.member_id, ann.team_id, ann.tier, ann.multi_channel) == (
            journey.agent1.pk,
            journey.team.pk,
            "gold",
            True,
        )
        assert requests[journey.bob_ticket.pk].channel_kind == "email"
        invite = Message.objects.get(ticket=journey.ann_ticket, body_text__contains="/s/")
        assert (invite.direction, invite.author_id, invite.channel_id) == (
            "outbound",
            None,
            journey.chat.pk,
        )
        assert f"#{journey.ann_ticket.number}" in invite.body_text
        # An automatic message is no first response, and a second solve sends nothing more.
        journey.ann_ticket.refresh_from_db()
        assert journey.ann_ticket.first_response_at == at(9, 30)
        ticket_update(ticket=journey.ann_ticket, actor=None, status="open")
        ticket_update(ticket=journey.ann_ticket, actor=None, status="solved")
        assert SurveyRequest.objects.filter(ticket_id=journey.ann_ticket.pk).count() == 1


def test_throttle_skips_a_customer_surveyed_recently(
    journey: Journey, django_capture_on_commit_callbacks: Any
) -> None:
    tenant = journey.tenant
    bob = SenderIdentity(kind="email", value="bob@solo.test", verified=True)
    with tenant_scope(tenant):
        with clock(at(13), django_capture_on_commit_callbacks):
            message_ingest(
                tenant=tenant,
                inbound=InboundMessage(
                    channel_id=journey.email.pk,
                    channel_kind="email",
                    external_id="<b2@solo>",
                    sender=bob,
                    body_text="Another thing",
                    subject="Another",
                    sent_at=at(13),
                ),
            )
        second = Ticket.objects.get(subject="Another")
        with clock(at(14), django_capture_on_commit_callbacks):
            message_reply(ticket=second, author=journey.agent2, body_text="Done")
            ticket_update(ticket=second, actor=journey.agent2, status="solved")
        skipped = SurveyRequest.objects.get(ticket_id=second.pk)
        assert (skipped.status, skipped.skip_reason) == (
            "skipped",
            "customer surveyed in the last 7 days",
        )
        assert not Message.objects.filter(ticket=second, body_text__contains="/s/").exists()


def test_answers_follow_merges_and_the_throttle_sees_merged_customers(journey: Journey) -> None:
    with tenant_scope(journey.tenant):
        ann = journey.ann_ticket.customer
        survivor = Customer.objects.create(tenant=journey.tenant, name="Ann (merged)")
        Customer.objects.filter(pk=ann.pk).update(merged_into=survivor)  # the identity room's job
        assert canonical_customer_id(ann.pk) == survivor.pk
        assert canonical_customer_id(survivor.pk) == survivor.pk
        ticket = TicketFactory(tenant=journey.tenant, customer=survivor, status="solved")
        MessageFactory(tenant=journey.tenant, ticket=ticket, channel_id=journey.email.pk)
        with patch("django.utils.timezone.now", return_value=at(15)):
            request = survey_request_create(ticket=ticket)
        assert request is not None
        assert (request.status, request.customer_id) == ("skipped", survivor.pk)


def test_public_page_records_one_answer(journey: Journey) -> None:
    token = _token(journey, journey.ann_ticket)
    client = Client()
    with patch("django.utils.timezone.now", return_value=at(12)):
        page = client.get(f"/s/{token}/")
        assert page.status_code == 200
        assert b"How easy was it to get your issue resolved?" in page.content
        assert page.content.count(b'name="csat"') == 5
        done = client.post(f"/s/{token}/", {"csat": "4", "ces": "6", "comment": " Quick! "})
        assert done.status_code == 200 and b"Thank you" in done.content
        again = client.post(f"/s/{token}/", {"csat": "1"})
        assert again.status_code == 410 and b"already answered" in again.content
        assert client.get(f"/s/{token}/").status_code == 410
    assert _answers(journey) == [(journey.ann_ticket.pk, 4, 6, "Quick!")]
    with tenant_scope(journey.tenant):
        request = SurveyRequest.objects.get(ticket_id=journey.ann_ticket.pk)
        assert (request.status, request.answered_at) == (SurveyRequestStatus.ANSWERED, at(12))


@pytest.mark.parametrize(
    "body, message",
    [
        ({"csat": "6"}, b"Choose a score from 1 to 5."),
        ({"csat": "0"}, b"Choose a score from 1 to 5."),
        ({"csat": "five"}, b"Choose a score from 1 to 5."),
        ({}, b"Choose a score from 1 to 5."),
        ({"csat": "4", "ces": "8"}, b"Choose a score from 1 to 7."),
        ({"csat": "4", "nps": "11"}, b"Choose a score from 0 to 10."),
    ],
)
def test_scores_out_of_range_are_refused(journey: Journey, body: dict, message: bytes) -> None:
    token = _token(journey, journey.bob_ticket)
    with patch("django.utils.timezone.now", return_value=at(12)):
        response = Client().post(f"/s/{token}/", body)
    assert response.status_code == 400
    assert message in response.content
    assert _answers(journey) == []


def test_tampered_expired_and_foreign_links_are_refused(journey: Journey) -> None:
    token = _token(journey, journey.bob_ticket)
    client = Client()
    tampered = token[:-2] + ("aa" if not token.endswith("aa") else "bb")
    response = client.get(f"/s/{tampered}/")
    assert response.status_code == 400 and b"not valid" in response.content
    with patch("django.utils.timezone.now", return_value=at(12) + timedelta(days=15)):
        expired = client.post(f"/s/{token}/", {"csat": "5"})
    assert expired.status_code == 410 and b"expired" in expired.content
    # A correctly signed link naming another workspace finds no such request there.
    other = TenantFactory(slug="elsewhere")
    with tenant_scope(journey.tenant):
        request_id = SurveyRequest.objects.get(ticket_id=journey.bob_ticket.pk).pk
    foreign = signing.TimestampSigner(salt=SALT).sign_object({"t": other.pk, "r": request_id})
    with patch("django.utils.timezone.now", return_value=at(12)):
        response = client.post(f"/s/{foreign}/", {"csat": "5"})
    assert response.status_code == 400 and b"not valid" in response.content
    # Signed with another salt (a token from elsewhere in the product) is not a survey link.
    other_salt = signing.TimestampSigner(salt="other").sign_object({"t": 1, "r": request_id})
    assert client.get(f"/s/{other_salt}/").status_code == 400
    assert _answers(journey) == []
