"""Reads of the knowledge base: articles, suggestions, public URLs and deflection figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from helpdesk.models import Tenant
from helpdesk.prepared import statement_cursor
from helpdesk.tenancy import tenant_current
from knowledge.models import Article, ArticleStatus, Category, SearchLog
from knowledge.search import SearchHit, article_search


def article_list(
    *, status: str = "", locale: str = "", category_id: int | None = None
) -> QuerySet[Article]:
    articles = Article.objects.select_related("category")
    if status:
        articles = articles.filter(status=status)
    if locale:
        articles = articles.filter(locale=locale)
    if category_id is not None:
        articles = articles.filter(category_id=category_id)
    return articles


def article_published(*, locale: str = "") -> QuerySet[Article]:
    return article_list(status=ArticleStatus.PUBLISHED, locale=locale)


def article_popular(*, locale: str = "", limit: int = 5) -> list[Article]:
    """Published articles most found helpful, then the newest (the empty-query answer)."""
    return list(
        article_published(locale=locale).order_by("-helpful_count", "-updated_at", "-id")[:limit]
    )


def article_versions(*, article: Article) -> list[Article]:
    """Every published locale version of ``article`` (itself included)."""
    return list(
        article_published().filter(translation_key=article.translation_key).order_by("locale")
    )


def category_list() -> QuerySet[Category]:
    return Category.objects.order_by("position", "name", "id")


def category_with_counts(*, locale: str) -> list[Category]:
    return list(
        category_list().annotate(
            published=Count(
                "articles",
                filter=Q(articles__status=ArticleStatus.PUBLISHED, articles__locale=locale),
            )
        )
    )


def article_path(*, tenant: Tenant, article_id: int, slug: str, locale: str = "") -> str:
    path = reverse(
        "kb-help-article",
        kwargs={"tenant_slug": tenant.slug, "article_id": article_id, "article_slug": slug},
    )
    return f"{path}?lang={locale}" if locale and locale != tenant.locale else path


def article_public_url(*, tenant: Tenant, article_id: int, slug: str, locale: str = "") -> str:
    """The absolute help-center URL of an article (what an agent pastes into a reply)."""
    return settings.PUBLIC_BASE_URL + article_path(
        tenant=tenant, article_id=article_id, slug=slug, locale=locale
    )


def help_home_url(*, tenant: Tenant) -> str:
    return settings.PUBLIC_BASE_URL + reverse("kb-help-home", kwargs={"tenant_slug": tenant.slug})


@dataclass(frozen=True)
class Suggestion:
    id: int
    title: str
    snippet: str
    score: float
    url: str


def article_suggest(
    *, tenant: Tenant, text: str, locale: str | None = None, limit: int = 5
) -> list[Suggestion]:
    """Published articles that answer ``text`` (a ticket's subject and messages), with the
    public URL to insert into a reply. Only the first words of a long text are used."""
    hits: list[SearchHit] = article_search(query=text, locale=locale, limit=limit).hits
    return [
        Suggestion(
            id=hit.id,
            title=hit.title,
            snippet=hit.snippet,
            score=hit.score,
            url=article_public_url(
                tenant=tenant, article_id=hit.id, slug=hit.slug, locale=hit.locale
            ),
        )
        for hit in hits
    ]


@dataclass(frozen=True)
class PriorSearch:
    id: int
    query: str
    failed: bool
    top_score: float
    result_count: int
    clicked_article_id: int | None
    created_at: datetime


def searches_before_contact(
    *, since: datetime, visitor_key: str = "", customer_id: int | None = None
) -> list[PriorSearch]:
    """The searches a visitor (widget/help-center key) or a known customer made since
    ``since``, oldest first: what the agent should see on the ticket they open."""
    if not visitor_key and customer_id is None:
        return []
    logs = SearchLog.objects.filter(created_at__gte=since)
    logs = (
        logs.filter(visitor_key=visitor_key)
        if visitor_key
        else logs.filter(customer_id=int(customer_id or 0))
    )
    return [
        PriorSearch(
            id=log.pk,
            query=log.query,
            failed=log.failed,
            top_score=log.top_score,
            result_count=log.result_count,
            clicked_article_id=log.clicked_article_id,
            created_at=log.created_at,
        )
        for log in logs.order_by("created_at", "id")[:50]
    ]


def searches_for_ticket(*, ticket_id: int) -> list[str]:
    """The search terms attached to a ticket by ``search_contact_record``."""
    return list(
        SearchLog.objects.filter(ticket_id=ticket_id)
        .order_by("created_at", "id")
        .values_list("query", flat=True)
    )


def deflection_stats(*, since: datetime, until: datetime) -> dict[str, Any]:
    """Self-service figures for a period (customer-facing searches only).

    ``deflection_rate``: the share of searches not followed by contact; ``failure_rate``: the
    share with no good answer; ``click_rate``: the share where an article was opened.
    """
    logs = SearchLog.objects.filter(
        created_at__gte=since, created_at__lt=until, source__in=["help_center", "widget"]
    )
    found = logs.aggregate(
        searches=Count("id"),
        failed=Count("id", filter=Q(failed=True)),
        contacted=Count("id", filter=Q(contacted_at__isnull=False)),
        clicked=Count("id", filter=Q(clicked_article__isnull=False)),
        helpful=Count("id", filter=Q(voted_helpful=True)),
    )
    total = found["searches"]

    def share(count: int) -> float | None:
        return round(count / total, 4) if total else None

    return {
        **found,
        "deflection_rate": share(total - found["contacted"]),
        "failure_rate": share(found["failed"]),
        "click_rate": share(found["clicked"]),
    }


def failed_searches_top(
    *, since: datetime, until: datetime, limit: int = 10
) -> list[dict[str, Any]]:
    """The most frequent searches with no good answer: ``[{"query", "count", "contacted"}]``."""
    rows = (
        SearchLog.objects.filter(created_at__gte=since, created_at__lt=until, failed=True)
        .exclude(normalized_query="")
        .values("normalized_query")
        .annotate(count=Count("id"), contacted=Count("id", filter=Q(contacted_at__isnull=False)))
        .order_by("-count", "normalized_query")[:limit]
    )
    return [
        {"query": row["normalized_query"], "count": row["count"], "contacted": row["contacted"]}
        for row in rows
    ]


def searches_uncontacted_ids(*, customer_id: int, since: datetime) -> list[int]:
    """Ids of the customer's searches since ``since`` not followed by contact yet.

    Every new ticket asks, and almost always for nothing: plain SQL, prepared on PostgreSQL,
    costs a tenth of building the ORM query for the full rows.
    """
    table = SearchLog._meta.db_table
    sql = (
        f"SELECT id FROM {table} WHERE tenant_id = %s AND customer_id = %s "  # noqa: S608
        "AND created_at >= %s AND contacted_at IS NULL"
    )
    params: list[Any] = [tenant_current().pk, customer_id, since]
    with statement_cursor() as cursor:
        cursor.execute(sql, params)
        return [int(row[0]) for row in cursor.fetchall()]
