"""Writes on customers and organizations, and identity resolution.

Resolution rules (README "Customers and identities"):

1. Values are normalized first (``customers.identity_values``). A value that cannot be
   (anonymous caller id, absurd email) gets a placeholder customer and no identity.
2. Phone and WhatsApp are one number: both kinds store canonical E.164 and every lookup of
   either searches both kinds and every known spelling (Mexico/Argentina/Brazil variants).
3. The sender of a message is a sighting: an exact match attaches the message to the owner,
   records the new kind or spelling on it, upgrades ``verified`` and moves ``last_seen_at``.
   An unverified widget user id (no or bad HMAC) is never matched against verified users: it
   is kept as a chat visitor of its own.
4. An identity that was only a claim (typed alongside a message, or found in text) and is
   then seen sending is released to a new customer, and the two are suggested for a merge.
5. Extra identities and contact hints attach as unverified when nobody owns them; owned by
   someone else they raise a merge suggestion (confidence and evidence). Email aliasing
   (+tags, Gmail dots) only ever suggests. Nothing here merges two customers.
6. A customer without an organization joins the one owning its email's domain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import EllipsisType
from typing import Any, Protocol

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from customers.identity_lookup import Sighting, new_sender_insert, sighting_lookup
from customers.identity_values import (
    IdentityKind,
    InvalidIdentity,
    email_alias_key,
    email_domain,
    extract_contact_hints,
    normalize_identity,
    phone_variants,
)
from customers.models import (
    Customer,
    Identity,
    IdentityOrigin,
    Organization,
    OrganizationDomain,
)
from customers.suggestions import suggestion_raise
from helpdesk.errors import DomainError
from helpdesk.events import event_publish
from helpdesk.models import Tenant

PHONE_KINDS = (IdentityKind.PHONE.value, IdentityKind.WHATSAPP.value)
# last_seen_at is a coarse clock: a sighting within this window does not write.
TOUCH_EVERY = timedelta(minutes=5)
# Consumer mailbox domains never make an organization (everyone would join it).
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "web.de",
        "yandex.ru",
        "mail.ru",
        "qq.com",
        "163.com",
    }
)


class IdentityClaim(Protocol):
    """Anything shaped like ``inbox.inbound.SenderIdentity``."""

    @property
    def kind(self) -> str: ...

    @property
    def value(self) -> str: ...

    @property
    def verified(self) -> bool: ...


def match_key(kind: str, value: str) -> str:
    return email_alias_key(value) if kind == IdentityKind.EMAIL else ""


def lookup_keys(kind: str, value: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Kinds and values under which a normalized identity may already be stored."""
    if kind in PHONE_KINDS:
        return PHONE_KINDS, phone_variants(value)
    return (kind,), (value,)


def visitor_token_for_claim(user_id: str) -> str:
    """The chat-visitor value of an unverified widget user id (never matches a chat_user)."""
    return "claim-" + hashlib.sha256(user_id.encode("utf-8", "replace")).hexdigest()[:40]


def sender_identity(
    *, tenant: Tenant, kind: str, value: str, verified: bool
) -> tuple[str, str, bool]:
    """``(kind, normalized value, verified)`` of a claimed identity; raises InvalidIdentity."""
    if kind == IdentityKind.CHAT_USER and not verified:
        normalize_identity(kind, value)  # same refusals as a real user id
        return IdentityKind.CHAT_VISITOR.value, visitor_token_for_claim(value.strip()), False
    return str(kind), normalize_identity(kind, value, default_region=tenant.country), verified


def customer_survivor(customer: Customer) -> Customer:
    """The customer itself, or the one it was merged into."""
    hops = 0
    while customer.merged_into_id and hops < 10:
        customer = Customer.objects.get(pk=customer.merged_into_id)
        hops += 1
    return customer


