"""Periodic catch-up of the daily pre-aggregates. Tasks take ids and are idempotent."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from analytics.rollup import rollup_refresh
from helpdesk.models import Tenant
from helpdesk.tasks import safe_delay, tenant_task


@shared_task(name="analytics.rollup_refresh")
@tenant_task
def rollup_refresh_tenant(tenant_id: int) -> dict[str, Any]:
    result = rollup_refresh(tenant=Tenant.objects.get(pk=tenant_id))
    if result["more"]:  # a long backlog: continue in a fresh task
        safe_delay(rollup_refresh_tenant, tenant_id)
    return result


@shared_task(name="analytics.rollup_refresh_all")
def rollup_refresh_all() -> int:
    tenant_ids = list(Tenant.objects.values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        safe_delay(rollup_refresh_tenant, tenant_id)
    return len(tenant_ids)
