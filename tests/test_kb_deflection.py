"""Deflection across rooms: a failed search followed by contact reaches the ticket; a failed
search without contact becomes a ``kb.search_failed`` event; the analytics selectors."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from helpdesk.events import DomainEvent, subscribe, unsubscribe
from helpdesk.tenancy import tenant_scope
from inbox.services import ticket_open
from knowledge import ratelimit
from knowledge.models import SearchLog
from knowledge.search import article_search
from knowledge.search_index import corpus_clear
from knowledge.selectors import (
    deflection_stats,
    failed_searches_top,
    searches_before_contact,
    searches_for_ticket,
)
from knowledge.services import (
    article_create,
    failed_search_outreach_publish,
    search_contact_record,
    search_log_record,
    settings_update,
)
from knowledge.tasks import failed_search_sweep
from tests.factories import CustomerFactory
from tests.seats import Seat

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    corpus_clear()
    monkeypatch.setattr(ratelimit, "namespace", f"kb-rl-{uuid.uuid4().hex}")
    yield
    corpus_clear()


@pytest.fixture
def events() -> Iterator[list[DomainEvent]]:
    seen: list[DomainEvent] = []

    def record(event: DomainEvent) -> None:
        seen.append(event)

    subscribe("*", record)
    yield seen
    unsubscribe("*", record)


@pytest.fixture
def published(seat_a: Seat) -> None:
    with tenant_scope(seat_a.tenant):
        article_create(
            tenant=seat_a.tenant, title="Reset your password", body="Use Forgot password.",
            status="published", locale="en",
        )  # fmt: skip


def _log(seat: Seat, query: str, **kwargs: Any) -> SearchLog:
    with tenant_scope(seat.tenant):
        outcome = article_search(query=query)
        log = search_log_record(tenant=seat.tenant, outcome=outcome, **kwargs)
        assert log is not None
        return log


def test_widget_visitor_searches_attach_to_the_ticket_they_open(
    seat_a: Seat,
    published: None,
    events: list[DomainEvent],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    client = Client()
    client.cookies["hd_kb_visitor"] = "visitor-42"
    client.get("/help/alpha/search/", {"q": "refund for damaged blender"})
    client.get("/help/alpha/search/", {"q": "password"})
    since = timezone.now() - timedelta(hours=1)
    with tenant_scope(seat_a.tenant):
        prior = searches_before_contact(visitor_key="visitor-42", since=since)
        assert [(p.query, p.failed) for p in prior] == [
            ("refund for damaged blender", True),
            ("password", False),
        ]
        with django_capture_on_commit_callbacks(execute=True):
            attached = search_contact_record(ticket_id=9001, visitor_key="visitor-42")
        assert len(attached) == 2
        assert searches_for_ticket(ticket_id=9001) == ["refund for damaged blender", "password"]
        # Once attached, the same searches are not attached to a second ticket.
        assert search_contact_record(ticket_id=9002, visitor_key="visitor-42") == []
    event = next(e for e in events if e.name == "kb.searches_attached")
    assert event.payload["ticket_id"] == 9001
    assert event.payload["terms"] == ["refund for damaged blender", "password"]
    assert event.payload["failed_terms"] == ["refund for damaged blender"]


def test_a_known_customers_new_ticket_collects_their_searches(
    seat_a: Seat,
    published: None,
    events: list[DomainEvent],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with tenant_scope(seat_a.tenant):
        customer = CustomerFactory(tenant=seat_a.tenant)
    _log(seat_a, "cancel subscription fee", source="widget", customer=customer)
    with tenant_scope(seat_a.tenant), django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_open(tenant=seat_a.tenant, customer=customer, subject="Help")
    with tenant_scope(seat_a.tenant):
        assert searches_for_ticket(ticket_id=ticket.pk) == ["cancel subscription fee"]
    attached = [e for e in events if e.name == "kb.searches_attached"]
    assert [e.payload["ticket_id"] for e in attached] == [ticket.pk]


def test_a_customers_searches_are_only_collected_in_their_own_tenant(
    seat_a: Seat, seat_b: Seat, published: None
) -> None:
    with tenant_scope(seat_b.tenant):
        customer_b = CustomerFactory(tenant=seat_b.tenant)
    log_b = _log(seat_b, "cancel subscription fee", source="widget", customer=customer_b)
    with tenant_scope(seat_a.tenant):
        assert search_contact_record(ticket_id=77, customer_id=customer_b.pk) == []
    with tenant_scope(seat_b.tenant):
        log_b.refresh_from_db()
        assert (log_b.contacted_at, log_b.ticket_id) == (None, None)
        attached = search_contact_record(ticket_id=78, customer_id=customer_b.pk)
        assert [log.pk for log in attached] == [log_b.pk]


def test_contact_needs_a_visitor_or_customer(seat_a: Seat) -> None:
    from helpdesk.errors import DomainError

    with tenant_scope(seat_a.tenant), pytest.raises(DomainError):
        search_contact_record(ticket_id=1)


def test_failed_search_without_contact_publishes_outreach_once(
    seat_a: Seat,
    published: None,
    events: list[DomainEvent],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with tenant_scope(seat_a.tenant):
        customer = CustomerFactory(tenant=seat_a.tenant)
        quiet = CustomerFactory(tenant=seat_a.tenant)
    old = timezone.now() - timedelta(minutes=45)
    failed = _log(seat_a, "warranty claim blender", source="widget", customer=customer)
    answered = _log(seat_a, "reset password", source="widget", customer=customer)
    anonymous = _log(seat_a, "warranty claim toaster", source="help_center", visitor_key="v1")
    contacted = _log(seat_a, "warranty claim kettle", source="widget", customer=quiet)
    with tenant_scope(seat_a.tenant):
        SearchLog.objects.filter(
            pk__in=[failed.pk, answered.pk, anonymous.pk, contacted.pk]
        ).update(created_at=old)
        search_contact_record(ticket_id=5, customer_id=quiet.pk)
        # Off by default: nothing is published.
        assert failed_search_outreach_publish(tenant=seat_a.tenant) == 0
        settings_update(tenant=seat_a.tenant, outreach_enabled=True, outreach_delay_minutes=30)
    with django_capture_on_commit_callbacks(execute=True):
        assert failed_search_sweep() == 1
    assert failed_search_sweep() == 0
    outreach = [e for e in events if e.name == "kb.search_failed"]
    assert len(outreach) == 1
    assert outreach[0].payload == {
        "customer_id": customer.pk,
        "terms": ["warranty claim blender"],
        "search_ids": [failed.pk],
    }


def test_deflection_rate_and_top_failed_searches(seat_a: Seat, published: None) -> None:
    for query in ["warranty blender", "warranty blender", "Warranty  blender!", "reset password"]:
        _log(seat_a, query, source="help_center", visitor_key="v")
    _log(seat_a, "gift card balance", source="widget", visitor_key="w")
    _log(seat_a, "internal api search", source="api")
    with tenant_scope(seat_a.tenant):
        search_contact_record(ticket_id=3, visitor_key="w")
        now = timezone.now()
        stats = deflection_stats(since=now - timedelta(days=1), until=now + timedelta(minutes=1))
        top = failed_searches_top(since=now - timedelta(days=1), until=now + timedelta(minutes=1))
    assert stats["searches"] == 5
    assert stats["failed"] == 4
    assert stats["contacted"] == 1
    assert stats["deflection_rate"] == 0.8
    assert stats["failure_rate"] == 0.8
    assert top[0] == {"query": "warranty blender", "count": 3, "contacted": 0}
    assert {"query": "gift card balance", "count": 1, "contacted": 1} in top