@transaction.atomic(savepoint=False)  # inside a caller's transaction, no savepoint of its own
def customer_create(
    *,
    tenant: Tenant,
    name: str = "",
    identities: Sequence[tuple[str, str, bool]] = (),
    organization: Organization | None = None,
    language: str = "",
) -> Customer:
    """A customer with already-normalized identities ``(kind, value, verified)``."""
    customer = Customer.objects.create(
        tenant=tenant, name=name[:200], organization=organization, language=language
    )
    Identity.objects.bulk_create(
        [
            Identity(
                tenant=tenant,
                customer=customer,
                kind=kind,
                value=value,
                verified=verified,
                match_key=match_key(kind, value),
            )
            for kind, value, verified in identities
        ]
    )
    event_publish(tenant_id=tenant.pk, name="customer.created", payload={"id": customer.pk})
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    name: str | None = None,
    language: str | None = None,
    organization: Organization | EllipsisType | None = ...,
) -> Customer:
    fields = ["updated_at"]
    if name is not None:
        customer.name = name[:200]
        fields.append("name")
    if language is not None:
        customer.language = language
        fields.append("language")
    if organization is not ...:
        customer.organization = organization
        fields.append("organization")
    customer.updated_at = timezone.now()
    customer.save(update_fields=fields)
    event_publish(
        tenant_id=customer.tenant_id, name="customer.updated", payload={"id": customer.pk}
    )
    return customer


# ------------------------------------------------------------- organizations


def organization_domain_clean(raw: str) -> str:
    """A lower-cased Unicode domain, validated as the right-hand side of an address."""
    text = raw.strip().lower().lstrip("@") if isinstance(raw, str) else ""
    try:
        domain = email_domain(f"x@{text}")
    except InvalidIdentity:
        raise DomainError(f"{raw!r} is not a domain name.", field="domains") from None
    if domain in FREE_MAIL_DOMAINS:
        raise DomainError(
            f"{domain} is a public mailbox provider; its users are not one organization.",
            field="domains",
        )
    return domain


@transaction.atomic
def organization_create(
    *,
    tenant: Tenant,
    name: str,
    tier: str = "",
    plan: str = "",
    contract: str = "",
    contract_ends_on: Any = None,
    domains: Sequence[str] = (),
) -> Organization:
    """An organization; existing customers without one whose email domain matches join it."""
    name = name.strip()
    if not name:
        raise DomainError("An organization needs a name.", field="name")
    if Organization.objects.filter(name=name).exists():
        raise DomainError("An organization with this name exists.", field="name")
    clean = sorted({organization_domain_clean(d) for d in domains})
    taken = sorted(
        OrganizationDomain.objects.filter(domain__in=clean).values_list("domain", flat=True)
    )
    if taken:
        raise DomainError(
            f"Already used by another organization: {', '.join(taken)}.", field="domains"
        )
    organization = Organization.objects.create(
        tenant=tenant,
        name=name,
        tier=tier,
        plan=plan,
        contract=contract,
        contract_ends_on=contract_ends_on,
    )
    OrganizationDomain.objects.bulk_create(
        [OrganizationDomain(tenant=tenant, organization=organization, domain=d) for d in clean]
    )
    for domain in clean:
        ids = Identity.objects.filter(kind="email", value__endswith="@" + domain).values("customer")
        Customer.objects.filter(
            pk__in=ids, organization__isnull=True, merged_into__isnull=True
        ).update(organization=organization, updated_at=timezone.now())
    event_publish(
        tenant_id=tenant.pk,
        name="organization.created",
        payload={"id": organization.pk, "name": organization.name},
    )
    return organization


def organization_join_by_email(*, customer: Customer, emails: Sequence[str]) -> None:
    """Give a customer without an organization the one owning one of its email domains."""
    if customer.organization_id or not emails:
        return
    domains = [email_domain(email) for email in emails]
    found = OrganizationDomain.objects.filter(domain__in=domains).order_by("id").first()
    if found is not None:
        customer.organization_id = found.organization_id
        Customer.objects.filter(pk=customer.pk).update(organization_id=found.organization_id)


# ---------------------------------------------------------------- resolution


