"""Merge two customers into one, and undo it.

One transaction moves everything that points at the merged-away customer to the survivor:
its identities, and every row of any room holding a foreign key to ``Customer`` (tickets and
messages in inbox, and with the tickets their notes and tags; survey answers and whatever
later rooms add). Customers cannot import the rooms above it, so it finds those rows through
Django's model registry instead of importing them: any future model with a foreign key to
``Customer`` is carried along without a line here. The audit entry lists the id of every row
moved, per ``app.Model.field``, so the undo moves exactly those rows back (the ones still on
the survivor) and nothing that arrived later. Fields the survivor lacked and took from the
merged customer (name, language, tier, organization) are listed by name and given back.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from customers.models import AuditAction, Customer, CustomerAudit, Identity
from customers.suggestions import suggestion_after_unmerge, suggestions_follow_merge
from helpdesk.errors import Conflict, DomainError
from helpdesk.events import event_publish
from helpdesk.models import Membership

FILLABLE = ("name", "language", "tier", "organization_id")
IDENTITIES = "customers.Identity.customer"


def customer_references() -> list[tuple[str, type[models.Model], str]]:
    """``(label, model, column attribute)`` of every foreign key to Customer outside customers."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label == Customer._meta.app_label:
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is Customer:
                found.append((f"{model._meta.label}.{field.name}", model, field.attname))
    return sorted(found, key=lambda item: item[0])


def _rows(model: type[models.Model], tenant_id: int) -> models.QuerySet[Any]:
    # Tenant-owned models use their scoped manager; auto-created link tables have no tenant
    # column and are reached through customer ids, which belong to one tenant.
    rows = model._default_manager.all()
    if any(f.name == "tenant" for f in model._meta.concrete_fields):
        rows = rows.filter(tenant_id=tenant_id)
    return rows


def _move(
    model: type[models.Model], attname: str, ids: list[Any], to_id: int, tenant_id: int
) -> tuple[list[Any], list[Any]]:
    """Point rows at ``to_id``; rows a unique constraint refuses stay where they are."""
    rows = _rows(model, tenant_id).filter(pk__in=ids)
    try:
        with transaction.atomic():
            rows.update(**{attname: to_id})
        return ids, []
    except IntegrityError:
        moved, kept = [], []
        for pk in ids:
            try:
                with transaction.atomic():
                    _rows(model, tenant_id).filter(pk=pk).update(**{attname: to_id})
                moved.append(pk)
            except IntegrityError:
                kept.append(pk)
        return moved, kept


def _locked_pair(survivor: Customer, other: Customer) -> tuple[Customer, Customer]:
    if survivor.pk == other.pk:
        raise DomainError("A customer cannot be merged with itself.", field="other")
    if survivor.tenant_id != other.tenant_id:
        raise DomainError("No customer with this id.", field="other")
    locked = {
        c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[survivor.pk, other.pk])
    }
    if len(locked) != 2:
        raise DomainError("No customer with this id.", field="other")
    return locked[survivor.pk], locked[other.pk]


