"""A known sender in one round trip on PostgreSQL: look up, touch, record a new kind.

``identity_resolve`` needs, for a sender seen before, the rows under every spelling and kind
of the value, with their customers; and, when the rules call for it, an UPDATE of the exact
row (``last_seen_at``, ``verified``, ``origin``) or an INSERT of the new kind next to the
best row (WhatsApp of a known phone). One statement does all three: the UPDATE and INSERT
are data-modifying CTEs with the same conditions the ORM path in ``customers.services``
applies in Python, and the SELECT reports what they did. The rows it returns are as they
were before the statement; the caller applies the touch to its copies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection

from customers.models import (
    WEAK_ORIGINS,
    Customer,
    Identity,
    IdentityOrigin,
    Organization,
    OrganizationDomain,
)
from helpdesk.prepared import prepared_cursor

_WEAK = ", ".join(f"'{origin.value}'" for origin in WEAK_ORIGINS)
_STRONG = f"'{IdentityOrigin.SENDER.value}', '{IdentityOrigin.AGENT.value}'"


@dataclass
class Sighting:
    rows: list[Identity]
    touched: bool  # the exact row's last_seen_at (and verified/origin) moved
    added_for: int | None  # the customer a new kind or spelling was recorded for


def _columns(model: type[Identity] | type[Customer] | type[Organization]) -> list[str]:
    return [str(f.column) for f in model._meta.concrete_fields]


@cache
def _statement(pairs: int) -> str:
    """The statement for ``pairs`` (kind, value) pairs, each looked up on its own: three
    equalities on the unique (tenant, kind, value) index, one row at most. The generic plan
    sees no values; given arrays (``kind = ANY(..) AND value = ANY(..)``), or the pairs
    OR-ed together, it weighs the probes against the average tenant's few identities and
    filters all of the tenant's instead: on a large tenant, a scan of its identities per
    message. (Migration ``0004`` keeps the tenant column's estimate from assuming tiny
    tenants; ``tests/test_identity_lookup_plan.py`` checks the plan.)"""
    identity = Identity._meta.db_table
    customer = Customer._meta.db_table
    organization = Organization._meta.db_table
    icols = _columns(Identity)
    ccols = _columns(Customer)
    weak = f"(NOT {{t}}.verified AND {{t}}.origin IN ({_WEAK}))"
    ocols = _columns(Organization)
    found = "\n    UNION ALL\n    ".join(
        f"SELECT * FROM {identity} "  # noqa: S608 (the table name comes from the model)
        f"WHERE tenant_id = %(tenant)s AND kind = %(k{n})s AND value = %(v{n})s"
        for n in range(pairs)
    )
    select = ", ".join(
        [*(f"i.{c}" for c in icols), *(f"c.{c}" for c in ccols), *(f"o.{c}" for c in ocols)]
    )
    # Every part is filtered on the tenant id the caller passes (the active tenant).
    return f"""
