"""Prepared statements on PostgreSQL: rows read back exactly as the ORM reads them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection

from helpdesk.prepared import UtcTimestampLoader, model_from_row, prepared_cursor
from helpdesk.tenancy import tenant_scope
from inbox.models import Ticket
from tests.factories import CustomerFactory, TenantFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements"),
]


def test_timestamps_are_read_by_the_compiled_loader_as_utc_datetimes() -> None:
    with prepared_cursor() as cursor:
        cursor.execute(
            "SELECT '2026-03-29 01:30:00.000123+02'::timestamptz, NULL::timestamptz, %s",
            [datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5)))],
        )
        row = cursor.fetchone()
    assert row == (
        datetime(2026, 3, 28, 23, 30, 0, 123, tzinfo=UTC),
        None,
        datetime(2000, 1, 1, 4, 59, 59, tzinfo=UTC),
    )
    assert row[0].tzinfo is UTC
    loader = connection.connection.adapters.get_loader(1184, 0)
    assert loader is UtcTimestampLoader
    # Django's own cursors on the same connection keep working and agree.
    with connection.cursor() as cursor:
        cursor.execute("SELECT '2026-03-29 01:30:00.000123+02'::timestamptz")
        assert cursor.fetchone() == (row[0],)


def test_a_row_read_through_a_prepared_statement_equals_the_orm_s() -> None:
    tenant = TenantFactory()
    with tenant_scope(tenant):
        at = datetime(2026, 11, 30, 8, 15, 1, 500, tzinfo=UTC)
        ticket = Ticket.objects.create(
            tenant=tenant,
            number=7,
            subject="Refund",
            customer=CustomerFactory(tenant=tenant),
            created_at=at,
            updated_at=at,
            last_activity_at=at,
        )
        columns = ", ".join(f'"{f.column}"' for f in Ticket._meta.concrete_fields)
        with prepared_cursor() as cursor:
            cursor.execute(
                f'SELECT {columns} FROM "inbox_ticket" WHERE id = %s AND tenant_id = %s',
                [ticket.pk, tenant.pk],
            )
            read = model_from_row(Ticket, cursor.fetchone())
        orm = Ticket.objects.get(pk=ticket.pk)
    names = [f.attname for f in Ticket._meta.concrete_fields]
    assert [getattr(read, n) for n in names] == [getattr(orm, n) for n in names]
    assert read.created_at == at and read.created_at.tzinfo is UTC
