"""Per-tenant counters (ticket numbers).

On PostgreSQL each counter is a sequence of the tenant's own. A counter row would stay
locked from the moment a transaction takes a number until that transaction commits, so two
workers opening tickets for one tenant took turns for a whole batch; ``nextval`` never waits
for another transaction. The price is the usual one of sequences: a number taken by a
transaction that rolls back is skipped, never reused. A sequence is made the first time its
counter is used, starting after the counter row's value (the embedded default's counters,
and the counters of tenants from before sequences). Elsewhere the counter row is it.
"""

from __future__ import annotations

import re

from django.db import DatabaseError, connection, transaction

from helpdesk.models import Tenant, TenantCounter

_NAME = re.compile(r"[a-z][a-z_]{0,31}")
_known: set[str] = set()  # sequences this process has seen committed


def counter_next(*, tenant: Tenant, name: str) -> int:
    """The next value of the tenant's counter ``name``."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"Not a counter name: {name!r}.")
    if connection.vendor == "postgresql":
        return _sequence_next(tenant.pk, name)
    table = TenantCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (tenant_id, name, value) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (tenant_id, name) DO UPDATE SET value = {table}.value + 1 "
            "RETURNING value",
            [tenant.pk, name],
        )
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def counter_sequence(*, tenant_id: int, name: str) -> str:
    return f"hd_counter_{name}_{tenant_id}"  # a checked name and a number: safe to quote


def _sequence_next(tenant_id: int, name: str) -> int:
    sequence = counter_sequence(tenant_id=tenant_id, name=name)
    if sequence not in _known:
        _sequence_ensure(tenant_id, name, sequence)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [sequence])
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def _sequence_ensure(tenant_id: int, name: str, sequence: str) -> None:
    """Make the sequence unless it exists; remembered once this transaction commits (a
    sequence made in one that rolls back is gone with it)."""
    table = TenantCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [sequence])
        row = cursor.fetchone()
        if row is None or not row[0]:
            cursor.execute(
                f"SELECT value FROM {table} WHERE tenant_id = %s AND name = %s",  # noqa: S608
                [tenant_id, name],
            )
            found = cursor.fetchone()
            start = 1 + (int(found[0]) if found else 0)
            try:
                with transaction.atomic():  # a concurrent maker may win: then its sequence
                    cursor.execute(f'CREATE SEQUENCE IF NOT EXISTS "{sequence}" START {start}')
            except DatabaseError:
                pass
    transaction.on_commit(lambda: _known.add(sequence))
