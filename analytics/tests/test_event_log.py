"""The ``"*"`` subscriber: rows for every event, derived names, and the background writer."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from analytics import eventlog
from analytics.eventlog import event_log_write, event_row, rows_insert, writer
from analytics.models import AnalyticsEvent
from helpdesk.events import DomainEvent
from helpdesk.tenancy import tenant_scope
from tests.factories import TenantFactory

WHEN = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _event(name: str, payload: dict, tenant_id: int = 1) -> DomainEvent:
    return DomainEvent(name=name, tenant_id=tenant_id, payload=payload, occurred_at=WHEN, seq=7)


def test_a_ticket_update_adds_derived_rows() -> None:
    payload = {
        "id": 5,
        "customer": 9,
        "assignee": 3,
        "team": 2,
        "status": "open",
        "channels": ["email", "chat"],
        "changed": ["assignee", "status"],
    }
    rows = event_row(_event("ticket.updated", payload))
    assert [(r.name, r.label, r.ticket_id, r.member_id, r.channel_kind) for r in rows] == [
        ("ticket.updated", "open", 5, 3, "chat"),
        ("ticket.status", "open", 5, 3, "chat"),
        ("ticket.assigned", "open", 5, 3, "chat"),
    ]


def test_a_message_is_logged_by_direction_and_channel() -> None:
    payload = {
        "id": 1,
        "direction": "inbound",
        "channel": "voice",
        "ticket": {
            "id": 5,
            "customer": 9,
            "assignee": None,
            "team": None,
            "channels": ["email", "voice"],
        },
    }
    (row,) = event_row(_event("message.created", payload))
    assert (row.name, row.channel_kind, row.ticket_id, row.customer_id, row.seq) == (
        "message.inbound",
        "voice",
        5,
        9,
        7,
    )


def test_other_events_keep_their_payload_and_numeric_value() -> None:
    (row,) = event_row(_event("survey.answered", {"ticket": 5, "value": 4, "member": True}))
    assert (row.name, row.value, row.ticket_id, row.member_id, row.payload["value"]) == (
        "survey.answered",
        4.0,
        5,
        None,
        4,
    )


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_rows_go_through_the_background_writer(settings, monkeypatch) -> None:
    settings.ANALYTICS_EVENT_LOG_ASYNC = True
    monkeypatch.setattr(eventlog, "IDLE_SECONDS", 0.0)  # its connection closed once idle
    tenant = TenantFactory()
    event_log_write(_event("kb.search", {"query": "refund"}, tenant_id=tenant.pk))
    writer.flush()
    deadline = time.monotonic() + 5
    with tenant_scope(tenant):
        while not AnalyticsEvent.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list(AnalyticsEvent.objects.values_list("name", "payload")) == [
            ("kb.search", {"query": "refund"})
        ]


@pytest.mark.django_db
def test_rows_insert_stores_every_column() -> None:
    tenant = TenantFactory()
    payload = {"ticket": 5, "value": 4.5, "note": "ü \\ \t tab", "nested": {"a": [1, None]}}
    rows = event_row(_event("survey.answered", payload, tenant_id=tenant.pk))
    rows += event_row(_event("kb.search", {"query": "refund"}, tenant_id=tenant.pk))
    rows_insert(rows)
    with tenant_scope(tenant):
        stored = list(
            AnalyticsEvent.objects.order_by("name").values(
                "name",
                "occurred_at",
                "seq",
                "ticket_id",
                "customer_id",
                "member_id",
                "team_id",
                "channel_kind",
                "value",
                "label",
                "payload",
            )
        )
    empty = {"customer_id": None, "member_id": None, "team_id": None, "channel_kind": ""}
    assert stored == [
        {
            "name": "kb.search",
            "occurred_at": WHEN,
            "seq": 7,
            "ticket_id": None,
            "value": None,
            "label": "",
            "payload": {"query": "refund"},
            **empty,
        },
        {
            "name": "survey.answered",
            "occurred_at": WHEN,
            "seq": 7,
            "ticket_id": 5,
            "value": 4.5,
            "label": "",
            "payload": payload,
            **empty,
        },
    ]
