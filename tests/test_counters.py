"""Per-tenant counters: ticket numbers count per tenant, and on PostgreSQL never make one
transaction wait for another."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from helpdesk.counters import counter_next, counter_sequence
from helpdesk.models import Tenant, TenantCounter
from tests.factories import TenantFactory

ON_POSTGRES = connection.vendor == "postgresql"


@pytest.mark.django_db
def test_each_tenant_counts_from_one_on_its_own() -> None:
    first, second = TenantFactory(), TenantFactory()
    assert [counter_next(tenant=first, name="ticket") for _ in range(3)] == [1, 2, 3]
    assert counter_next(tenant=second, name="ticket") == 1
    assert counter_next(tenant=first, name="ticket") == 4


@pytest.mark.django_db
def test_a_counter_continues_after_its_row_s_value() -> None:
    tenant = TenantFactory()
    TenantCounter.objects.unscoped().create(tenant=tenant, name="ticket", value=41)
    assert counter_next(tenant=tenant, name="ticket") == 42
    assert counter_next(tenant=tenant, name="ticket") == 43


@pytest.mark.django_db
def test_a_counter_name_is_checked() -> None:
    tenant = TenantFactory()
    with pytest.raises(ValueError, match="Not a counter name"):
        counter_next(tenant=tenant, name='ticket"; DROP TABLE x; --')


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not ON_POSTGRES, reason="sequences")
def test_a_transaction_holding_a_number_does_not_make_another_wait() -> None:
    tenant = TenantFactory()
    assert counter_next(tenant=tenant, name="ticket") == 1  # the sequence exists, committed
    took, answered = threading.Event(), threading.Event()
    numbers: list[int] = []

    def other() -> None:
        try:
            took.wait(10)
            with transaction.atomic():
                numbers.append(counter_next(tenant=Tenant.objects.get(pk=tenant.pk), name="ticket"))
            answered.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=other)
    thread.start()
    with transaction.atomic():
        numbers.append(counter_next(tenant=tenant, name="ticket"))
        took.set()
        # Still inside this transaction, the other one gets its number at once.
        assert answered.wait(5)
    thread.join(10)
    assert sorted(numbers) == [2, 3]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not ON_POSTGRES, reason="sequences")
def test_a_number_taken_back_by_a_rollback_is_skipped_and_its_new_sequence_forgotten() -> None:
    tenant = TenantFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        assert counter_next(tenant=tenant, name="ticket") == 1
        raise RuntimeError("rolled back, and the sequence made for it with it")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(%s)", [counter_sequence(tenant_id=tenant.pk, name="ticket")]
        )
        assert cursor.fetchone() == (None,)
    assert counter_next(tenant=tenant, name="ticket") == 1  # made again, from the start
    with pytest.raises(RuntimeError), transaction.atomic():
        assert counter_next(tenant=tenant, name="ticket") == 2
        raise RuntimeError("rolled back")
    assert counter_next(tenant=tenant, name="ticket") == 3
