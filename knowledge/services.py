"""Writes of the knowledge base: categories, articles, votes, search logs and deflection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from customers.models import Customer
from helpdesk.errors import Conflict, DomainError
from helpdesk.events import event_publish
from helpdesk.models import Tenant
from helpdesk.tasks import enqueue_on_commit
from knowledge.models import (
    Article,
    ArticleStatus,
    ArticleVote,
    Category,
    HelpCenterSettings,
    SearchLog,
    SearchSource,
)
from knowledge.search import SearchOutcome
from knowledge.selectors import searches_uncontacted_ids
from knowledge.text import article_slugify, html_to_text, markdown_render
from knowledge.validation import locale_clean

MAX_TITLE = 200
MAX_BODY = 200_000
SEARCH_ATTACH_WINDOW = timedelta(hours=24)


def settings_get(*, tenant: Tenant) -> HelpCenterSettings:
    found, _ = HelpCenterSettings.objects.get_or_create(
        tenant=tenant, defaults={"title": tenant.name}
    )
    return found


def settings_update(*, tenant: Tenant, **fields: Any) -> HelpCenterSettings:
    found = settings_get(tenant=tenant)
    for name, value in fields.items():
        setattr(found, name, value)
    found.save()
    return found


def category_create(
    *, tenant: Tenant, name: str, slug: str = "", description: str = "", position: int = 0
) -> Category:
    slug = slug or article_slugify(name)
    if Category.objects.filter(slug=slug).exists():
        raise Conflict(f"A category with the slug '{slug}' exists.", field="slug")
    return Category.objects.create(
        tenant=tenant, name=name, slug=slug, description=description, position=position
    )


def category_update(*, category: Category, **fields: Any) -> Category:
    slug = fields.get("slug")
    if slug and Category.objects.filter(slug=slug).exclude(pk=category.pk).exists():
        raise Conflict(f"A category with the slug '{slug}' exists.", field="slug")
    for name, value in fields.items():
        setattr(category, name, value)
    category.save()
    return category


def category_delete(*, category: Category) -> None:
    """Delete a category; its articles stay, uncategorized."""
    category.delete()


def _render(article: Article) -> None:
    article.body_html = markdown_render(article.body)
    article.body_text = html_to_text(article.body_html)
    article.slug = article_slugify(article.title)


def _check(title: str, body: str) -> None:
    if not title.strip():
        raise DomainError("An article needs a title.", field="title")
    if len(title) > MAX_TITLE:
        raise DomainError(f"Titles are limited to {MAX_TITLE} characters.", field="title")
    if len(body) > MAX_BODY:
        raise DomainError(f"Bodies are limited to {MAX_BODY} characters.", field="body")


def _after_write(article: Article, verb: str) -> None:
    from knowledge.tasks import article_embed  # tasks import this module

    enqueue_on_commit(article_embed, article.tenant_id, article.pk)
    event_publish(
        tenant_id=article.tenant_id,
        name=f"kb.article_{verb}",
        payload={"id": article.pk, "status": article.status, "locale": article.locale},
    )


@transaction.atomic
def article_create(
    *,
    tenant: Tenant,
    title: str,
    body: str,
    category: Category | None = None,
    status: str = ArticleStatus.DRAFT,
    locale: str = "",
    translation_of: Article | None = None,
) -> Article:
    """Create an article (or another locale's version of ``translation_of``)."""
    _check(title, body)
    locale = locale_clean(locale or tenant.locale)
    article = Article(
        tenant=tenant,
        title=title.strip(),
        body=body,
        category=category
        if category is not None or translation_of is None
        else translation_of.category,
        status=status,
        locale=locale,
    )
    if translation_of is not None:
        article.translation_key = translation_of.translation_key
    if status == ArticleStatus.PUBLISHED:
        article.published_at = timezone.now()
    _render(article)
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError as exc:
        raise Conflict(f"This article already has a '{locale}' version.", field="locale") from exc
    _after_write(article, "created")
    return article


@transaction.atomic
def article_update(*, article: Article, **fields: Any) -> Article:
    title = fields.get("title", article.title)
    body = fields.get("body", article.body)
    _check(title, body)
    if "locale" in fields:
        fields["locale"] = locale_clean(fields["locale"])
        clash = Article.objects.filter(
            translation_key=article.translation_key, locale=fields["locale"]
        ).exclude(pk=article.pk)
        if clash.exists():
            raise Conflict(
                f"This article already has a '{fields['locale']}' version.", field="locale"
            )
    was_published = article.status == ArticleStatus.PUBLISHED
    for name, value in fields.items():
        setattr(article, name, value.strip() if name == "title" else value)
    if article.status == ArticleStatus.PUBLISHED and not was_published:
        article.published_at = timezone.now()
    _render(article)
    if {"title", "body"} & set(fields):
        article.embedding = b""
        article.embedding_model = ""
    article.updated_at = timezone.now()
    article.save()
    _after_write(article, "updated")
    return article


@transaction.atomic
def article_delete(*, article: Article) -> None:
    pk, tenant_id = article.pk, article.tenant_id
    article.delete()
    event_publish(tenant_id=tenant_id, name="kb.article_deleted", payload={"id": pk})


def article_embedding_refresh(*, article_id: int) -> bool:
    """Compute and store the article's embedding; False when semantic search is off."""
    from knowledge.semantic import MODEL_NAME, encoder_get

    encoder = encoder_get()
    article = Article.objects.filter(pk=article_id).first()
    if encoder is None or article is None:
        return False
    vector = encoder.encode([f"{article.title}\n{article.body_text}"])[0]
    Article.objects.filter(pk=article_id).update(
        embedding=vector.tobytes(), embedding_model=MODEL_NAME, updated_at=timezone.now()
    )
    return True


@transaction.atomic
def article_vote(*, article: Article, visitor_key: str, helpful: bool) -> Article:
    """Record a visitor's vote; a second vote by the same visitor replaces the first."""
    if article.status != ArticleStatus.PUBLISHED:
        raise DomainError("Only published articles take votes.", field="article")
    previous = (
        ArticleVote.objects.select_for_update()
        .filter(article=article, visitor_key=visitor_key)
        .first()
    )
    if previous is not None and previous.helpful == helpful:
        return article
    plus, minus = ("helpful_count", "not_helpful_count")
    if previous is None:
        ArticleVote.objects.create(
            tenant_id=article.tenant_id, article=article, visitor_key=visitor_key, helpful=helpful
        )
        Article.objects.filter(pk=article.pk).update(
            **{plus if helpful else minus: F(plus if helpful else minus) + 1}
        )
    else:
        previous.helpful = helpful
        previous.save(update_fields=["helpful"])
        gain, loss = (plus, minus) if helpful else (minus, plus)
        Article.objects.filter(pk=article.pk).update(**{gain: F(gain) + 1, loss: F(loss) - 1})
    recent = SearchLog.objects.filter(
        visitor_key=visitor_key, created_at__gte=timezone.now() - timedelta(minutes=30)
    ).order_by("-created_at")[:1]
    SearchLog.objects.filter(pk__in=[log.pk for log in recent]).update(voted_helpful=helpful)
    article.refresh_from_db()
    return article


def search_log_record(
    *,
    tenant: Tenant,
    outcome: SearchOutcome,
    source: str,
    locale: str = "",
    visitor_key: str = "",
    customer: Customer | None = None,
) -> SearchLog | None:
    """Log a search and whether it found a good answer; empty queries are not logged."""
    if not outcome.normalized_query:
        return None
    threshold = settings_get(tenant=tenant).good_answer_min_score
    top = outcome.hits[0].score if outcome.hits else 0.0
    return SearchLog.objects.create(
        tenant=tenant,
        query=outcome.query[:200],
        normalized_query=outcome.normalized_query[:200],
        source=SearchSource(source),
        locale=locale[:8],
        visitor_key=visitor_key[:64],
        customer=customer,
        results=[{"id": hit.id, "score": hit.score} for hit in outcome.hits],
        result_count=len(outcome.hits),
        top_score=top,
        failed=top < threshold,
    )


def search_click_record(*, search_id: int, article: Article, visitor_key: str) -> bool:
    """The visitor opened ``article`` from the results of search ``search_id``."""
    updated = SearchLog.objects.filter(
        pk=search_id, visitor_key=visitor_key, clicked_article__isnull=True
    ).update(clicked_article=article, clicked_at=timezone.now())
    return updated == 1


def search_contact_record(
    *,
    ticket_id: int,
    visitor_key: str = "",
    customer_id: int | None = None,
    since: Any = None,
    visitor_keys: Sequence[str] = (),
) -> list[SearchLog]:
    """Mark the visitor's (or customer's) recent searches as followed by contact on a ticket.

    Called by the side that opens the ticket (widget, inbox). Publishes ``kb.searches_attached``
    with the ticket id and the search terms, so the inbox can show them to the agent.
    ``visitor_keys`` names one visitor known under several keys (the widget's id and the help
    center's cookie): their searches are attached together, in one event.
    """
    keys = [key for key in (visitor_key, *visitor_keys) if key]
    if not keys and customer_id is None:
        raise DomainError("Name the visitor or the customer.", field="visitor_key")
    since = since or timezone.now() - SEARCH_ATTACH_WINDOW
    if keys:
        logs = SearchLog.objects.filter(
            created_at__gte=since, contacted_at__isnull=True, visitor_key__in=keys
        )
        found = list(logs.order_by("created_at"))
    else:
        ids = searches_uncontacted_ids(customer_id=int(customer_id or 0), since=since)
        found = list(SearchLog.objects.filter(pk__in=ids).order_by("created_at")) if ids else []
    if not found:
        return []  # most contacts searched nothing: one query, no transaction
    with transaction.atomic():
        SearchLog.objects.filter(pk__in=[log.pk for log in found]).update(
            contacted_at=timezone.now(), ticket_id=ticket_id
        )
        event_publish(
            tenant_id=found[0].tenant_id,
            name="kb.searches_attached",
            payload={
                "ticket_id": ticket_id,
                "customer_id": customer_id,
                "terms": [log.query for log in found],
                "failed_terms": [log.query for log in found if log.failed],
                "search_ids": [log.pk for log in found],
            },
        )
    return found


def failed_search_outreach_publish(*, tenant: Tenant, now: Any = None) -> int:
    """Publish ``kb.search_failed`` for identified customers whose failed searches got no
    click and no contact within the tenant's delay. Each search is published once."""
    config = settings_get(tenant=tenant)
    if not config.outreach_enabled:
        return 0
    now = now or timezone.now()
    due = SearchLog.objects.filter(
        failed=True,
        customer__isnull=False,
        contacted_at__isnull=True,
        outreach_at__isnull=True,
        clicked_article__isnull=True,
        created_at__lte=now - timedelta(minutes=config.outreach_delay_minutes),
        created_at__gte=now - SEARCH_ATTACH_WINDOW,
    ).order_by("created_at")[:500]
    by_customer: dict[int, list[SearchLog]] = {}
    for log in due:
        assert log.customer_id is not None
        by_customer.setdefault(log.customer_id, []).append(log)
    with transaction.atomic():
        for customer_id, logs in by_customer.items():
            claimed = SearchLog.objects.filter(
                pk__in=[log.pk for log in logs], outreach_at__isnull=True
            ).update(outreach_at=now)
            if not claimed:
                continue
            event_publish(
                tenant_id=tenant.pk,
                name="kb.search_failed",
                payload={
                    "customer_id": customer_id,
                    "terms": [log.query for log in logs],
                    "search_ids": [log.pk for log in logs],
                },
            )
    return len(by_customer)


def outreach_tenant_ids() -> list[int]:
    """Tenants whose help center has proactive outreach on."""
    return list(
        HelpCenterSettings.objects.unscoped()  # the sweep visits every tenant
        .filter(outreach_enabled=True)
        .values_list("tenant_id", flat=True)
    )
