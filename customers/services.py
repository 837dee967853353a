"""Writes on customers and organizations."""

from __future__ import annotations

from collections.abc import Sequence
from types import EllipsisType

from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.identity_values import (
    IdentityKind,
    InvalidIdentity,
    email_domain,
    normalize_identity,
)
from customers.models import Customer, Identity, Organization, OrganizationDomain
from helpdesk.events import event_publish
from helpdesk.models import Tenant


@transaction.atomic
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
            Identity(tenant=tenant, customer=customer, kind=kind, value=value, verified=verified)
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


@transaction.atomic
def organization_create(
    *, tenant: Tenant, name: str, tier: str = "", plan: str = "", domains: Sequence[str] = ()
) -> Organization:
    """An organization; existing customers whose email domain matches join it."""
    organization = Organization.objects.create(tenant=tenant, name=name, tier=tier, plan=plan)
    clean = sorted({d.strip().lower() for d in domains if d.strip()})
    OrganizationDomain.objects.bulk_create(
        [OrganizationDomain(tenant=tenant, organization=organization, domain=d) for d in clean]
    )
    for domain in clean:
        ids = Identity.objects.filter(kind="email", value__endswith="@" + domain).values("customer")
        Customer.objects.filter(pk__in=ids, organization__isnull=True).update(
            organization=organization
        )
    return organization


def identity_resolve(
    *,
    tenant: Tenant,
    kind: str,
    value: str,
    verified: bool = False,
    display_name: str = "",
    channel_id: int | None = None,
) -> Customer:
    """The customer behind a sender identity; a new customer when nobody has it yet.

    ``value`` is normalized here (``customers.identity_values``); an unusable value
    (anonymous caller id, malformed address) gets an unverified placeholder customer.
    """
    try:
        normalized = normalize_identity(kind, value, default_region=tenant.country)
    except InvalidIdentity:
        return customer_create(tenant=tenant, name=display_name or "Unknown sender")
    now = timezone.now()
    identity = (
        Identity.objects.select_related("customer").filter(kind=kind, value=normalized).first()
    )
    if identity is not None:
        Identity.objects.filter(pk=identity.pk).update(last_seen_at=now)
        customer = identity.customer
        while customer.merged_into_id:  # identities move on merge; this guards stale rows
            customer = Customer.objects.get(pk=customer.merged_into_id)
        return customer
    organization = None
    if kind == IdentityKind.EMAIL:
        domain = OrganizationDomain.objects.filter(domain=email_domain(normalized)).first()
        organization = domain.organization if domain else None
    try:
        with transaction.atomic():
            customer = customer_create(tenant=tenant, name=display_name, organization=organization)
            Identity.objects.create(
                tenant=tenant,
                customer=customer,
                kind=kind,
                value=normalized,
                verified=verified,
                source_channel_id=channel_id,
            )
    except IntegrityError:  # a concurrent message from the same new sender won the race
        return Identity.objects.select_related("customer").get(kind=kind, value=normalized).customer
    return customer
