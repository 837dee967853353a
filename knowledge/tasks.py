"""Background work of the knowledge base: embeddings and the failed-search outreach sweep."""

from __future__ import annotations

from celery import shared_task

from helpdesk.models import Tenant
from helpdesk.tasks import tenant_task
from helpdesk.tenancy import tenant_scope
from knowledge import services


@shared_task(name="knowledge.article_embed")
@tenant_task
def article_embed(tenant_id: int, article_id: int) -> bool:
    """Compute an article's embedding (idempotent; a no-op without the semantic extra)."""
    return services.article_embedding_refresh(article_id=article_id)


@shared_task(name="knowledge.failed_search_sweep")
def failed_search_sweep() -> int:
    """Publish ``kb.search_failed`` for every tenant with outreach enabled."""
    published = 0
    tenant_ids = services.outreach_tenant_ids()
    for tenant in Tenant.objects.filter(pk__in=tenant_ids):
        with tenant_scope(tenant):
            published += services.failed_search_outreach_publish(tenant=tenant)
    return published
