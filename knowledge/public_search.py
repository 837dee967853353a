"""One search answer for the agent API, the help center and (later) the widget: run the
search, log it with its results, and shape ``{"results": [...], "search_id", ...}``."""

from __future__ import annotations

from typing import Any

from customers.models import Customer
from helpdesk.models import Tenant
from knowledge.search import MAX_LIMIT, article_search
from knowledge.selectors import article_path, article_popular, article_public_url
from knowledge.services import search_log_record


def _limit(raw: str, default: int = 10) -> int:
    return min(max(int(raw), 1), MAX_LIMIT) if raw.isdigit() else default


def search_respond(
    *,
    tenant: Tenant,
    query: str,
    locale: str | None,
    limit_raw: str,
    source: str,
    visitor_key: str,
    published_only: bool = True,
    customer: Customer | None = None,
    absolute_urls: bool = False,
) -> dict[str, Any]:
    url_of = article_public_url if absolute_urls else article_path
    limit = _limit(limit_raw)
    outcome = article_search(query=query, locale=locale, limit=limit, published_only=published_only)
    if outcome.mode == "empty":
        popular = article_popular(locale=locale or "", limit=limit)
        results = [
            {
                "id": a.pk,
                "title": a.title,
                "snippet": a.body_text[:160],
                "score": 0.0,
                "url": url_of(tenant=tenant, article_id=a.pk, slug=a.slug, locale=a.locale),
            }
            for a in popular
        ]
        return {"results": results, "search_id": None, "mode": "empty", "failed": False}
    log = search_log_record(
        tenant=tenant,
        outcome=outcome,
        source=source,
        locale=locale or "",
        visitor_key=visitor_key,
        customer=customer,
    )
    results = [
        {
            "id": hit.id,
            "title": hit.title,
            "snippet": hit.snippet,
            "score": hit.score,
            "url": url_of(tenant=tenant, article_id=hit.id, slug=hit.slug, locale=hit.locale),
        }
        for hit in outcome.hits
    ]
    return {
        "results": results,
        "search_id": log.pk if log else None,
        "mode": outcome.mode,
        "failed": bool(log and log.failed),
    }