def identity_resolve(
    *,
    tenant: Tenant,
    kind: str,
    value: str,
    verified: bool = False,
    display_name: str = "",
    channel_id: int | None = None,
) -> Customer:
    """The customer behind a message's sender; a new customer when nobody has it yet.

    A known sender costs one query on PostgreSQL, also when ``last_seen_at`` moves or a new
    kind or spelling of a number is recorded (``customers.identity_lookup``); elsewhere one
    more for those writes. See the module docstring for the rules.
    """
    try:
        kind, normalized, verified = sender_identity(
            tenant=tenant, kind=kind, value=value, verified=verified
        )
    except InvalidIdentity:
        return customer_create(tenant=tenant, name=display_name or "Unknown sender")
    kinds, values = lookup_keys(kind, normalized)
    now = timezone.now()
    seen: Sighting | None = None
    if connection.vendor == "postgresql":
        seen = sighting_lookup(
            tenant_id=tenant.pk, kind=kind, value=normalized, kinds=kinds, values=values,
            verified=verified, channel_id=channel_id, now=now, stale=now - TOUCH_EVERY,
        )  # fmt: skip
        rows = seen.rows
    else:
        rows = list(
            Identity.objects.select_related("customer").filter(kind__in=kinds, value__in=values)
        )
    if not rows:
        return _customer_for_new_identity(
            tenant=tenant,
            kind=kind,
            value=normalized,
            verified=verified,
            display_name=display_name,
            channel_id=channel_id,
        )
    row = _best_match(rows, kind, normalized)
    if row.is_weak:
        return _claim_confirmed(
            row=row, kind=kind, value=normalized, verified=verified,
            display_name=display_name, channel_id=channel_id,
        )  # fmt: skip
    customer = customer_survivor(row.customer)
    _sighting_record(
        customer=customer, row=row, rows=rows, kind=kind, value=normalized,
        verified=verified, channel_id=channel_id, now=now, seen=seen,
    )  # fmt: skip
    if display_name and not customer.name:
        customer.name = display_name[:200]
        Customer.objects.filter(pk=customer.pk).update(name=customer.name)
    return customer


def _best_match(rows: list[Identity], kind: str, value: str) -> Identity:
    """Same kind and spelling first, then strong rows, then the oldest."""
    return min(
        rows,
        key=lambda r: (
            (r.kind, r.value) != (kind, value),
            r.is_weak,
            not r.verified,
            r.first_seen_at,
            r.pk,
        ),
    )


def _sighting_record(
    *,
    customer: Customer,
    row: Identity,
    rows: list[Identity],
    kind: str,
    value: str,
    verified: bool,
    channel_id: int | None,
    now: datetime,
    seen: Sighting | None,
) -> None:
    """Record the sighting on ``row``; ``seen``: the lookup statement already wrote it."""
    if (row.kind, row.value) != (kind, value):
        if seen is None or seen.added_for != customer.pk:  # else the lookup recorded it
            _new_kind_record(customer, kind, value, verified, channel_id, now)
    elif seen is not None:
        if seen.touched:
            row.last_seen_at = now
            row.verified = row.verified or verified
            if row.origin != IdentityOrigin.AGENT:
                row.origin = IdentityOrigin.SENDER
    else:
        changes: dict[str, Any] = {}
        if verified and not row.verified:
            changes["verified"] = True
        if row.origin != IdentityOrigin.SENDER and row.origin != IdentityOrigin.AGENT:
            changes["origin"] = IdentityOrigin.SENDER
        if changes or now - row.last_seen_at >= TOUCH_EVERY:
            Identity.objects.filter(pk=row.pk).update(last_seen_at=now, **changes)
    owners = {customer_survivor(r.customer).pk: r for r in rows if r.customer_id != row.customer_id}
    for owner_id, other in owners.items():
        if owner_id != customer.pk:
            suggestion_raise(
                customer=customer,
                other=customer_survivor(other.customer),
                signal="shared_number",
                evidence={"kind": kind, "value": value, "also": f"{other.kind}:{other.value}"},
            )


def _new_kind_record(
    customer: Customer, kind: str, value: str, verified: bool, channel_id: int | None, now: datetime
) -> None:
    """A new kind (WhatsApp of a known phone) or the canonical spelling of a legacy one."""
    Identity.objects.bulk_create(
        [
            Identity(
                tenant_id=customer.tenant_id,
                customer=customer,
                kind=kind,
                value=value,
                verified=verified,
                origin=IdentityOrigin.SENDER,
                source_channel_id=channel_id,
                first_seen_at=now,
                last_seen_at=now,
            )
        ],
        ignore_conflicts=True,
    )