@transaction.atomic
def customer_merge(
    *, survivor: Customer, other: Customer, actor: Membership | None, reason: str = ""
) -> CustomerAudit:
    """Merge ``other`` into ``survivor``; the audit entry returned can undo it."""
    survivor, other = _locked_pair(survivor, other)
    for customer in (survivor, other):
        if customer.merged_into_id:
            raise Conflict(
                f"Customer {customer.pk} was already merged into {customer.merged_into_id}.",
                field="other" if customer is other else None,
            )
        if customer.erased_at:
            raise Conflict(f"Customer {customer.pk} was erased.", field="other")
    tenant_id = survivor.tenant_id
    moved: dict[str, list[Any]] = {}
    kept: dict[str, list[Any]] = {}
    identity_ids = list(Identity.objects.filter(customer=other).values_list("pk", flat=True))
    Identity.objects.filter(pk__in=identity_ids).update(customer=survivor)
    moved[IDENTITIES] = identity_ids
    for label, model, attname in customer_references():
        ids = list(
            _rows(model, tenant_id).filter(**{attname: other.pk}).values_list("pk", flat=True)
        )
        if ids:
            moved[label], refused = _move(model, attname, ids, survivor.pk, tenant_id)
            if refused:
                kept[label] = refused
    filled = [f for f in FILLABLE if not getattr(survivor, f) and getattr(other, f)]
    now = timezone.now()
    for name in filled:
        setattr(survivor, name, getattr(other, name))
    survivor.updated_at = now
    survivor.save(update_fields=[*filled, "updated_at"])
    other.merged_into = survivor
    other.updated_at = now
    other.save(update_fields=["merged_into", "updated_at"])
    suggestion_id = suggestions_follow_merge(survivor=survivor, merged=other, actor=actor)
    audit = CustomerAudit.objects.create(
        tenant_id=tenant_id,
        action=AuditAction.MERGE,
        customer=survivor,
        other=other,
        actor=actor,
        reason=reason[:500],
        detail={"moved": moved, "kept": kept, "filled": filled, "suggestion": suggestion_id},
        created_at=now,
    )
    event_publish(
        tenant_id=tenant_id,
        name="customer.merged",
        payload={
            "survivor": survivor.pk,
            "merged": other.pk,
            "audit": audit.pk,
            "moved": {label: len(ids) for label, ids in moved.items()},
        },
    )
    return audit


@transaction.atomic
def customer_unmerge(
    *, survivor: Customer, other: Customer, actor: Membership | None, reason: str = ""
) -> CustomerAudit:
    """Undo the merge of ``other`` into ``survivor``: what moved goes back, nothing else."""
    survivor, other = _locked_pair(survivor, other)
    merge = (
        CustomerAudit.objects.filter(
            action=AuditAction.MERGE, customer=survivor, other=other, undone_at__isnull=True
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if merge is None or other.merged_into_id != survivor.pk:
        raise DomainError(f"Customer {other.pk} is not merged into this one.", field="other")
    if survivor.merged_into_id:
        raise Conflict(
            f"This customer was since merged into {survivor.merged_into_id}; undo that first."
        )
    if survivor.erased_at:
        raise Conflict("This customer was erased; its merges cannot be undone.")
    tenant_id = survivor.tenant_id
    references = {label: (model, attname) for label, model, attname in customer_references()}
    references[IDENTITIES] = (Identity, "customer_id")
    returned: dict[str, int] = {}
    for label, ids in merge.detail.get("moved", {}).items():
        if label not in references:  # the model is gone; nothing to give back
            continue
        model, attname = references[label]
        rows = _rows(model, tenant_id).filter(pk__in=ids, **{attname: survivor.pk})
        back = list(rows.values_list("pk", flat=True))
        returned[label] = len(_move(model, attname, back, other.pk, tenant_id)[0])
    restored = []
    for name in merge.detail.get("filled", []):
        if name in FILLABLE and getattr(survivor, name) == getattr(other, name):
            setattr(survivor, name, "" if name != "organization_id" else None)
            restored.append(name)
    now = timezone.now()
    survivor.updated_at = now
    survivor.save(update_fields=[*restored, "updated_at"])
    other.merged_into = None
    other.updated_at = now
    other.save(update_fields=["merged_into", "updated_at"])
    merge.undone_at = now
    merge.undone_by = actor
    merge.save(update_fields=["undone_at", "undone_by"])
    suggestion_after_unmerge(suggestion_id=merge.detail.get("suggestion"), actor=actor)
    audit = CustomerAudit.objects.create(
        tenant_id=tenant_id,
        action=AuditAction.UNMERGE,
        customer=survivor,
        other=other,
        actor=actor,
        reason=reason[:500],
        detail={"merge": merge.pk, "returned": returned, "restored": restored},
        created_at=now,
    )
    event_publish(
        tenant_id=tenant_id,
        name="customer.unmerged",
        payload={"survivor": survivor.pk, "restored": other.pk, "audit": audit.pk},
    )
    return audit