WITH found AS (
    {found}
), touched AS (
    UPDATE {identity} AS u SET last_seen_at = %(now)s,
        verified = u.verified OR %(verified)s,
        origin = CASE WHEN u.origin = '{IdentityOrigin.AGENT.value}' THEN u.origin
                      ELSE '{IdentityOrigin.SENDER.value}' END
    WHERE u.tenant_id = %(tenant)s AND u.kind = %(kind)s AND u.value = %(value)s
        AND NOT {weak.format(t="u")}
        AND (u.last_seen_at <= %(stale)s OR u.origin NOT IN ({_STRONG})
             OR (%(verified)s AND NOT u.verified))
    RETURNING u.id
), best AS (
    SELECT b.customer_id, {weak.format(t="b")} AS weak, bc.merged_into_id IS NULL AS live
    FROM found AS b JOIN {customer} AS bc ON bc.id = b.customer_id
    ORDER BY {weak.format(t="b")}, NOT b.verified, b.first_seen_at, b.id
    LIMIT 1
), added AS (
    INSERT INTO {identity} (tenant_id, customer_id, kind, value, verified, origin,
        match_key, source_channel_id, first_seen_at, last_seen_at)
    SELECT %(tenant)s, best.customer_id, %(kind)s, %(value)s, %(verified)s,
        '{IdentityOrigin.SENDER.value}', '', %(channel)s, %(now)s, %(now)s
    FROM best
    WHERE NOT best.weak AND best.live
        AND NOT EXISTS (SELECT 1 FROM found WHERE kind = %(kind)s AND value = %(value)s)
    ON CONFLICT DO NOTHING
    RETURNING customer_id
)
SELECT {select}, EXISTS (SELECT 1 FROM touched), (SELECT customer_id FROM added)
FROM found AS i JOIN {customer} AS c ON c.id = i.customer_id
LEFT JOIN {organization} AS o ON o.id = c.organization_id AND o.tenant_id = %(tenant)s
"""  # noqa: S608 (table and column names come from the models)


def sighting_lookup(
    *,
    tenant_id: int,
    kind: str,
    value: str,
    kinds: Sequence[str],
    values: Sequence[str],
    verified: bool,
    channel_id: int | None,
    now: datetime,
    stale: datetime,
) -> Sighting:
    """The rows of ``kinds`` x ``values`` with their customers, touched or extended at once."""
    params: dict[str, Any] = {
        "tenant": tenant_id,
        "kind": kind,
        "value": value,
        "verified": verified,
        "channel": channel_id,
        "now": now,
        "stale": stale,
    }
    pairs = list(dict.fromkeys((k, v) for k in kinds for v in values)) or [(kind, value)]
    for n, (pair_kind, pair_value) in enumerate(pairs):
        params[f"k{n}"], params[f"v{n}"] = pair_kind, pair_value
    with prepared_cursor() as cursor:
        cursor.execute(_statement(len(pairs)), params)
        fetched = cursor.fetchall()
    inames = [f.attname for f in Identity._meta.concrete_fields]
    cnames = [f.attname for f in Customer._meta.concrete_fields]
    onames = [f.attname for f in Organization._meta.concrete_fields]
    split, split2 = len(inames), len(inames) + len(cnames)
    rows = []
    touched, added_for = False, None
    for record in fetched:
        row = Identity.from_db(connection.alias, inames, record[:split])
        customer = Customer.from_db(connection.alias, cnames, record[split:split2])
        Identity.customer.field.set_cached_value(row, customer)
        org = record[split2 : split2 + len(onames)]
        organization = Organization.from_db(connection.alias, onames, org) if org[0] else None
        Customer.organization.field.set_cached_value(customer, organization)
        rows.append(row)
        touched, added_for = record[-2], record[-1]
    return Sighting(rows=rows, touched=bool(touched), added_for=added_for)


@dataclass
class NewSender:
    customer: Customer
    has_aliases: bool  # other identities share the email's alias key


@cache
def _insert_statement() -> str:
    identity = Identity._meta.db_table
    customer = Customer._meta.db_table
    domains = OrganizationDomain._meta.db_table
    return f"""
WITH fresh AS (
    INSERT INTO {customer} (tenant_id, name, organization_id, tier, language, merged_into_id,
        created_at, updated_at, erased_at)
    SELECT %(tenant)s, %(name)s, (
            SELECT organization_id FROM {domains}
            WHERE tenant_id = %(tenant)s AND domain = %(domain)s ORDER BY id LIMIT 1
        ), '', '', NULL, %(now)s, %(now)s, NULL
    WHERE NOT EXISTS (
        SELECT 1 FROM {identity}
        WHERE tenant_id = %(tenant)s AND kind = %(kind)s AND value = %(value)s
    )
    RETURNING id, organization_id
), added AS (
    INSERT INTO {identity} (tenant_id, customer_id, kind, value, verified, origin,
        match_key, source_channel_id, first_seen_at, last_seen_at)
    SELECT %(tenant)s, fresh.id, %(kind)s, %(value)s, %(verified)s,
        '{IdentityOrigin.SENDER.value}', %(key)s, %(channel)s, %(now)s, %(now)s
    FROM fresh
    ON CONFLICT DO NOTHING
    RETURNING id
)
SELECT fresh.id, fresh.organization_id, EXISTS (SELECT 1 FROM added), EXISTS (
    SELECT 1 FROM {identity}
    WHERE tenant_id = %(tenant)s AND match_key = %(key)s AND match_key <> ''
)
FROM fresh
"""  # noqa: S608 (table and column names come from the models)


def new_sender_insert(
    *,
    tenant_id: int,
    name: str,
    kind: str,
    value: str,
    verified: bool,
    key: str,
    domain: str | None,
    channel_id: int | None,
    now: datetime,
) -> NewSender | None:
    """A customer with the sender's identity, in the organization owning ``domain``.

    One statement. ``None`` when the identity exists by now (a concurrent message from the
    same new sender won the race); the caller then resolves to its owner.
    """
    params: dict[str, Any] = {
        "tenant": tenant_id,
        "name": name,
        "kind": kind,
        "value": value,
        "verified": verified,
        "key": key,
        "domain": domain,
        "channel": channel_id,
        "now": now,
    }
    with prepared_cursor() as cursor:
        cursor.execute(_insert_statement(), params)
        row = cursor.fetchone()
        if row is not None and not row[2]:  # the customer was made, the identity not: undo
            cursor.execute(
                f"DELETE FROM {Customer._meta.db_table} WHERE id = %s",  # noqa: S608
                [row[0]],
            )
    if row is None or not row[2]:
        return None
    customer = Customer(
        id=row[0], tenant_id=tenant_id, name=name, organization_id=row[1],
        created_at=now, updated_at=now,
    )  # fmt: skip
    customer._state.adding = False
    customer._state.db = connection.alias
    return NewSender(customer=customer, has_aliases=bool(row[3]))