def _customer_for_new_identity(
    *,
    tenant: Tenant,
    kind: str,
    value: str,
    verified: bool,
    display_name: str,
    channel_id: int | None,
) -> Customer:
    key = match_key(kind, value)
    if connection.vendor == "postgresql":
        made = new_sender_insert(
            tenant_id=tenant.pk, name=display_name[:200], kind=kind, value=value,
            verified=verified, key=key, channel_id=channel_id, now=timezone.now(),
            domain=email_domain(value) if kind == IdentityKind.EMAIL else None,
        )  # fmt: skip
        if made is None:  # a concurrent message from the same new sender won the race
            return customer_survivor(
                Identity.objects.select_related("customer").get(kind=kind, value=value).customer
            )
        event_publish(
            tenant_id=tenant.pk, name="customer.created", payload={"id": made.customer.pk}
        )
        if made.has_aliases:
            _alias_suggestions(customer=made.customer, kind=kind, value=value, key=key)
        return made.customer
    try:
        with transaction.atomic():
            customer = customer_create(tenant=tenant, name=display_name)
            Identity.objects.create(
                tenant=tenant,
                customer=customer,
                kind=kind,
                value=value,
                verified=verified,
                origin=IdentityOrigin.SENDER,
                match_key=key,
                source_channel_id=channel_id,
            )
    except IntegrityError:  # a concurrent message from the same new sender won the race
        return customer_survivor(
            Identity.objects.select_related("customer").get(kind=kind, value=value).customer
        )
    if kind == IdentityKind.EMAIL:
        organization_join_by_email(customer=customer, emails=[value])
        _alias_suggestions(customer=customer, kind=kind, value=value, key=key)
    return customer


def _alias_suggestions(*, customer: Customer, kind: str, value: str, key: str) -> None:
    if not key:
        return
    aliases = (
        Identity.objects.select_related("customer")
        .filter(match_key=key)
        .exclude(customer=customer)[:5]
    )
    for alias in aliases:
        suggestion_raise(
            customer=customer,
            other=customer_survivor(alias.customer),
            signal="email_alias",
            evidence={"kind": kind, "value": value, "alias": alias.value},
        )


def _claim_confirmed(
    *,
    row: Identity,
    kind: str,
    value: str,
    verified: bool,
    display_name: str,
    channel_id: int | None,
) -> Customer:
    """A claimed identity is seen sending: it becomes a customer of its own, suggested."""
    claimant = customer_survivor(row.customer)
    now = timezone.now()
    with transaction.atomic():
        customer = customer_create(tenant=claimant.tenant, name=display_name)
        Identity.objects.filter(pk=row.pk).update(
            customer=customer,
            verified=verified,
            origin=IdentityOrigin.SENDER,
            source_channel_id=channel_id,
            last_seen_at=now,
        )
        if (row.kind, row.value) != (kind, value):
            Identity.objects.bulk_create(
                [
                    Identity(
                        tenant_id=customer.tenant_id,
                        customer=customer,
                        kind=kind,
                        value=value,
                        verified=verified,
                        origin=IdentityOrigin.SENDER,
                        source_channel_id=channel_id,
                    )
                ],
                ignore_conflicts=True,
            )
    if kind == IdentityKind.EMAIL:
        organization_join_by_email(customer=customer, emails=[value])
    signal = (
        "claim_confirmed_provided"
        if row.origin == IdentityOrigin.PROVIDED
        else "claim_confirmed_hint"
    )
    suggestion_raise(
        customer=customer,
        other=claimant,
        signal=signal,
        evidence={"kind": kind, "value": value, "claimed_at": row.first_seen_at.isoformat()},
    )
    return customer


# -------------------------------------------------------------------- hints


@dataclass(frozen=True)
class _Candidate:
    kind: str
    value: str
    verified: bool
    origin: str


