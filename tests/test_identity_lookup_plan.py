"""The known-sender statement's generic plan probes the unique index, whatever the tenant's size.

Prepared statements run on a generic plan, which sees no parameter values. Next to many small
tenants, the average tenant looks tiny; a lookup written with arrays was then planned as a
scan of the whole tenant's identities, filtered by kind and value, on every message. The
lookup probes each (kind, value) pair on its own, and the migration ``customers.0004`` sets
the tenant column's statistics so that a tenant is not assumed tiny.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.db import connection

from customers.identity_lookup import _statement
from customers.models import Customer, Identity
from helpdesk.models import Tenant

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's generic plans"),
]

SEEN = datetime(2026, 11, 1, tzinfo=UTC)


def _identities(tenant: Tenant, count: int) -> None:
    customer = Customer.objects.unscoped().create(tenant=tenant, name=f"Many of {tenant.slug}")
    Identity.objects.unscoped().bulk_create(
        Identity(
            tenant=tenant,
            customer=customer,
            kind="phone",
            value=f"+1415{n:07d}",
            verified=True,
            first_seen_at=SEEN,
            last_seen_at=SEEN,
        )
        for n in range(count)
    )


def _numbered(sql: str) -> tuple[str, list[str]]:
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return re.sub(r"%\((\w+)\)s", number, sql), names


def test_a_large_tenant_among_small_ones_is_looked_up_by_its_unique_index() -> None:
    large = Tenant.objects.create(slug="large", name="Large")
    _identities(large, 400)
    for n in range(60):
        _identities(Tenant.objects.create(slug=f"small-{n}", name=f"Small {n}"), 2)
    values = {
        "tenant": large.pk,
        "kind": "phone",
        "value": "+14150000123",
        "k0": "phone",
        "v0": "+14150000123",
        "k1": "whatsapp",
        "v1": "+14150000123",
        "verified": True,
        "channel": None,
        "now": SEEN,
        "stale": SEEN,
    }
    sql, names = _numbered(_statement(2))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_identity")
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE sighting AS {sql}")
        arguments = ", ".join(["%s"] * len(names))
        cursor.execute(
            f"EXPLAIN (ANALYZE, COSTS OFF) EXECUTE sighting({arguments})",
            [values[name] for name in names],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE sighting")
    assert "Rows Removed by Filter" not in plan, plan
    assert "Index Cond: ((tenant_id = $1) AND ((kind)::text = $" in plan, plan
