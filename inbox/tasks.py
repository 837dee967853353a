"""Periodic work of the inbox: the SLA breach sweep and the assignment queue's safety net."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from helpdesk.models import Tenant
from helpdesk.tenancy import tenant_scope
from inbox.assignment import ticket_queue_drain
from inbox.models import Ticket
from inbox.sla_sweep import sla_sweep_run


@shared_task(name="inbox.sla_sweep")
def sla_sweep() -> dict[str, Any]:
    result = sla_sweep_run()
    return {"checked": result.checked, "breaches": result.breaches, "warnings": result.warnings}


@shared_task(name="inbox.routing_queue_drain")
def routing_queue_drain() -> int:
    """Assign queued tickets whose agents freed up without an event reaching us."""
    # Which tenants have a queue at all: one index-only look across tenants.
    tenant_ids = set(
        Ticket.objects.unscoped()
        .filter(routing_queued_at__isnull=False, assignee__isnull=True)
        .values_list("tenant_id", flat=True)
        .distinct()
    )
    assigned = 0
    for tenant in Tenant.objects.filter(pk__in=tenant_ids):
        with tenant_scope(tenant):
            assigned += ticket_queue_drain(tenant=tenant)
    return assigned