@dataclass
class HintsOutcome:
    """What ``identity_hints_apply`` did with each identity it was given."""

    attached: list[tuple[str, str]] = field(default_factory=list)
    confirmed: list[tuple[str, str]] = field(default_factory=list)
    suggested: list[int] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def _candidates(
    *, tenant: Tenant, identities: Sequence[IdentityClaim], text: str, outcome: HintsOutcome
) -> list[_Candidate]:
    found: dict[tuple[str, str], _Candidate] = {}
    for claim in identities:
        if claim.kind == IdentityKind.CHAT_USER and not claim.verified:
            outcome.refused.append((claim.kind, "unverified widget user"))
            continue
        try:
            kind, value, verified = sender_identity(
                tenant=tenant, kind=claim.kind, value=claim.value, verified=claim.verified
            )
        except InvalidIdentity as exc:
            outcome.refused.append((str(claim.kind), exc.reason))
            continue
        found.setdefault((kind, value), _Candidate(kind, value, verified, IdentityOrigin.PROVIDED))
    for kind, value in extract_contact_hints(text, default_region=tenant.country):
        found.setdefault((kind, value), _Candidate(kind, value, False, IdentityOrigin.HINT))
    return list(found.values())


def identity_hints_apply(
    *,
    tenant: Tenant,
    customer: Customer,
    identities: Sequence[IdentityClaim] = (),
    text: str = "",
    channel_id: int | None = None,
    evidence: Mapping[str, Any] | None = None,
) -> HintsOutcome:
    """Attach what a message says about its sender, or suggest a merge; never merge.

    ``identities`` are extra identities the channel gave (the email a chat visitor typed,
    a caller id); ``text`` is scanned for emails and phone numbers. Nobody owns it: attached
    to ``customer`` unverified (verified only when the channel vouched). Owned by someone
    else: a merge suggestion with the evidence. No hints: no query.
    """
    outcome = HintsOutcome()
    candidates = _candidates(tenant=tenant, identities=identities, text=text, outcome=outcome)
    if not candidates:
        return outcome
    customer = customer_survivor(customer)
    keys = {(c.kind, c.value): lookup_keys(c.kind, c.value) for c in candidates}
    query = Q()
    for kinds, values in keys.values():
        query |= Q(kind__in=kinds, value__in=values)
    rows = list(Identity.objects.select_related("customer").filter(query))
    now = timezone.now()
    new: list[Identity] = []
    for candidate in candidates:
        kinds, values = keys[(candidate.kind, candidate.value)]
        owned = [r for r in rows if r.kind in kinds and r.value in values]
        if not owned:
            new.append(
                Identity(
                    tenant=tenant,
                    customer=customer,
                    kind=candidate.kind,
                    value=candidate.value,
                    verified=candidate.verified,
                    origin=candidate.origin,
                    match_key=match_key(candidate.kind, candidate.value),
                    source_channel_id=channel_id,
                    first_seen_at=now,
                    last_seen_at=now,
                )
            )
            continue
        owners = {customer_survivor(r.customer) for r in owned}
        if customer in owners:
            mine = [r for r in owned if r.customer_id == customer.pk]
            if candidate.verified and mine and not mine[0].verified:
                Identity.objects.filter(pk=mine[0].pk).update(verified=True, last_seen_at=now)
            outcome.confirmed.append((candidate.kind, candidate.value))
            continue
        signal = "text" if candidate.origin == IdentityOrigin.HINT else "provided"
        if candidate.verified:
            signal = "provided_verified"
        for owner in sorted(owners, key=lambda c: c.pk):
            suggestion = suggestion_raise(
                customer=customer,
                other=owner,
                signal=signal,
                evidence={
                    "kind": candidate.kind,
                    "value": candidate.value,
                    "channel_id": channel_id,
                    **(evidence or {}),
                },
            )
            if suggestion is not None:
                outcome.suggested.append(suggestion.pk)
    if new:
        Identity.objects.bulk_create(new, ignore_conflicts=True)
        outcome.attached = [(i.kind, i.value) for i in new]
        emails = [i.value for i in new if i.kind == IdentityKind.EMAIL]
        organization_join_by_email(customer=customer, emails=emails)
        for identity in new:
            _alias_suggestions(
                customer=customer, kind=identity.kind, value=identity.value, key=identity.match_key
            )
    return outcome
