"""Statements ride along with the next one, in order, and never outlive their block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from helpdesk.models import Tenant
from helpdesk.ride_along import (
    _queue,
    model_insert_deferred,
    read_ahead,
    ride_along,
    statement_defer,
)
from helpdesk.tenancy import tenant_scope
from inbox.models import Tag
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

ON_POSTGRES = connection.vendor == "postgresql"
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="psycopg's pipeline mode")


@contextmanager
def trips() -> Iterator[list[str]]:
    """The statements the code itself sends (each one round trip, carrying what waits)."""
    sent: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield sent


def _rename(tag: Tag, name: str) -> None:
    statement_defer("UPDATE inbox_tag SET name = %s WHERE id = %s", [name, tag.pk])


def _tag(tenant: Tenant, name: str) -> Tag:
    with tenant_scope(tenant):
        return Tag.objects.create(tenant=tenant, name=name)


def _names(tenant: Tenant) -> list[str]:
    with tenant_scope(tenant):
        return sorted(Tag.objects.values_list("name", flat=True))


@postgres_only
def test_a_deferred_write_waits_for_the_next_statement_which_reads_its_effect() -> None:
    tenant = TenantFactory()
    tag = _tag(tenant, "billing")
    with trips() as sent, ride_along():
        _rename(tag, "invoices")
        queue = _queue.get()
        assert queue is not None and len(queue.items) == 1  # not sent yet
        assert sent == []
        assert _names(tenant) == ["invoices"]  # the read went out with it, after it
        assert queue.items == []
        assert len(sent) == 1  # one round trip for both
    assert _names(tenant) == ["invoices"]


@postgres_only
def test_what_is_left_goes_out_when_the_block_ends() -> None:
    tenant = TenantFactory()
    tag = _tag(tenant, "billing")
    with trips() as sent:
        with ride_along():
            _rename(tag, "refunds")
        assert sent == []
    assert _names(tenant) == ["refunds"]


@postgres_only
def test_rows_inserted_deferred_get_their_ids_first_and_exist_after_the_block() -> None:
    tenant = TenantFactory()
    with tenant_scope(tenant), ride_along():
        tags = [Tag(tenant=tenant, name=f"t{i}") for i in range(3)]
        for tag in tags:
            model_insert_deferred(tag)
        ids = [tag.pk for tag in tags]
        assert all(isinstance(pk, int) for pk in ids) and ids == sorted(set(ids))
        assert not tags[0]._state.adding
    with tenant_scope(tenant):
        assert dict(Tag.objects.values_list("name", "id")) == {
            "t0": ids[0],
            "t1": ids[1],
            "t2": ids[2],
        }
    # A later ordinary insert takes an id after the reserved ones.
    assert _tag(tenant, "later").pk > ids[-1]


@postgres_only
def test_a_failing_deferred_write_raises_from_the_statement_it_rode_with() -> None:
    tenant = TenantFactory()
    _tag(tenant, "taken")
    with pytest.raises(IntegrityError), transaction.atomic(), ride_along():
        model_insert_deferred(Tag(tenant=tenant, name="taken"))  # (tenant, name) is unique
        model_insert_deferred(Tag(tenant=tenant, name="fresh"))
        _names(tenant)
        pytest.fail("the read must not return")  # pragma: no cover
    assert _names(tenant) == ["taken"]  # the block was taken back whole


@postgres_only
def test_writes_queued_when_the_block_raises_are_never_sent() -> None:
    tenant = TenantFactory()
    tag = _tag(tenant, "billing")
    with pytest.raises(RuntimeError), ride_along():
        _rename(tag, "never")
        raise RuntimeError("the work failed")
    assert _queue.get() is None
    assert _names(tenant) == ["billing"]


@postgres_only
def test_a_server_side_cursor_runs_after_the_waiting_writes() -> None:
    tenant = TenantFactory()
    tag = _tag(tenant, "billing")
    with transaction.atomic(), ride_along(), tenant_scope(tenant):
        _rename(tag, "streamed")
        assert [t.name for t in Tag.objects.all().iterator(chunk_size=10)] == ["streamed"]


def test_outside_a_block_or_off_postgresql_writes_go_out_at_once() -> None:
    tenant = TenantFactory()
    tag = _tag(tenant, "billing")
    with tenant_scope(tenant):
        fresh = Tag(tenant=tenant, name="fresh")
        model_insert_deferred(fresh)
        assert Tag.objects.filter(pk=fresh.pk).exists()
    if not ON_POSTGRES:
        with ride_along(), tenant_scope(tenant):
            late = Tag(tenant=tenant, name="late")
            model_insert_deferred(late)
            assert Tag.objects.filter(pk=late.pk, name="late").exists()
        return
    _rename(tag, "renamed")
    assert _names(tenant) == ["fresh", "renamed"]


@postgres_only
def test_a_read_ahead_travels_with_the_next_statement_after_the_writes_queued_before_it() -> None:
    tenant = TenantFactory()
    tag = _tag(tenant, "billing")
    with trips() as sent, ride_along():
        _rename(tag, "refunds")
        ahead = read_ahead("SELECT name FROM inbox_tag WHERE id = %s", [tag.pk])
        _rename(tag, "invoices")
        assert ahead is not None and sent == []
        assert _names(tenant) == ["invoices"]  # one trip: rename, read, rename, this read
        assert len(sent) == 1
        assert ahead.rows() == [("refunds",)]  # read between the two renames
        assert len(sent) == 1  # answered already: no trip of its own


@postgres_only
def test_a_read_ahead_nothing_carried_is_sent_when_its_rows_are_asked_for() -> None:
    tenant = TenantFactory()
    tag = _tag(tenant, "billing")
    with ride_along():
        ahead = read_ahead("SELECT name FROM inbox_tag WHERE id = %s", [tag.pk])
        assert ahead is not None
        assert ahead.rows() == [("billing",)]


def test_outside_a_block_nothing_is_read_ahead() -> None:
    assert read_ahead("SELECT 1", []) is None
